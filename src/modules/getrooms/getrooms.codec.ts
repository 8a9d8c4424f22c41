/**
 * Wire forms of `ns:getrooms` (PROTOCOL §7.3) and `ns:getrooms:setprofile` (§7.4): the request's RSM `<set>`,
 * one `<room>` with its attributes in the order of §7.3, and the setprofile request and reply.
 */
import { el, type Element } from "../../xml/element.js";
import { type Jid, parseJid, tryParseJid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { parseRsm, type RsmRequest } from "../muc/rsm-page.js";
import type { RoomView } from "../muc/muc.module.js";
import type { RoomSummary } from "./room-summary.query.js";

/** §7.3: `max` defaults to 50 and is clamped to 200. */
export const PAGE_LIMITS = { defaultMax: 50, maxMax: 200 } as const;
/** §7.4: longer image values get bad-request. */
export const MAX_IMAGE_LENGTH = 2048;

/** The RSM request, or undefined without `<set>`; RSM ids that are JIDs are compared in their normalised form. */
export function parseGetRooms(query: Element): RsmRequest | undefined {
  const rsm = parseRsm(query.getChild("set", NS.rsm), PAGE_LIMITS);
  if (rsm === undefined) return undefined;
  return { max: rsm.max, after: normalisedKey(rsm.after), before: rsm.before === "" ? "" : normalisedKey(rsm.before) };
}

function normalisedKey(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  return tryParseJid(trimmed)?.bareString ?? trimmed;
}

/** One `<room>`: jid, name (omitted when empty), users_cnt, room_thumbnail, room_background, then the summary. */
export function roomElement(room: RoomView, usersCount: number, summary: RoomSummary | undefined): Element {
  const lastId = summary?.lastId;
  return el("room", {
    jid: room.jid.bareString,
    name: room.config.title === "" ? undefined : room.config.title,
    users_cnt: usersCount,
    room_thumbnail: imageValue(room.config.room_thumbnail),
    room_background: imageValue(room.config.room_background),
    last_message_id: lastId,
    last_message_at: lastId === undefined ? undefined : Math.floor(lastId / 1000),
    last_message_from: lastId === undefined ? undefined : summary?.lastFrom,
    unread: summary?.unread,
  });
}

function imageValue(value: string | null): string {
  return value === null || value === "" ? "none" : value;
}

export interface SetProfileRequest {
  readonly room: Jid;
  /** undefined: unchanged; null: cleared. */
  readonly thumbnail: string | null | undefined;
  readonly background: string | null | undefined;
}

/** §7.4: `room` is required (a bare localpart is a room of `service`); images optional, at most 2048 characters. */
export function parseSetProfile(query: Element, service: string | undefined): SetProfileRequest {
  const raw = query.attrs["room"]?.trim();
  if (raw === undefined || raw === "") throw new StanzaError("bad-request", "Attribute 'room' is required");
  return { room: roomJid(raw, service), thumbnail: imageAttr(query, "room_thumbnail"), background: imageAttr(query, "room_background") };
}

function roomJid(raw: string, service: string | undefined): Jid {
  try {
    if (raw.includes("@")) return parseJid(raw).bare();
    if (service === undefined) throw new StanzaError("item-not-found", "Conference room does not exist");
    return parseJid(raw + "@" + service);
  } catch (err) {
    if (err instanceof StanzaError) throw err;
    throw new StanzaError("bad-request", "Malformed room JID");
  }
}

function imageAttr(query: Element, name: "room_thumbnail" | "room_background"): string | null | undefined {
  const value = query.attrs[name];
  if (value === undefined) return undefined;
  if (value.length > MAX_IMAGE_LENGTH) throw new StanzaError("bad-request", `Attribute '${name}' is too long`);
  return value === "" || value === "none" ? null : value;
}

/** §7.4 reply: the stored values. */
export function setProfileReply(room: RoomView): Element {
  return el("query", {
    xmlns: NS.getroomsSetProfile,
    room: room.jid.bareString,
    room_thumbnail: imageValue(room.config.room_thumbnail),
    room_background: imageValue(room.config.room_background),
  });
}
