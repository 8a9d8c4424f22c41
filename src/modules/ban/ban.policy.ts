/**
 * The §7.6 authorization matrix and enforcement scope, as pure functions: who may ban whom per room
 * (rank = affiliation, server admins rank as owner) and everywhere (server admin or App owner of the
 * target's App), the never-allowed targets, and whether a stored ban applies to a sender in a room.
 */
import type { Affiliation } from "../muc/affiliations.js";
import type { RoomBan } from "./ban.store.js";

export const NOT_ENOUGH_PRIVILEGES = "Not enough privileges to ban this user";
export const CANNOT_BAN_SELF = "You cannot ban yourself";
export const BANNED_TEXT = "You are banned in this room!";

/** The affiliations each rank may ban or unban in a room (§7.6 `type="room"`). */
const ROOM_TARGETS: Readonly<Record<Affiliation, ReadonlySet<Affiliation>>> = {
  owner: new Set<Affiliation>(["admin", "member", "none", "outcast"]),
  admin: new Set<Affiliation>(["member", "none", "outcast"]),
  member: new Set<Affiliation>(),
  none: new Set<Affiliation>(),
  outcast: new Set<Affiliation>(),
};

export interface RoomBanParties {
  readonly self: boolean;
  readonly actorAdmin: boolean;
  readonly actorAffiliation: Affiliation;
  readonly targetAdmin: boolean;
  readonly targetAffiliation: Affiliation;
}

/** The refusal text for a `type="room"` ban or unban, or undefined when it is allowed. */
export function roomBanRefusal(p: RoomBanParties): string | undefined {
  if (p.self) return CANNOT_BAN_SELF;
  if (p.targetAdmin || p.targetAffiliation === "owner") return NOT_ENOUGH_PRIVILEGES;
  const rank: Affiliation = p.actorAdmin ? "owner" : p.actorAffiliation;
  return ROOM_TARGETS[rank].has(p.targetAffiliation) ? undefined : NOT_ENOUGH_PRIVILEGES;
}

export interface AllBanParties {
  readonly self: boolean;
  readonly actorAdmin: boolean;
  /** The actor is an App owner of the target's App (false when the target has no App). */
  readonly actorAppOwner: boolean;
  readonly targetAdmin: boolean;
  /** The target is an App owner of its own App. */
  readonly targetAppOwner: boolean;
}

/** The refusal text for a `type="all"` ban or unban, or undefined when it is allowed. */
export function allBanRefusal(p: AllBanParties): string | undefined {
  if (p.self) return CANNOT_BAN_SELF;
  if (p.targetAdmin || p.targetAppOwner) return NOT_ENOUGH_PRIVILEGES;
  return p.actorAdmin || p.actorAppOwner ? undefined : NOT_ENOUGH_PRIVILEGES;
}

/** `get_list` for `type="room"`: room owner, room admin or server admin. */
export function mayListRoom(actorAdmin: boolean, actorAffiliation: Affiliation): boolean {
  return actorAdmin || actorAffiliation === "owner" || actorAffiliation === "admin";
}

/**
 * Whether any of a user's stored bans is live at `now` and enforced in a room where the user has
 * `affiliation`: an `all` ban is not enforced where the target is an owner (§7.6 Scope).
 */
export function appliesNow(bans: readonly RoomBan[] | undefined, affiliation: () => Affiliation, now: number): boolean {
  if (bans === undefined) return false;
  for (const b of bans) {
    if (b.expiresAt !== 0 && b.expiresAt <= now) continue;
    if (b.type === "room" || affiliation() !== "owner") return true;
  }
  return false;
}

