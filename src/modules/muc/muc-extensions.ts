/**
 * Where other features plug into rooms (DESIGN §2.3: typed extension points, no string events):
 * MucSub (subscribers as senders and nick holders, wrapped copies), room MAM (queries on the room
 * JID, the archive of broadcast messages), bans and commands (§7.1, §7.2, §7.6), webhooks and room
 * activity (§7.5, §7.9). A module registers with `ctx.use(mucModule).extend({...})` during setup.
 */
import type { Session } from "../../core/session.js";
import type { Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import type { Affiliation } from "./affiliations.js";
import type { RoomView } from "./room.js";

/** A groupchat message on its way through §3.6, before the archive decision and stamping. */
export interface GroupchatEvent {
  readonly room: RoomView;
  /** The message as received (`from` = the sender's JID, `to` = the room). */
  readonly stanza: Element;
  readonly from: Jid;
  readonly nick: string;
  /** The sending session when it came from a local client (undefined for the admin API). */
  readonly origin: Session | undefined;
}

/**
 * "Room message broadcast" (§3.6 steps 8–11): one event per message relayed to the occupants. `stanza` is
 * the occupant copy without `to` (stamps included); `archived` tells whether §3.8 classed it as archived
 * in a room with `mam` on; `id` is its room stanza-id (the archive id when archived).
 */
export interface RoomMessageEvent {
  readonly room: RoomView;
  readonly stanza: Element;
  readonly id: number;
  readonly archived: boolean;
  /** §3.8: the message is of an archived class (text, media, reaction), whether or not the room has `mam` on; webhooks key on it. */
  readonly archivedClass: boolean;
  /** A subject change (§3.6 step 5): never archived, goes to MucSub `subject`, not `messages`. */
  readonly subject: boolean;
  readonly from: Jid;
  readonly nick: string;
  /** Every session that received the plain groupchat (a MucSub device never gets both, §5.5). */
  readonly joined: readonly Jid[];
  /**
   * §7.7 block filtering: bare JIDs that must not get this message in any form (no MucSub event, offline copy,
   * push or archive copy), because they blocked the sender. Undefined when nobody did (the common case).
   */
  readonly excluded: ReadonlySet<string> | undefined;
}

/** Other room events for MucSub nodes (§5.5): occupant presence, affiliation notices, config (104), destruction. */
export interface RoomNodeEvent {
  readonly room: RoomView;
  readonly node: "presence" | "affiliations" | "config" | "system";
  /** The stanza as occupants got it, without `to`. */
  readonly stanza: Element;
}

export interface AffiliationChange {
  readonly room: RoomView;
  readonly user: Jid;
  readonly from: Affiliation;
  readonly to: Affiliation;
  readonly reason: string;
  /** §3.11 "Losing access": the new affiliation keeps the user out (outcast, or none in a members-only room). */
  readonly losesAccess: boolean;
  /** Set when the change came from a §3.10 invitation (the `member.join` reason `invite`, §7.9). */
  readonly cause?: "invite" | undefined;
}

/** An IQ addressed to a room (MAM queries, MucSub) or to the service itself (MucSub list). */
export interface MucIqRequest {
  readonly stanza: Element;
  readonly id: string;
  readonly type: "get" | "set";
  readonly from: Jid;
  readonly to: Jid;
  /** The addressed room; undefined for IQs to the service. */
  readonly room: RoomView | undefined;
  readonly session: Session | undefined;
}

export interface MucIqHandler {
  readonly target: "room" | "service";
  readonly type: "get" | "set";
  readonly ns: string;
  readonly name: string;
  /** Also called for a room that does not exist (`room` undefined) when true; else item-not-found. */
  readonly allowMissingRoom?: boolean;
  handle(payload: Element, iq: MucIqRequest): Promise<Element | undefined | void> | Element | undefined | void;
}

export interface MucExtension {
  /** §3.6 step 1, §5.7: the nick under which a non-occupant may send (a subscriber), else undefined. */
  senderNick?(room: RoomView, from: Jid): string | undefined;
  /** §3.3 check 8: the bare JID holding `nick` outside occupancy (a subscriber), else undefined. */
  nickHolder?(room: RoomView, nick: string): string | undefined;
  /** §3.5: a temporary room with subscribers is kept when its last occupant leaves. */
  hasSubscribers?(room: RoomView): boolean;
  /**
   * §3.6 step 3 (bans, §7.6), before the rate limit and the subject step; also for private messages through the
   * room (§3.9). Throw StanzaError to refuse; "drop" drops the message silently (a banned chat-state-only message).
   */
  checkSender?(room: RoomView, from: Jid, stanza: Element, kind: "groupchat" | "private"): "continue" | "drop" | Promise<"continue" | "drop">;
  /**
   * §7.7 block filtering: the bare JIDs that must not receive what `sender` (the real bare JID behind the nick)
   * sends into the room, or undefined when there are none. Synchronous: it runs once per room message.
   */
  excludedRecipients?(room: RoomView, sender: Jid): ReadonlySet<string> | undefined;
  /** §3.6 steps 6, 7: throw StanzaError to refuse, return "handled" when consumed (edit/delete), "drop" to drop silently. */
  beforeGroupchat?(event: GroupchatEvent): "continue" | "handled" | "drop" | Promise<"continue" | "handled" | "drop">;
  /** Archives a room message (§3.6 step 8, §6.3); called before the broadcast for archived messages. */
  archive?(event: RoomMessageEvent): void | Promise<void>;
  /** §3.6 steps 10–11 after the occupants' fan-out: MucSub copies, webhooks, stats, room activity. */
  messageBroadcast?(event: RoomMessageEvent): void | Promise<void>;
  roomEvent?(event: RoomNodeEvent): void | Promise<void>;
  /**
   * An occupant session entered (`join`) or left the room (`leave`: leave, disconnect, kick, ban, lost membership),
   * with the real bare JID; room activity's `last_active` (§7.5). Synchronous: it runs on every join and leave.
   */
  occupantChanged?(room: RoomView, user: Jid, change: "join" | "leave"): void;
  /** §3.11: every affiliation change, with its old and new value (webhooks, MucSub "losing access"). */
  affiliationChanged?(change: AffiliationChange): void | Promise<void>;
  /** §3.14: the room is gone; drop its subscriptions, delete its archive unless configured to keep it. */
  roomDestroyed?(room: RoomView, info: { readonly reason: string; readonly keepArchive: boolean }): void | Promise<void>;
  /** §8.5 `create_room_with_opts` `subscribers`: the raw value, handed over when the room exists. */
  createSubscribers?(room: RoomView, value: string): void | Promise<void>;
  readonly iq?: readonly MucIqHandler[];
}
