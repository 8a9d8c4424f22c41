/**
 * One `stats.messages` entry per message (PROTOCOL §7.10), keys in the example's order: an archived-class room
 * message (§3.8, also in a room with `mam` off) or a 1:1 `chat`/`normal` message with a body between local users.
 */
import type { HookMap } from "../../core/hook-map.js";
import type { Element } from "../../xml/element.js";
import { NS } from "../../xmpp/namespaces.js";
import { messageType } from "../../xmpp/stanza.js";
import type { RoomMessageEvent } from "../muc/muc-extensions.js";
import { isRedelivery } from "../offline/redelivery.js";
import { appIdOf, bodyText, codePointLength, hasMedia, isReaction, messageTsOf } from "../webhooks/message-facts.js";
import type { StatsMessage } from "./stats.batcher.js";

export function roomEntry(event: RoomMessageEvent): StatsMessage | undefined {
  if (!event.archivedClass) return undefined;
  const s = event.stanza;
  const room = event.room.jid;
  return {
    appId: appIdOf(room),
    room: room.bareString,
    from: event.from.bareString,
    to: null,
    type: "groupchat",
    stanzaId: String(event.id),
    messageTs: messageTsOf(event.id),
    bodyLength: codePointLength(bodyText(s) ?? ""),
    media: hasMedia(s),
    reaction: isReaction(s),
  };
}

/** The archive id the MAM module stamped on the recipient's copy (§6.2, §6.7), if it did. */
function archiveIdOf(stanza: Element, to: string): string | undefined {
  for (const c of stanza.children) {
    if (typeof c !== "string" && c.name === "stanza-id" && c.ns === NS.sid && c.attrs["by"] === to) return c.attrs["id"];
  }
  return undefined;
}

/**
 * A 1:1 message being routed (`message.routing`, observe phase: after the archive stamps). Counted once: offline
 * and §2.11 re-deliveries are skipped, and so are messages not sent by a local user (room invitations, server
 * notices). `stanzaId` is the archive id, or the client id when the message was not archived (as §7.8 `msgID`).
 */
export function chatEntry(payload: HookMap["message.routing"], hosts: ReadonlySet<string>, now: () => number): StatsMessage | undefined {
  const { from, to, stanza } = payload;
  const type = messageType(stanza);
  if (type !== "chat" && type !== "normal") return undefined;
  const body = bodyText(stanza);
  if (body === undefined || from.local === "" || !hosts.has(from.domain) || isRedelivery(stanza)) return undefined;
  const toBare = to.bareString;
  const archiveId = archiveIdOf(stanza, toBare);
  return {
    appId: appIdOf(from),
    room: null,
    from: from.bareString,
    to: toBare,
    type,
    stanzaId: archiveId ?? stanza.attrs["id"] ?? null,
    messageTs: archiveId === undefined ? now() : messageTsOf(archiveId),
    bodyLength: codePointLength(body),
    media: hasMedia(stanza),
    reaction: isReaction(stanza),
  };
}
