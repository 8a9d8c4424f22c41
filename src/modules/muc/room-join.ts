/**
 * Entering a room (PROTOCOL §3.3, XEP-0045 §7.2): the checks in their order, creation by join (§3.1),
 * the occupant list, the self-presence echoing the join id, history when the room keeps it, the
 * subject; also presence updates and nick changes (§3.5, XEP-0045 §7.6) of joined sessions.
 */
import type { Session } from "../../core/session.js";
import { Element, el } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { delayElement, stampFromMillis } from "../../xmpp/stanza.js";
import { affiliationRank, defaultRole, type Affiliation } from "./affiliations.js";
import { FANOUT_SLICE, yieldToEventLoop } from "./fan-out.js";
import { isServerAdmin, type MucContext } from "./muc-context.js";
import { parseHistoryRequest } from "./muc.codec.js";
import { Occupant } from "./occupants.js";
import { availablePresence, broadcastPresence, occupantList, Status, unavailablePresence } from "./room-presence.js";
import { announceAffiliation } from "./room-affiliation.js";
import { leaveSession } from "./room-lifecycle.js";
import type { Room } from "./room.js";
import { tenantGuard } from "./tenant-guard.js";

const NICK_IN_USE = "That nickname is already in use by another occupant";

/** An available presence to `room/nick` from a local session. */
export async function handleAvailable(ctx: MucContext, stanza: Element, from: Jid, to: Jid, session: Session): Promise<void> {
  // Check 1.
  if (to.resource === "") throw new StanzaError("jid-malformed", "Nickname can't be empty");
  const room = ctx.rooms.get(to);
  const full = from.toString();
  const occ = room?.occupants.byFullJid(full);
  if (room !== undefined && occ !== undefined) {
    const entry = occ.sessions.get(full);
    if (entry?.session === session) {
      if (occ.nick === to.resource) return updatePresence(ctx, room, occ, stanza, from);
      return changeNick(ctx, room, occ, stanza, from, to.resource, session);
    }
    // A stale entry of a replaced session with the same full JID: it leaves quietly first.
    await leaveSession(ctx, room, occ, full, undefined, false);
  }
  return join(ctx, room, stanza, from, to, session);
}

function checkGuard(ctx: MucContext, from: Jid, session: Session, roomName: string, nick: string, admin: boolean): void {
  const refusal = tenantGuard({ enabled: ctx.settings.tenantGuard, user: from, anonymous: session.isAnonymous, serverAdmin: admin, room: roomName, nick });
  if (refusal !== undefined) throw new StanzaError("forbidden", refusal);
}

/** §3.1: who may create a room by joining it (anonymous sessions never reach this: §4 check 1). */
function mayCreate(ctx: MucContext, from: Jid, session: Session, admin: boolean): boolean {
  if (session.isAnonymous) return false;
  switch (ctx.settings.accessCreate) {
    case "admin":
      return admin;
    case "local":
      return ctx.settings.hosts.has(from.domain);
    case "all":
      return true;
  }
}

/** Checks 4–8 of §3.3 on an existing room. */
function checkEntry(ctx: MucContext, room: Room, stanza: Element, from: Jid, nick: string, admin: boolean): Affiliation {
  const affiliation = room.affiliation(from.bareString);
  if (admin) return affiliation;
  if (affiliation === "outcast") throw new StanzaError("forbidden", "You have been banned from this room");
  if (room.config.members_only && affiliationRank(affiliation) < affiliationRank("member")) {
    throw new StanzaError("registration-required", "Membership is required to enter this room");
  }
  if (room.config.password_protected) {
    const given = stanza.getChild("x", NS.muc)?.getChildText("password");
    if (given === undefined) throw new StanzaError("not-authorized", "A password is required to enter this room");
    if (given !== room.config.password) throw new StanzaError("not-authorized", "Incorrect password");
  }
  const holder = room.occupants.byNick(nick);
  const isNewOccupant = holder === undefined || holder.bare.bareString !== from.bareString;
  if (isNewOccupant && room.occupants.count >= room.config.max_users && affiliationRank(affiliation) < affiliationRank("admin")) {
    throw new StanzaError("resource-constraint", "Too many users in this conference");
  }
  return affiliation;
}

function checkNickFree(ctx: MucContext, room: Room, nick: string, bare: string): void {
  const holder = room.occupants.byNick(nick);
  if (holder !== undefined && holder.bare.bareString !== bare) throw new StanzaError("conflict", NICK_IN_USE);
  const subscriber = ctx.ext.nickHolder(room, nick);
  if (subscriber !== undefined && subscriber !== bare) throw new StanzaError("conflict", NICK_IN_USE);
}

