/**
 * IQ dispatch for the MUC service and its rooms: disco (§1.2, §3.12), ping (§2.10, XEP-0410),
 * muc#admin (§3.11), muc#owner (§3.13), and the IQs other modules register (MAM on rooms, MucSub).
 * Anything else is service-unavailable (§9.6).
 */
import type { Element } from "../../xml/element.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import type { MucContext } from "./muc-context.js";
import type { MucIqRequest } from "./muc-extensions.js";
import { handleAdminGet, handleAdminSet } from "./room-admin.js";
import { roomDiscoInfo, roomDiscoItems, serviceDiscoInfo, serviceDiscoItems } from "./room-disco.js";
import { handleOwnerGet, handleOwnerSet } from "./room-owner.js";
import type { Room } from "./room.js";

const ROOM_MISSING = "Conference room does not exist";

export async function serviceIq(ctx: MucContext, payload: Element, iq: MucIqRequest): Promise<Element | undefined | void> {
  const ext = ctx.ext.iqHandler("service", iq.type, payload.ns, payload.name);
  if (ext !== undefined) return ext.handle(payload, iq);
  if (iq.type === "get") {
    if (payload.is("query", NS.discoInfo)) return serviceDiscoInfo(payload);
    if (payload.is("query", NS.discoItems)) return serviceDiscoItems(ctx, payload, iq);
    if (payload.is("ping", NS.ping)) return undefined;
  }
  throw new StanzaError("service-unavailable");
}

export async function roomIq(ctx: MucContext, payload: Element, iq: MucIqRequest): Promise<Element | undefined | void> {
  const room = iq.room as Room | undefined;
  if (iq.to.resource !== "") return occupantIq(room, payload, iq);
  const ext = ctx.ext.iqHandler("room", iq.type, payload.ns, payload.name);
  if (ext !== undefined && (room !== undefined || ext.allowMissingRoom === true)) return ext.handle(payload, iq);
  if (room === undefined) throw new StanzaError("item-not-found", ROOM_MISSING);
  if (iq.type === "get") {
    if (payload.is("query", NS.discoInfo)) return roomDiscoInfo(room, payload);
    if (payload.is("query", NS.discoItems)) return roomDiscoItems(payload);
    if (payload.is("ping", NS.ping)) return pingRoom(room, iq);
    if (payload.is("query", NS.mucAdmin)) return handleAdminGet(ctx, room, payload, iq);
    if (payload.is("query", NS.mucOwner)) return handleOwnerGet(ctx, room, iq);
  } else {
    if (payload.is("query", NS.mucAdmin)) return handleAdminSet(ctx, room, payload, iq);
    if (payload.is("query", NS.mucOwner)) return handleOwnerSet(ctx, room, payload, iq);
  }
  throw new StanzaError("service-unavailable");
}

/** §2.10: a result if the sender is an occupant, else not-acceptable (XEP-0410). */
function pingRoom(room: Room, iq: MucIqRequest): undefined {
  if (room.occupants.byFullJid(iq.from.toString()) === undefined) throw new StanzaError("not-acceptable", "Only occupants are allowed to send queries to the conference");
  return undefined;
}

/** IQs to room/nick that the room answers itself: the XEP-0410 self-ping (other queries are relayed, occupant-iq.ts). */
function occupantIq(room: Room | undefined, payload: Element, iq: MucIqRequest): undefined {
  if (room === undefined) throw new StanzaError("item-not-found", ROOM_MISSING);
  if (iq.type === "get" && payload.is("ping", NS.ping)) return pingRoom(room, iq);
  throw new StanzaError("service-unavailable");
}
