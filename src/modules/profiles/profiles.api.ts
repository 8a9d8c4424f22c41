/**
 * The profile cache of PROTOCOL §7.5: one display name and one photo URL per user, used by room activity
 * (§7.5), the block list (§7.7 `fullname`) and pushes. Implemented by `profiles.module.ts`.
 */
import type { Jid } from "../../xmpp/jid.js";

export interface UserProfile {
  /** vCard FN; else the latest non-empty `<data fullName>` or `senderFirstName senderLastName`; else the localpart. */
  readonly name: string;
  /** vCard PHOTO/EXTVAL or URL; else the latest `<data photo|photoURL|profileImage>`; undefined reads as `none`. */
  readonly photo: string | undefined;
}

export interface ProfilesApi {
  profile(user: Jid): Promise<UserProfile>;
  /** Many users in one store round trip, keyed by bare JID string. */
  profiles(users: readonly Jid[]): Promise<ReadonlyMap<string, UserProfile>>;
}
