/**
 * What other features read of §7.6 bans (room activity's `ban_status`, enforcement). Implemented by
 * `ban.module.ts`.
 */
import type { Jid } from "../../xmpp/jid.js";

export interface BanApi {
  /** Whether a live ban (`type="room"` for this room, or `type="all"` covering it) applies to `user` in `room`. */
  isBanned(room: Jid, user: Jid): Promise<boolean>;
  /** Of `users`, the bare JID strings under a live ban in `room` (one store round trip). */
  bannedAmong(room: Jid, users: readonly Jid[]): Promise<ReadonlySet<string>>;
}
