/**
 * Who may read a room's archive (PROTOCOL §6.4 "Which archive" and "Room archive access", with §4 checks 1–2,
 * §2.6 and §5): a pure decision over facts the module gathers from the MUC and MucSub APIs.
 */
import { StanzaError } from "../../xmpp/stanza-error.js";
import type { Affiliation, GuardRefusal } from "../muc/muc.module.js";

/** §6.4: the text of the members-only refusal (clients match it literally). */
export const ONLY_MEMBERS = "Only members may query archives of this room";
/** §3.3 check 4's text, for an outcast querying an open room. */
export const BANNED = "You have been banned from this room";

export interface ArchiveAccessFacts {
  /** The room option `mam` (§3.2): false means the room has no archive to query. */
  readonly mam: boolean;
  readonly membersOnly: boolean;
  /** §4 checks 1–2 as `MucApi.tenantRefusal` answers them (anonymous always, App only when the guard is on; admins exempt). */
  readonly guard: GuardRefusal | undefined;
  readonly serverAdmin: boolean;
  /** The requester's stored affiliation in the room. */
  readonly affiliation: Affiliation;
  /** Some session of the requester's bare JID is joined (not required, §6.4: clients query before the join completes). */
  readonly occupant: boolean;
  /** The requester's bare JID has a MucSub subscription (§5; subscribers count as members). */
  readonly subscriber: boolean;
}

/**
 * The refusal for a room-archive query, or undefined when it may proceed. Order (Decision): §4 first (anonymous,
 * then `wrong app name`, "first, in open and members-only rooms alike"), so a user of another App learns nothing
 * about the room, not even whether it keeps an archive; then `mam` = false; then the membership rules.
 */
export function archiveAccessRefusal(facts: ArchiveAccessFacts): StanzaError | undefined {
  if (facts.guard !== undefined) return new StanzaError("forbidden", facts.guard);
  if (!facts.mam) return new StanzaError("service-unavailable");
  if (facts.serverAdmin) return undefined;
  if (facts.affiliation === "outcast") return new StanzaError("forbidden", facts.membersOnly ? ONLY_MEMBERS : BANNED);
  if (!facts.membersOnly) return undefined;
  const affiliated = facts.affiliation === "owner" || facts.affiliation === "admin" || facts.affiliation === "member";
  return affiliated || facts.occupant || facts.subscriber ? undefined : new StanzaError("forbidden", ONLY_MEMBERS);
}
