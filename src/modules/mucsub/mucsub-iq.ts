/**
 * The MucSub IQs (PROTOCOL §5.2–§5.4): subscribe and unsubscribe at a room, a room's subscriber list,
 * and the sender's own subscriptions at the service, with §5.2's checks in their order and exact texts.
 */
import type { SessionDirectory } from "../../core/session-directory.js";
import type { Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import type { MucApi, MucIqHandler, MucIqRequest, RoomView } from "../muc/muc.module.js";
import type { MucSubCore } from "./mucsub-core.js";
import { parseSubscribe, subscribeReply, subscriptionElement, subscriptionsElement, targetJid } from "./mucsub.codec.js";
import type { SubscriptionTable } from "./subscription-table.js";

export const NICK_IN_USE = "That nickname is already in use by another occupant";
const MODERATOR_REQUIRED = "Moderator privileges required";

export interface IqDeps {
  readonly core: MucSubCore;
  readonly table: SubscriptionTable;
  readonly muc: MucApi;
  readonly sessions: SessionDirectory;
}

/** §5.2 row 4, §5.3, §5.4: an owner, admin, moderator or server admin of the room. */
export function mayModerate(muc: MucApi, room: RoomView, from: Jid): boolean {
  if (muc.isServerAdmin(from)) return true;
  const affiliation = room.affiliation(from.bareString);
  if (affiliation === "owner" || affiliation === "admin") return true;
  const occupant = room.occupants.byFullJid(from.toString()) ?? room.occupants.byBare(from.bareString);
  return occupant?.role === "moderator";
}

function requireRoom(iq: MucIqRequest): RoomView {
  if (iq.room === undefined) throw new StanzaError("item-not-found", "Conference room does not exist");
  return iq.room;
}

/** §5.2 rows 1–7 (and ejabberd's password check), then the subscription. */
async function subscribe(deps: IqDeps, payload: Element, iq: MucIqRequest): Promise<Element> {
  const room = iq.room;
  // Row 1. Decision: a subscription never creates a room.
  if (room === undefined) throw new StanzaError("forbidden", "Room creation is denied by service policy");
  if (!room.config.allow_subscription) throw new StanzaError("not-allowed", "Subscriptions are not allowed");
  const request = parseSubscribe(payload);
  const sender = iq.from.bare();
  const target = request.jid ?? sender;
  const self = target.equals(sender);
  // Decision: a missing (or empty) nick is T's localpart.
  const nick = request.nick === undefined || request.nick === "" ? target.local : request.nick;
  // Row 3: §4 on T, with the nick it asks for.
  const anonymous = self ? (iq.session?.isAnonymous ?? false) : deps.sessions.resourcesOf(target).some((s) => s.isAnonymous);
  const refusal = deps.muc.tenantRefusal(target, { anonymous, room: room.name, nick });
  if (refusal !== undefined) throw new StanzaError("forbidden", refusal);
  if (!self && !mayModerate(deps.muc, room, iq.from)) throw new StanzaError("forbidden", MODERATOR_REQUIRED);
  checkAccess(deps, room, target, request.password, self);
  if (deps.core.nickTaken(room, nick, target.bareString)) throw new StanzaError("conflict", NICK_IN_USE);
  await deps.core.subscribe(room, target, nick, request.nodes);
  return subscribeReply(nick, request.nodes);
}

/** Rows 5–6; server admins pass, as they do on joins (§3.3). */
function checkAccess(deps: IqDeps, room: RoomView, target: Jid, password: string | undefined, self: boolean): void {
  if (deps.muc.isServerAdmin(target)) return;
  const affiliation = room.affiliation(target.bareString);
  if (affiliation === "outcast") throw new StanzaError("forbidden", "You have been banned from this room");
  const affiliated = affiliation === "owner" || affiliation === "admin" || affiliation === "member";
  // Row 6 Decision: `forbidden` (clients stop retrying), not the join's registration-required.
  if (room.config.members_only && !affiliated) throw new StanzaError("forbidden", "Membership is required to enter this room");
  // ejabberd's `password` attribute: a password-protected room asks it of users subscribing themselves.
  const privileged = affiliation === "owner" || affiliation === "admin";
  if (self && !privileged && room.config.password_protected && password !== room.config.password) {
    throw new StanzaError("not-authorized", "Incorrect password");
  }
}

/** §5.3: own subscription, or another user's by a moderator; a missing subscription still gets a result. */
async function unsubscribe(deps: IqDeps, payload: Element, iq: MucIqRequest): Promise<undefined> {
  const room = requireRoom(iq);
  const target = targetJid(payload) ?? iq.from.bare();
  if (!target.equals(iq.from.bare()) && !mayModerate(deps.muc, room, iq.from)) throw new StanzaError("forbidden", MODERATOR_REQUIRED);
  await deps.core.unsubscribe(room, target);
  return undefined;
}

/** §5.4 "A room's subscribers": owners, admins, moderators, server admins and subscribers may ask. */
function roomSubscribers(deps: IqDeps, iq: MucIqRequest): Element {
  const room = requireRoom(iq);
  const subscribed = deps.table.get(room.jid.bareString, iq.from.bareString) !== undefined;
  if (!subscribed && !mayModerate(deps.muc, room, iq.from)) throw new StanzaError("forbidden", MODERATOR_REQUIRED);
  const list = [...deps.table.ofRoom(room.jid.bareString)].sort((a, b) => compare(a.user, b.user));
  return subscriptionsElement(list.map((s) => subscriptionElement(s.user, s.nick, s.nodes)));
}

/** §5.4 "My subscriptions": the sender's subscriptions to rooms of the addressed service. */
function mySubscriptions(deps: IqDeps, iq: MucIqRequest): Element {
  const user = iq.from.bareString;
  const items: Element[] = [];
  for (const room of [...deps.table.roomsOf(user)].sort(compare)) {
    const s = deps.table.get(room, user);
    if (s !== undefined && room.endsWith("@" + iq.to.domain)) items.push(subscriptionElement(room, s.nick, s.nodes));
  }
  return subscriptionsElement(items);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function mucsubIqHandlers(deps: IqDeps): MucIqHandler[] {
  return [
    { target: "room", type: "set", ns: NS.mucsub, name: "subscribe", allowMissingRoom: true, handle: (payload, iq) => subscribe(deps, payload, iq) },
    { target: "room", type: "set", ns: NS.mucsub, name: "unsubscribe", handle: (payload, iq) => unsubscribe(deps, payload, iq) },
    { target: "room", type: "get", ns: NS.mucsub, name: "subscriptions", handle: (_payload, iq) => roomSubscribers(deps, iq) },
    { target: "service", type: "get", ns: NS.mucsub, name: "subscriptions", handle: (_payload, iq) => mySubscriptions(deps, iq) },
  ];
}
