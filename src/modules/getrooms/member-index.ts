/**
 * Which rooms a user may be a member of (PROTOCOL §0.5 "room member", §7.3), without walking every room per
 * request: user bare JID → room bare JIDs holding (or having held) an affiliation for them. Subscriptions need no
 * copy here: MucSub keeps its own per-user index (`subscriptionsOf`). Entries are candidates: each is checked
 * against the room's current state when read, and dropped when the room is gone, so only additions must be seen:
 * - rooms loaded at start (`indexRoom` for each);
 * - every affiliation change (MUC `affiliationChanged`: muc#admin, invitations, admin API, pinned rooms,
 *   `create_room_with_opts`);
 * - a room created by a join, whose creator becomes owner without an affiliation change event: the first room
 *   event of a room (its creator's presence, MUC `roomEvent`) indexes all of its affiliations.
 * Also caches each room's member count (`users_cnt`), dropped on every membership change of the room.
 */
import type { RoomView } from "../muc/muc.module.js";

const MEMBER_AFFILIATIONS: ReadonlySet<string> = new Set(["owner", "admin", "member"]);

export class MemberIndex {
  readonly #byUser = new Map<string, Set<string>>();
  readonly #seen = new WeakSet<RoomView>();
  readonly #counts = new Map<string, number>();

  /** Indexes every affiliation of a room the index has not seen yet. */
  indexRoom(room: RoomView): void {
    if (this.#seen.has(room)) return;
    this.#seen.add(room);
    for (const a of room.affiliations.list()) if (MEMBER_AFFILIATIONS.has(a.affiliation)) this.add(a.jid, room.jid.bareString);
  }

  add(user: string, room: string): void {
    let rooms = this.#byUser.get(user);
    if (rooms === undefined) {
      rooms = new Set();
      this.#byUser.set(user, rooms);
    }
    rooms.add(room);
  }

  remove(user: string, room: string): void {
    const rooms = this.#byUser.get(user);
    if (rooms === undefined) return;
    rooms.delete(room);
    if (rooms.size === 0) this.#byUser.delete(user);
  }

  /** The indexed candidate rooms of a user (a snapshot). */
  candidates(user: string): readonly string[] {
    const rooms = this.#byUser.get(user);
    return rooms === undefined ? [] : [...rooms];
  }

  forgetUser(user: string): void {
    this.#byUser.delete(user);
    this.#counts.clear();
  }

  /** The cached member count of a room, computed by `compute` on a miss. */
  memberCount(room: string, compute: () => number): number {
    let n = this.#counts.get(room);
    if (n === undefined) {
      n = compute();
      this.#counts.set(room, n);
    }
    return n;
  }

  invalidateCount(room: string): void {
    this.#counts.delete(room);
  }
}

/** §0.5 distinct room members: affiliated members, plus subscribers who are neither affiliated members nor outcasts. */
export function countMembers(room: RoomView, subscribers: readonly string[]): number {
  let n = 0;
  for (const a of room.affiliations.list()) if (MEMBER_AFFILIATIONS.has(a.affiliation)) n++;
  for (const s of subscribers) if (room.affiliation(s) === "none") n++;
  return n;
}
