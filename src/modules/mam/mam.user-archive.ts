/**
 * Archiving of 1:1 messages into user archives (PROTOCOL §6.2): one id per message, one entry in the
 * sender's archive and one in the recipient's, and the recipient's copy stamped (§6.7). Runs in
 * `message.routing`, so every origin (client, admin API, module) is covered, and only queues the
 * entries: the write is batched (archive-writer.ts), delivery never waits for the disk.
 */
import type { ArchiveIdAllocator } from "../../core/archive-ids.js";
import type { HookMap } from "../../core/hook-map.js";
import { serialize } from "../../xml/serialize.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { isArchivable1to1 } from "../../xmpp/stanza.js";
import { isRedelivery } from "../offline/redelivery.js";
import type { ArchiveWriter } from "./archive-writer.js";
import { clientMessageId, stamped, withoutLocalClaims, type LocalDomainTest } from "./mam.stamps.js";
import { EntryKind, type ArchiveEntry } from "./mam.types.js";

export interface UserArchiveDeps {
  readonly hosts: ReadonlySet<string>;
  readonly isLocalDomain: LocalDomainTest;
  readonly ids: ArchiveIdAllocator;
  readonly writer: ArchiveWriter<ArchiveEntry>;
}

/** §2.6, §6.2: anonymous accounts are never archived. */
export function isAnonymousAccount(jid: Jid): boolean {
  return jid.local.startsWith("anon-");
}

/** The `message.routing` handler; returns a promise only when the writer asks for backpressure. */
export function userArchiveHook(deps: UserArchiveDeps): (payload: HookMap["message.routing"]) => void | Promise<void> {
  return (payload) => archive1to1(deps, payload, true);
}

/**
 * §6.2 Extension (block filtering, §7.7): a message the recipient will never get (they blocked the sender) is
 * archived for the sender only, as it was sent; the recipient's copy is neither written nor stamped.
 */
export function senderCopyArchiver(deps: UserArchiveDeps): (payload: HookMap["message.routing"]) => void | Promise<void> {
  return (payload) => archive1to1(deps, payload, false);
}

function archive1to1(deps: UserArchiveDeps, payload: HookMap["message.routing"], withRecipient: boolean): void | Promise<void> {
  const { hosts, isLocalDomain, ids, writer } = deps;
  const original = payload.stanza;
  // Offline and §2.11 re-deliveries were archived and stamped the first time round.
  if (isRedelivery(original)) return;
  const clean = withoutLocalClaims(original, isLocalDomain);
  if (clean !== original) payload.stanza = clean;
  if (!isArchivable1to1(clean)) return;
  const { from, to } = payload;
  const intoRecipient = withRecipient && !isAnonymousAccount(to);
  // A message to oneself has one archive: the recipient's.
  const intoSender = hosts.has(from.domain) && from.local !== "" && !isAnonymousAccount(from) && from.bareString !== to.bareString;
  if (!intoRecipient && !intoSender) return;

  const id = ids.next();
  const stanza = serialize(clean, NS.client); // once per message, shared by both entries (§6.3)
  const originId = clientMessageId(clean);
  const sender = from.bareString;
  let accepted = true;
  if (intoSender) {
    accepted = writer.push({ archive: sender, id, peer: to.bareString, peerResource: to.resource, nick: null, kind: EntryKind.chat, originId, stanza, sender });
  }
  if (intoRecipient) {
    const pushed = writer.push({ archive: to.bareString, id, peer: sender, peerResource: from.resource, nick: null, kind: EntryKind.chat, originId, stanza, sender });
    accepted = pushed && accepted;
    payload.stanza = stamped(clean, to.bareString, String(id));
  }
  return accepted ? undefined : writer.ready();
}
