/**
 * Argument conventions of the room commands (PROTOCOL §8.4): `room` or `name` (a localpart or a room
 * JID), `service` or the host's MUC service, users as `jid` or `user` (+`host`), and the
 * `create_room_with_opts` options: an array of `{name, value}` or an object, §3.2 names (`allowpm`
 * alias), `affiliations` strings in both formats, boolean ejabberd options accepted and ignored.
 */
import type { Config } from "../../config/load-config.js";
import { CommandError, missingArgument, stringArg, type CommandArgSpec, type CommandArgs } from "../../core/admin-command.js";
import { isValidLocalpart, Jid, parseJid } from "../../xmpp/jid.js";
import { isAffiliation, type Affiliation } from "./affiliations.js";
import { assign, optionSpec, parseBoolean, parseOptionValue, type RoomConfig } from "./room-config.js";

export const ROOM_MISSING_BODY = "Room doesn't exists";
export const INVALID_VALUE = "Invalid value for that option";

export const roomArgs: readonly CommandArgSpec[] = [
  { name: "name", type: "string", description: "room localpart or JID (alias: room)" },
  { name: "service", type: "string", optional: true },
];

/** The room JID a command is about. `strict`: the service must be served (creation). */
export function resolveRoomJid(args: CommandArgs, config: Config, strict = false): Jid {
  const raw = stringArg(args, "room", "name");
  if (raw === undefined || raw === "") throw missingArgument("name");
  let jid: Jid;
  try {
    if (raw.includes("@")) jid = parseJid(raw).bare();
    else {
      const host = stringArg(args, "host")?.toLowerCase();
      const service = stringArg(args, "service")?.toLowerCase() ?? (host === undefined ? undefined : config.muc.service_hosts[host]) ?? config.muc.host;
      jid = new Jid(raw.toLowerCase(), service);
    }
  } catch {
    throw new CommandError(400, INVALID_VALUE);
  }
  if (!isValidLocalpart(jid.local)) throw new CommandError(400, INVALID_VALUE);
  if (strict && !Object.values(config.muc.service_hosts).includes(jid.domain)) throw new CommandError(400, `Unknown service ${jid.domain}`);
  return jid;
}

/** `jid`, or `user` holding a JID, or `user` + `host`. */
export function userJid(args: CommandArgs, config: Config): Jid {
  const raw = stringArg(args, "jid", "user");
  if (raw === undefined || raw === "") throw missingArgument("jid");
  try {
    if (raw.includes("@")) return parseJid(raw).bare();
    return new Jid(raw.toLowerCase(), stringArg(args, "host")?.toLowerCase() ?? config.hosts[0] ?? "");
  } catch {
    throw new CommandError(400, INVALID_VALUE);
  }
}

export interface ParsedOptions {
  readonly config: RoomConfig;
  readonly changed: boolean;
  readonly affiliations: readonly { readonly jid: Jid; readonly affiliation: Affiliation }[];
  readonly subscribers: string | undefined;
}

/** The options value of create_room_with_opts / one change_room_option, over `base`. */
export function parseOptions(raw: unknown, base: RoomConfig): ParsedOptions {
  const config: RoomConfig = { ...base };
  let changed = false;
  let affiliations: { jid: Jid; affiliation: Affiliation }[] = [];
  let subscribers: string | undefined;
  for (const [name, value] of optionEntries(raw)) {
    if (name === "affiliations") {
      affiliations = parseAffiliations(value);
      continue;
    }
    if (name === "subscribers") {
      subscribers = typeof value === "string" ? value : JSON.stringify(value);
      continue;
    }
    const spec = optionSpec(name);
    if (spec === undefined) {
      // §8.5: other ejabberd option names are accepted and ignored when their value is a boolean.
      if (typeof value === "boolean" || (typeof value === "string" && parseBoolean(value) !== undefined && !/^\d+$/.test(value))) continue;
      throw new CommandError(400, INVALID_VALUE);
    }
    const parsed = parseOptionValue(spec, value);
    if (parsed === undefined) throw new CommandError(400, INVALID_VALUE);
    assign(config, spec.name, parsed);
    changed = true;
  }
  return { config, changed, affiliations, subscribers };
}

function optionEntries(raw: unknown): [string, unknown][] {
  if (raw === undefined || raw === null || raw === "") return [];
  if (Array.isArray(raw)) {
    return raw.map((entry: unknown) => {
      if (typeof entry !== "object" || entry === null) throw new CommandError(400, INVALID_VALUE);
      const { name, value } = entry as { name?: unknown; value?: unknown };
      if (typeof name !== "string") throw new CommandError(400, INVALID_VALUE);
      return [name.toLowerCase(), value];
    });
  }
  if (typeof raw === "object") return Object.entries(raw as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), v]);
  throw new CommandError(400, INVALID_VALUE);
}

/** `"owner=a@h;member=b@h"`, the older `"owner:a@h,member:b@h"`, or an array of `{jid, affiliation}`. */
export function parseAffiliations(value: unknown): { jid: Jid; affiliation: Affiliation }[] {
  const pairs: [string, string][] = [];
  if (Array.isArray(value)) {
    for (const v of value as { jid?: unknown; affiliation?: unknown }[]) pairs.push([String(v?.affiliation ?? ""), String(v?.jid ?? "")]);
  } else if (typeof value === "string") {
    for (const part of value.split(/[;,]/)) {
      const item = part.trim();
      if (item === "") continue;
      const sep = item.search(/[=:]/);
      if (sep < 0) throw new CommandError(400, INVALID_VALUE);
      pairs.push([item.slice(0, sep).trim(), item.slice(sep + 1).trim()]);
    }
  } else {
    throw new CommandError(400, INVALID_VALUE);
  }
  return pairs.map(([affiliation, jid]) => {
    const a = affiliation.toLowerCase();
    if (!isAffiliation(a)) throw new CommandError(400, INVALID_VALUE);
    try {
      return { jid: parseJid(jid).bare(), affiliation: a };
    } catch {
      throw new CommandError(400, INVALID_VALUE);
    }
  });
}
