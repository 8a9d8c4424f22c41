/**
 * The fields of each backend webhook event after the envelope (PROTOCOL §7.9 "Event fields, by example"), in
 * the example's key order: `member.join`/`member.exit`, `message.last`, `message.archive`, `history.access`
 * and `message.audit`. The outbox adds `id`, `event`, `ts` and `host` in front.
 */
import type { HistoryAccess, RoomMemberChange, RoomMessageCommand } from "../../core/hook-map.js";
import type { Element } from "../../xml/element.js";
import { serialize } from "../../xml/serialize.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { appIdOf, bodyText, dataAttributes, isReaction, markerTimestamp, messageTsOf, translationsOf } from "./message-facts.js";

export type Fields = Record<string, unknown>;

/** One archived-class room message (§3.8), as broadcast or as stored after an edit/delete. */
export interface RoomMessage {
  readonly room: Jid;
  /** The sender's real bare JID. */
  readonly from: Jid;
  readonly nick: string;
  readonly stanza: Element;
  /** The room stanza-id (the archive id when archived). */
  readonly stanzaId: string;
}

export function memberFields(change: RoomMemberChange): Fields {
  return {
    appId: appIdOf(change.room),
    room: change.room.bareString,
    chatName: change.room.local,
    user: change.user.bareString,
    xmppUsername: change.user.local,
    affiliation: change.affiliation,
    subscribed: change.subscribed,
    reason: change.reason,
  };
}

/** The fields `message.last` and `message.archive` share, up to `messageTs`. */
function messageHead(m: RoomMessage): Fields {
  return {
    appId: appIdOf(m.room),
    room: m.room.bareString,
    chatName: m.room.local,
    from: m.from.bareString,
    nick: m.nick,
    messageId: m.stanza.attrs["id"] ?? null,
    stanzaId: m.stanzaId,
    messageTs: messageTsOf(m.stanzaId),
  };
}

export function lastMessageFields(m: RoomMessage): Fields {
  return messageHead(m);
}

/**
 * `message.archive`: `create` carries null edit/delete times; `edit`/`delete` carry the stored entry after the
 * change, with the times of its `<replaced>`/`<deleted>` markers (falling back to `at` for the action's own).
 */
export function archiveFields(action: "create" | "edit" | "delete", m: RoomMessage, at?: number): Fields {
  const s = m.stanza;
  const edited = action === "create" ? null : (markerTimestamp(s, "replaced") ?? (action === "edit" ? (at ?? null) : null));
  const deleted = action === "create" ? null : (markerTimestamp(s, "deleted") ?? (action === "delete" ? (at ?? null) : null));
  return {
    action,
    ...messageHead(m),
    body: bodyText(s) ?? null,
    data: dataAttributes(s),
    translations: translationsOf(s),
    isReaction: isReaction(s),
    editedAt: edited,
    deletedAt: deleted,
    xml: serialize(s, NS.client),
  };
}

/**
 * `history.access`. A refused query (Decision) has the same keys with `returned` 0, `count` and `complete` null,
 * RSM values as sent (null when absent or unreadable), and a last key `error` with the IQ error's condition and
 * text (null when it has none).
 */
export function historyFields(access: HistoryAccess): Fields {
  const fields: Fields = {
    outcome: access.outcome,
    requester: access.requester.bareString,
    archive: access.archive.bareString,
    archiveType: access.archiveType,
    appId: appIdOf(access.archive),
    queryid: access.queryId ?? null,
    max: access.max ?? null,
    before: access.before ?? null,
    after: access.after ?? null,
    returned: access.returned,
    count: access.count ?? null,
    complete: access.complete ?? null,
  };
  if (access.outcome === "refused") {
    fields["error"] = { condition: access.error?.condition ?? "internal-server-error", text: access.error?.text ?? null };
  }
  return fields;
}

/** `message.audit`: bodies only for applied edits, `targetAuthor` null when the target was not found. */
export function auditFields(command: RoomMessageCommand): Fields {
  const bodies = command.action === "edit" && command.outcome === "applied";
  return {
    action: command.action,
    outcome: command.outcome,
    appId: appIdOf(command.room),
    room: command.room.bareString,
    chatName: command.room.local,
    actor: command.actor.bareString,
    targetStanzaId: command.targetStanzaId,
    targetAuthor: command.outcome === "not_found" ? null : (command.targetAuthor?.bareString ?? null),
    oldBody: bodies ? (command.oldBody ?? null) : null,
    newBody: bodies ? (command.newBody ?? null) : null,
  };
}
