/**
 * `muc#owner` (PROTOCOL §3.13, XEP-0045 §10): the configuration form, partial submits (absent fields
 * keep their values), status 104 to the occupants, destruction (§3.14), and affiliation items sent in
 * this namespace (§3.11 Decision). Also `applyConfig`, shared with the admin API.
 */
import { el, type Element } from "../../xml/element.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { affiliationRank } from "./affiliations.js";
import { parseDestroy, parseSubmittedForm } from "./muc.codec.js";
import { fanOut } from "./fan-out.js";
import { isServerAdmin, type MucContext } from "./muc-context.js";
import type { MucIqRequest } from "./muc-extensions.js";
import { actorOf, handleAdminSet } from "./room-admin.js";
import { assign, fieldSpec, OPTION_SPECS, parseBoolean, parseOptionValue, type OptionSpec, type OptionValue, type RoomConfig } from "./room-config.js";
import { destroyRoom, removeOccupant } from "./room-lifecycle.js";
import { roomNotice } from "./room-messages.js";
import { emitRoomEvent, Status } from "./room-presence.js";
import type { Room } from "./room.js";

const OWNER_REQUIRED = "Owner privileges required";
const PM_OPTIONS = ["anyone", "participants", "moderators", "none"] as const;

function requireOwner(ctx: MucContext, room: Room, iq: MucIqRequest): void {
  if (actorOf(ctx, room, iq.from).affiliation !== "owner") throw new StanzaError("forbidden", OWNER_REQUIRED);
}

export function handleOwnerGet(ctx: MucContext, room: Room, iq: MucIqRequest): Element {
  requireOwner(ctx, room, iq);
  return el("query", { xmlns: NS.mucOwner }, configForm(room.config));
}

/** §3.13 Get: a `form` with FORM_TYPE muc#roomconfig and the fields of §3.2. */
export function configForm(config: RoomConfig): Element {
  const fields = OPTION_SPECS.filter((s) => s.field !== undefined).map((s) => formField(s, config));
  return el(
    "x",
    { xmlns: NS.dataForms, type: "form" },
    el("title", null, "Room configuration"),
    el("field", { var: "FORM_TYPE", type: "hidden" }, el("value", null, "http://jabber.org/protocol/muc#roomconfig")),
    fields,
  );
}

function formField(spec: OptionSpec, config: RoomConfig): Element {
  const value = config[spec.name];
  const attrs = { var: spec.field, label: spec.label };
  const option = (v: string) => el("option", { label: v }, el("value", null, v));
  switch (spec.kind) {
    case "boolean":
      return el("field", { ...attrs, type: "boolean" }, el("value", null, value === true ? "1" : "0"));
    case "whois":
      return el("field", { ...attrs, type: "list-single" }, el("value", null, value === true ? "moderators" : "anyone"), option("moderators"), option("anyone"));
    case "pm-policy":
      return el("field", { ...attrs, type: "list-single" }, el("value", null, String(value)), PM_OPTIONS.map(option));
    case "secret":
      return el("field", { ...attrs, type: "text-private" }, el("value", null, String(value)));
    default:
      return el("field", { ...attrs, type: "text-single" }, el("value", null, value === null ? "" : String(value)));
  }
}

export async function handleOwnerSet(ctx: MucContext, room: Room, query: Element, iq: MucIqRequest): Promise<undefined> {
  if (query.getChild("item", NS.mucOwner) !== undefined) return handleAdminSet(ctx, room, query, iq);
  requireOwner(ctx, room, iq);
  const destroy = query.getChild("destroy", NS.mucOwner);
  if (destroy !== undefined) {
    const d = parseDestroy(destroy);
    await destroyRoom(ctx, room, { reason: d.reason, alternate: d.alternate, password: d.password });
    return undefined;
  }
  const x = query.getChild("x", NS.dataForms);
  // §3.13 Decision: no form, a cancel, or an empty submit change nothing.
  if (x === undefined || x.attrs["type"] !== "submit") return undefined;
  const next = configFromForm(room.config, parseSubmittedForm(x));
  if (next !== undefined) await applyConfig(ctx, room, next);
  return undefined;
}

/** The submitted fields over the current configuration; undefined when no known field was sent. */
export function configFromForm(current: RoomConfig, fields: ReadonlyMap<string, readonly string[]>): RoomConfig | undefined {
  const next: RoomConfig = { ...current };
  let touched = false;
  for (const [name, values] of fields) {
    const spec = fieldSpec(name);
    if (spec === undefined) continue; // unknown fields are ignored
    const text = spec.kind === "string" ? values.join("\n") : (values[0] ?? "");
    let value: OptionValue | undefined;
    if (spec.kind === "whois") value = text === "moderators" ? true : text === "anyone" ? false : parseBoolean(text);
    else value = parseOptionValue(spec, text);
    if (value === undefined) throw new StanzaError("bad-request", `Invalid value for ${name}`);
    assign(next, spec.name, value);
    touched = true;
  }
  return touched ? next : undefined;
}

/**
 * A new configuration (owner submit, API change_room_option, §7.4): stored, announced with 104 (plus
 * 172/173 when anonymity changed), non-members removed (322) when the room became members-only.
 */
export async function applyConfig(ctx: MucContext, room: Room, next: RoomConfig): Promise<void> {
  const previous = room.config;
  room.setConfig(next);
  await ctx.rooms.saveConfig(room, previous.persistent);
  const codes: string[] = [Status.configChange];
  if (previous.anonymous && !next.anonymous) codes.push(Status.nowNonAnonymous);
  if (!previous.anonymous && next.anonymous) codes.push(Status.nowSemiAnonymous);
  const notice = roomNotice(room, el("x", { xmlns: NS.mucUser }, codes.map((code) => el("status", { code }))));
  const recipients = room.occupants.recipients();
  if (recipients.length > 0) await fanOut(ctx.router, notice, recipients);
  await emitRoomEvent(ctx, room, "config", notice);
  if (next.members_only && !previous.members_only) {
    for (const occ of [...room.occupants]) {
      if (affiliationRank(room.affiliation(occ.bare.bareString)) < affiliationRank("member") && !isServerAdmin(ctx, occ.bare)) {
        await removeOccupant(ctx, room, occ, Status.membersOnly);
      }
    }
  }
}
