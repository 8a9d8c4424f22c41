/**
 * Every extension point of the stanza pipeline, in the order stanzas meet them (DESIGN §2.4).
 * Adding a hook means adding a line here, where reviewers will see it.
 */
import type { Element } from "../xml/element.js";
import type { Jid } from "../xmpp/jid.js";
import type { Session } from "./session.js";

export interface HookMap {
  /** A local client sent a stanza, `from` already stamped; runs before routing (blocking, presence broadcast, rate limits). */
  "client.stanza-sent": { readonly session: Session; stanza: Element };
  /**
   * A 1:1 message (chat/normal/headline) is being routed to a local account, whatever its origin
   * (client, admin API, module). Hooks may replace `stanza` (archiving stamps it); runs once per
   * message, before the per-session deliveries.
   */
  "message.routing": { readonly from: Jid; readonly to: Jid; stanza: Element; readonly origin: Session | undefined };
  /**
   * A presence stanza addressed to a local account (RFC 6121 §3, §4): the presence module runs the
   * subscription state machine and answers probes here, returning "handled" when nothing is left to deliver.
   */
  "presence.inbound": { readonly from: Jid; readonly to: Jid; stanza: Element };
  /**
   * A stanza is about to reach one local session (inbound filtering). For a room broadcast, `stanza` is the copy
   * shared by every recipient, without `to` (the recipient is `to`): read it, never change it in place; assign a
   * new stanza to change what this recipient gets.
   */
  "stanza.delivering": { readonly to: Session; stanza: Element };
  /** No session could take a message that should be kept (offline storage, push notifications). */
  "message.undeliverable": { readonly to: Jid; readonly stanza: Element };
  /** An unacknowledged message of an ended session went to offline storage (§2.11): pushed unless already pushed (§7.8). */
  "message.stored-back": { readonly to: Jid; readonly stanza: Element };
  /** A session bound its resource. */
  "session.bound": { readonly session: Session };
  /** A session sent its initial available presence (offline delivery happens here). */
  "session.available": { readonly session: Session };
  /** A session ended; `unacked` holds stanzas the client never acknowledged (PROTOCOL §2.11). */
  "session.closed": { readonly session: Session; readonly unacked: readonly Element[] };
  /** An account was created (admin API, JWT first login). */
  "user.created": { readonly user: Jid };
  /** An account was deleted: every module removes its data for it. */
  "user.deleted": { readonly user: Jid };
  /**
   * A room message (MucSub `messages` event, PROTOCOL §5.5) for a subscriber with no live session: offline,
   * or every session hibernated (§2.11 Decision). The offline push (§7.8) listens here and applies its own
   * conditions (body, `push="false"`, sender, mutes). `stanza` is the inner message (the occupant copy
   * addressed to the subscriber's bare JID); `archiveId` is the room stanza-id (the archive id when archived).
   */
  "muc.offline-subscriber-message": {
    readonly room: Jid;
    readonly subscriber: Jid;
    readonly sender: Jid;
    readonly nick: string;
    readonly stanza: Element;
    readonly archiveId: number;
    readonly archived: boolean;
  };
  /** A user became a room member: affiliated member or subscriber, not outcast (§0.5; the `member.join` webhook of §7.9). */
  "room.member-joined": RoomMemberChange;
  /** A user stopped being a room member (the `member.exit` webhook of §7.9). */
  "room.member-left": RoomMemberChange;
  /**
   * A MAM query was answered or refused (PROTOCOL §6.8; the `history.access` webhook of §7.9 listens here). Emitted by
   * room-mam for room archives and by the MAM module (mam/mam.iq.ts) for user archives.
   */
  "history.accessed": HistoryAccess;
  /**
   * A delete (§7.1) or edit (§7.2) command was processed, whatever the outcome: the `message.audit` webhook of
   * §7.9 listens here, and `message.archive` (`action` edit/delete) when `outcome` is "applied".
   */
  "room.message-command": RoomMessageCommand;
}

/** §7.9 `message.audit` / `message.archive` (edit, delete) fields. */
export interface RoomMessageCommand {
  readonly action: "delete" | "edit";
  readonly outcome: "applied" | "denied" | "not_found" | "invalid";
  readonly room: Jid;
  /** The requester's real bare JID. */
  readonly actor: Jid;
  readonly targetStanzaId: string;
  /** The target's sender (real bare JID); undefined when the target was not found. */
  readonly targetAuthor: Jid | undefined;
  /** Set for applied edits only (§7.9 field notes). */
  readonly oldBody: string | undefined;
  readonly newBody: string | undefined;
  /** Applied only: the archived entry after the change (the `message.archive` fields are read from it). */
  readonly updated: { readonly stanza: Element; readonly nick: string; readonly at: number } | undefined;
}

/** §7.9 `history.access` fields. RSM values are as requested; `before` is "" for an empty `<before/>`. */
export interface HistoryAccess {
  readonly outcome: "completed" | "refused";
  readonly requester: Jid;
  /** The archive's bare JID: a room, or an account. */
  readonly archive: Jid;
  readonly archiveType: "room" | "user";
  readonly queryId: string | undefined;
  readonly max: number | undefined;
  readonly before: string | undefined;
  readonly after: string | undefined;
  /** Result messages sent (0 when refused); `count` and `complete` only for completed queries. */
  readonly returned: number;
  readonly count: number | undefined;
  readonly complete: boolean | undefined;
  /** Why a query was refused: the IQ error's condition and text. */
  readonly error: { readonly condition: string; readonly text: string | undefined } | undefined;
}

/** §7.9 `member.join` / `member.exit` fields: the user's affiliation and subscription after the change. */
export interface RoomMemberChange {
  readonly room: Jid;
  readonly user: Jid;
  readonly affiliation: string;
  readonly subscribed: boolean;
  readonly reason: "affiliation" | "subscribe" | "unsubscribe" | "pinned" | "invite" | "destroy" | "account_removed";
}

export type HookName = keyof HookMap;
export type HookResult = "continue" | "handled";
export type HookHandler<K extends HookName> = (payload: HookMap[K]) => HookResult | void | Promise<HookResult | void>;

/** Named phases instead of bare priority numbers (DESIGN §2.4). */
export const Phase = { guard: 0, normal: 1, observe: 2 } as const;
export type PhaseValue = (typeof Phase)[keyof typeof Phase];
