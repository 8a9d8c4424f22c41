/**
 * Rooms coming and going (PROTOCOL §3.1, §3.5, §3.14): leaving sessions, removals with a status code
 * (kick 307, ban 301, membership 321/322), destruction with `<destroy/>`, and the end of a temporary
 * room when its last occupant leaves.
 */
import { el, type Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import type { Session } from "../../core/session.js";
import { emitRoomEvent, broadcastPresence, unavailablePresence, Status } from "./room-presence.js";
import type { MucContext } from "./muc-context.js";
import type { Occupant } from "./occupants.js";
import type { Room } from "./room.js";

function forgetJoin(ctx: MucContext, session: Session, room: Room): void {
  const set = ctx.joined.get(session);
  if (set === undefined) return;
  set.delete(room);
  if (set.size === 0) ctx.joined.delete(session);
}

/**
 * §3.5 leave of one session: the last session's leave is broadcast (status 110 to the session);
 * a non-last session's leave is reported only to that session. `notifySelf` is false when the session
 * has already ended.
 */
export async function leaveSession(ctx: MucContext, room: Room, occ: Occupant, full: string, source?: Element, notifySelf = true): Promise<void> {
  const entry = occ.sessions.get(full);
  if (entry === undefined) return;
  const affiliation = room.affiliation(occ.bare.bareString);
  const shownJid = occ.primaryJid;
  const last = room.occupants.removeSession(occ, full);
  forgetJoin(ctx, entry.session, room);
  ctx.ext.occupantChanged(room, occ.bare, "leave");
  if (notifySelf) {
    const self = unavailablePresence(room, occ.nick, { jid: entry.jid, affiliation, role: "none" }, [Status.self], { source });
    await ctx.router.broadcast(self, [entry.jid]);
  }
  if (last) {
    const build = (jid: Jid | undefined) => unavailablePresence(room, occ.nick, { jid, affiliation, role: "none" }, [], { source });
    await broadcastPresence(ctx, room, occ, build, { toSelf: false, shownJid });
    await destroyIfAbandoned(ctx, room);
  }
}

/**
 * §3.5 removal of every session of an occupant: each session gets 110 and `code` with its own JID,
 * the others get `code` (kick 307, ban 301, affiliation 321, members-only 322).
 */
export async function removeOccupant(ctx: MucContext, room: Room, occ: Occupant, code: string, reason?: string): Promise<void> {
  const affiliation = room.affiliation(occ.bare.bareString);
  const shownJid = occ.sessions.size > 0 ? occ.primaryJid : undefined;
  const build = (jid: Jid | undefined, self: boolean) =>
    unavailablePresence(room, occ.nick, { jid, affiliation, role: "none", reason }, self ? [Status.self, code] : [code]);
  const sessions = [...occ.sessions.values()];
  // Self copies first, while the sessions are still joined; then the room forgets them.
  for (const s of sessions) await ctx.router.broadcast(build(s.jid, true), [s.jid]);
  room.occupants.remove(occ);
  for (const s of sessions) forgetJoin(ctx, s.session, room);
  ctx.ext.occupantChanged(room, occ.bare, "leave");
  await broadcastPresence(ctx, room, occ, build, { toSelf: false, shownJid });
  await destroyIfAbandoned(ctx, room);
}

/** §3.5: a temporary room with no occupants and no subscribers is destroyed. */
export async function destroyIfAbandoned(ctx: MucContext, room: Room): Promise<void> {
  if (room.config.persistent || room.destroyed || room.occupants.count > 0 || ctx.ext.hasSubscribers(room)) return;
  await destroyRoom(ctx, room, {});
}

export interface DestroyInfo {
  readonly reason?: string | undefined;
  /** XEP-0045 §10.9 alternate venue. */
  readonly alternate?: string | undefined;
  readonly password?: string | undefined;
}

/**
 * §3.14: every occupant session gets unavailable presence with `<destroy/>`; the room, its affiliations and
 * (through the extensions) subscriptions and archive are dropped.
 */
export async function destroyRoom(ctx: MucContext, room: Room, info: DestroyInfo): Promise<void> {
  if (room.destroyed) return;
  const destroy = el(
    "destroy",
    { jid: info.alternate },
    info.reason === undefined || info.reason === "" ? undefined : el("reason", null, info.reason),
    info.password === undefined ? undefined : el("password", null, info.password),
  );
  const occupants = [...room.occupants];
  await ctx.rooms.remove(room);
  for (const occ of occupants) {
    const presence = unavailablePresence(room, occ.nick, { affiliation: "none", role: "none" }, [], { destroy });
    const jids: Jid[] = [];
    for (const s of occ.sessions.values()) {
      jids.push(s.jid);
      forgetJoin(ctx, s.session, room);
    }
    await ctx.router.broadcast(presence, jids);
  }
  room.occupants.clear();
  await emitRoomEvent(ctx, room, "system", unavailablePresence(room, room.name, { affiliation: "none", role: "none" }, [], { destroy }));
  for (const e of ctx.ext.all) {
    if (e.roomDestroyed === undefined) continue;
    try {
      await e.roomDestroyed(room, { reason: info.reason ?? "", keepArchive: ctx.settings.keepArchiveOnDestroy });
    } catch (err) {
      ctx.log.error({ err, room: room.jid.bareString }, "MUC roomDestroyed extension failed");
    }
  }
  room.affiliations.clear();
}

/**
 * A session ended or sent unavailable presence (§3.5: a closing connection leaves every room).
 * `ended`: the session is gone and its full JID may already belong to a new session, which must not
 * get the self copies.
 */
export async function leaveAll(ctx: MucContext, session: Session, ended: boolean): Promise<void> {
  const rooms = ctx.joined.get(session);
  if (rooms === undefined) return;
  const full = session.jid.toString();
  for (const room of [...rooms]) {
    const occ = room.occupants.byFullJid(full);
    if (occ === undefined || occ.sessions.get(full)?.session !== session) {
      rooms.delete(room);
      continue;
    }
    await leaveSession(ctx, room, occ, full, undefined, !ended);
  }
  ctx.joined.delete(session);
}