async function join(ctx: MucContext, existing: Room | undefined, stanza: Element, from: Jid, to: Jid, session: Session): Promise<void> {
  const nick = to.resource;
  const admin = isServerAdmin(ctx, from);
  checkGuard(ctx, from, session, to.local, nick, admin);
  if (existing === undefined && !mayCreate(ctx, from, session, admin)) {
    throw new StanzaError("forbidden", "Room creation is denied by service policy");
  }
  const affiliation = existing === undefined ? "owner" : checkEntry(ctx, existing, stanza, from, nick, admin);
  if (existing !== undefined) checkNickFree(ctx, existing, nick, from.bareString);
  const joined = ctx.joined.get(session);
  if (joined !== undefined && joined.size >= ctx.settings.maxUserConferences) {
    throw new StanzaError("resource-constraint", "You have joined too many conferences");
  }
  // From here on nothing awaits until the occupant is in: concurrent joins see a consistent room.
  let room = existing;
  let saved: Promise<void> | undefined;
  if (room === undefined) {
    room = ctx.rooms.build(to);
    room.affiliations.set(from.bareString, "owner");
    // The write runs while the joiner is answered; its failure is logged, never left unhandled.
    saved = ctx.rooms.add(room).catch((err: unknown) => ctx.log.error({ err, room: to.bareString }, "could not store a new room"));
  }
  const role = admin ? "moderator" : defaultRole(affiliation, room.config);
  let occ = room.occupants.byNick(nick);
  const isNew = occ === undefined;
  if (occ === undefined) {
    occ = new Occupant(nick, from.bare(), role, stanza);
    occ.sessions.set(from.toString(), { jid: from, session });
    room.occupants.add(occ);
  } else {
    room.occupants.addSession(occ, from, session);
  }
  if (joined === undefined) ctx.joined.set(session, new Set([room]));
  else joined.add(room);
  ctx.ext.occupantChanged(room, occ.bare, "join");

  await sendInitialState(ctx, room, occ, stanza, from, isNew, existing === undefined);
  await saved;
  // §3.1: the creator became owner without a muc#admin change; members-joined hooks and webhooks (§7.9) still owe it.
  if (existing === undefined) await announceAffiliation(ctx, { room, user: from.bare(), from: "none", to: "owner", reason: "", losesAccess: false });
}

async function sendInitialState(ctx: MucContext, room: Room, occ: Occupant, stanza: Element, from: Jid, isNew: boolean, created: boolean): Promise<void> {
  let sent = 0;
  for (const p of occupantList(room, occ, occ)) {
    // A big room's occupant list is thousands of stanzas: let other traffic through now and then.
    if (++sent % FANOUT_SLICE === 0) await yieldToEventLoop();
    await ctx.router.broadcast(p, [from]);
  }
  const affiliation = room.affiliation(occ.bare.bareString);
  const selfCodes: string[] = [Status.self];
  if (created) selfCodes.push(Status.created);
  if (!room.config.anonymous) selfCodes.push(Status.nonAnonymous);
  if (isNew) {
    const build = (jid: Jid | undefined, self: boolean) => availablePresence(room, occ, affiliation, jid, self ? selfCodes : []);
    await broadcastPresence(ctx, room, occ, build, { toSelf: true, onlySelf: from });
  } else {
    // §3.3: a later session of the occupant gets its own self-presence (echoing its join id); nothing is broadcast.
    await ctx.router.broadcast(availablePresence(room, occ, affiliation, from, selfCodes, stanza.attrs["id"]), [from]);
  }
  await sendHistory(ctx, room, stanza, from);
  const subject = el("message", { xmlns: NS.client, type: "groupchat", from: room.jid.toString() }, el("subject", null, room.subject || undefined));
  await ctx.router.broadcast(subject, [from]);
}

/** XEP-0045 §7.2.14, only when the room keeps history (PROTOCOL §3.3: none by default). */
async function sendHistory(ctx: MucContext, room: Room, stanza: Element, to: Jid): Promise<void> {
  const history = room.history;
  if (history === undefined) return;
  const request = parseHistoryRequest(stanza.getChild("x", NS.muc)?.getChild("history", NS.muc));
  for (const entry of history.select(request, Date.now())) {
    const copy = new Element(entry.stanza.name, entry.stanza.ns, { ...entry.stanza.attrs }, [
      ...entry.stanza.children,
      delayElement(room.jid.toString(), stampFromMillis(entry.at)),
    ]);
    await ctx.router.broadcast(copy, [to]);
  }
}

/** §3.3 "Multiple sessions": a repeated join, or a status change: self-presence to the session, update to the others. */
async function updatePresence(ctx: MucContext, room: Room, occ: Occupant, stanza: Element, from: Jid): Promise<void> {
  occ.presence = stanza;
  const affiliation = room.affiliation(occ.bare.bareString);
  const build = (jid: Jid | undefined, self: boolean) => availablePresence(room, occ, affiliation, jid, self ? [Status.self] : []);
  await broadcastPresence(ctx, room, occ, build, { toSelf: true, onlySelf: from });
}

/** XEP-0045 §7.6: unavailable with 303 and the new nick, then available under the new nick. */
async function changeNick(ctx: MucContext, room: Room, occ: Occupant, stanza: Element, from: Jid, nick: string, session: Session): Promise<void> {
  checkGuard(ctx, from, session, room.name, nick, isServerAdmin(ctx, from));
  const holder = room.occupants.byNick(nick);
  if (holder !== undefined) throw new StanzaError("conflict", NICK_IN_USE);
  checkNickFree(ctx, room, nick, occ.bare.bareString);
  const affiliation = room.affiliation(occ.bare.bareString);
  const oldNick = occ.nick;
  // The room changes before anything is sent, so a concurrent join cannot take the new nick meanwhile.
  room.occupants.rename(occ, nick);
  occ.presence = stanza;
  const leaving = (jid: Jid | undefined, self: boolean) =>
    unavailablePresence(room, oldNick, { jid, affiliation, role: occ.role, nick }, self ? [Status.nickChange, Status.self] : [Status.nickChange], {
      // The nick-change presence's id, without its children (they belong to the new available presence).
      source: el("presence", { id: stanza.attrs["id"] }),
    });
  await broadcastPresence(ctx, room, occ, leaving, { toSelf: true });
  const entering = (jid: Jid | undefined, self: boolean) => availablePresence(room, occ, affiliation, jid, self ? [Status.self] : []);
  await broadcastPresence(ctx, room, occ, entering, { toSelf: true });
}
