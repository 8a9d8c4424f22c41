/**
 * Room options (PROTOCOL §3.2): one table drives the admin API names and values (§8.4–§8.5), the
 * `muc#owner` configuration form (§3.13) and the stored JSON, so the three never drift apart.
 */
import type { PrivateMessagePolicy, RoomOptions } from "../../config/config.types.js";

/** §3.2 options with `e2ee` resolved, plus `history_size` (Extension: messages kept for `<history>`, 0 = none). */
export interface RoomConfig extends Omit<RoomOptions, "e2ee"> {
  e2ee: boolean;
  history_size: number;
}

export type OptionKind = "boolean" | "string" | "integer" | "pm-policy" | "image" | "whois" | "secret";

export interface OptionSpec {
  readonly name: keyof RoomConfig;
  readonly kind: OptionKind;
  /** Owner-form field; undefined when the option is only set through the API or §7.4. */
  readonly field?: string;
  readonly label: string;
}

/** In §3.2 order, which is also the owner form's field order. */
export const OPTION_SPECS: readonly OptionSpec[] = [
  { name: "title", kind: "string", field: "muc#roomconfig_roomname", label: "Room title" },
  { name: "description", kind: "string", field: "muc#roomconfig_roomdesc", label: "Room description" },
  { name: "persistent", kind: "boolean", field: "muc#roomconfig_persistentroom", label: "Make room persistent" },
  { name: "public", kind: "boolean", field: "muc#roomconfig_publicroom", label: "Make room public searchable" },
  { name: "members_only", kind: "boolean", field: "muc#roomconfig_membersonly", label: "Make room members-only" },
  { name: "moderated", kind: "boolean", field: "muc#roomconfig_moderatedroom", label: "Make room moderated" },
  { name: "members_by_default", kind: "boolean", field: "members_by_default", label: "Default users as participants" },
  { name: "anonymous", kind: "whois", field: "muc#roomconfig_whois", label: "Present real Jabber IDs to" },
  { name: "password_protected", kind: "boolean", field: "muc#roomconfig_passwordprotectedroom", label: "Make room password protected" },
  { name: "password", kind: "secret", field: "muc#roomconfig_roomsecret", label: "Password" },
  { name: "allow_subscription", kind: "boolean", field: "muc#roomconfig_allow_subscription", label: "Allow subscription" },
  { name: "mam", kind: "boolean", field: "mam", label: "Enable message archiving" },
  { name: "max_users", kind: "integer", field: "muc#roomconfig_maxusers", label: "Maximum Number of Occupants" },
  { name: "allow_change_subj", kind: "boolean", field: "muc#roomconfig_changesubject", label: "Allow users to change the subject" },
  { name: "allow_private_messages", kind: "pm-policy", field: "muc#roomconfig_allowpm", label: "Allow users to send private messages" },
  { name: "allow_user_invites", kind: "boolean", field: "muc#roomconfig_allowinvites", label: "Allow users to send invites" },
  { name: "allow_query_users", kind: "boolean", field: "muc#roomconfig_allow_query_users", label: "Allow users to query other users" },
  { name: "lang", kind: "string", field: "muc#roomconfig_lang", label: "Natural Language for Room Discussions" },
  { name: "e2ee", kind: "boolean", field: "e2ee", label: "End-to-end encrypted room" },
  { name: "room_thumbnail", kind: "image", label: "Room thumbnail" },
  { name: "room_background", kind: "image", label: "Room background" },
  { name: "history_size", kind: "integer", field: "muc#maxhistoryfetch", label: "Maximum Number of History Messages Returned by Room" },
];

const BY_NAME = new Map<string, OptionSpec>(OPTION_SPECS.map((s) => [s.name, s]));
const BY_FIELD = new Map<string, OptionSpec>(OPTION_SPECS.filter((s) => s.field !== undefined).map((s) => [s.field as string, s]));
/** §8.5: `allowpm` is an alias of `allow_private_messages`; `max_history_fetch` of `history_size`. */
const ALIASES: Readonly<Record<string, keyof RoomConfig>> = { allowpm: "allow_private_messages", max_history_fetch: "history_size" };
const PM_POLICIES: readonly PrivateMessagePolicy[] = ["anyone", "participants", "moderators", "none"];
const MAX_IMAGE_LENGTH = 2048;
const MAX_HISTORY = 1000;

export function optionSpec(name: string): OptionSpec | undefined {
  return BY_NAME.get(ALIASES[name] ?? name);
}

export function fieldSpec(field: string): OptionSpec | undefined {
  return BY_FIELD.get(field);
}

/** A room's initial configuration: the configured defaults, `e2ee: "auto"` resolved from the name (§3.2, §1.6). */
export function initialConfig(defaults: RoomOptions, roomName: string): RoomConfig {
  return { ...defaults, e2ee: defaults.e2ee === "auto" ? roomName.endsWith("-e2ee") : defaults.e2ee, history_size: 0 };
}

/** The stored JSON back into a configuration; unknown or invalid keys keep the defaults. */
export function configFromJson(json: string, defaults: RoomConfig): RoomConfig {
  const config: RoomConfig = { ...defaults };
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return config;
  }
  if (typeof parsed !== "object" || parsed === null) return config;
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    const spec = BY_NAME.get(k);
    if (spec === undefined) continue;
    const value = spec.kind === "image" && v === null ? null : parseOptionValue(spec, v);
    if (value !== undefined) assign(config, spec.name, value);
  }
  return config;
}

export type OptionValue = RoomConfig[keyof RoomConfig];

/** An API or stored value (§8.4: strings, JSON booleans and numbers). undefined = invalid. */
export function parseOptionValue(spec: OptionSpec, raw: unknown): OptionValue | undefined {
  const text = typeof raw === "string" ? raw.trim() : typeof raw === "number" || typeof raw === "boolean" ? String(raw) : undefined;
  if (text === undefined) return undefined;
  switch (spec.kind) {
    case "boolean":
    case "whois":
      return parseBoolean(text);
    case "string":
    case "secret":
      return typeof raw === "string" ? raw : text;
    case "integer": {
      if (!/^\d+$/.test(text)) return undefined;
      const n = Number(text);
      if (spec.name === "max_users") return n >= 1 ? n : undefined;
      return n <= MAX_HISTORY ? n : undefined;
    }
    case "pm-policy": {
      // ejabberd's older boolean form: true = anyone, false = none.
      const b = parseBoolean(text);
      if (b !== undefined) return b ? "anyone" : "none";
      return (PM_POLICIES as readonly string[]).includes(text) ? (text as PrivateMessagePolicy) : undefined;
    }
    case "image":
      if (text.length > MAX_IMAGE_LENGTH) return undefined;
      return text === "" || text === "none" ? null : text;
  }
}

export function parseBoolean(text: string): boolean | undefined {
  const t = text.toLowerCase();
  if (t === "true" || t === "1") return true;
  if (t === "false" || t === "0") return false;
  return undefined;
}

export function assign(config: RoomConfig, name: keyof RoomConfig, value: OptionValue): void {
  (config as unknown as Record<string, OptionValue>)[name] = value;
}

/** `get_room_options` (§8.5): every option of §3.2 as a string; `history_size` only when set. */
export function optionsAsStrings(config: RoomConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of OPTION_SPECS) {
    const v = config[spec.name];
    if (spec.name === "history_size" && v === 0) continue;
    out[spec.name] = v === null ? "none" : String(v);
  }
  return out;
}

/** What is stored: the full configuration as JSON. */
export function configToJson(config: RoomConfig): string {
  return JSON.stringify(config);
}
