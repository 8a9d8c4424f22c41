/**
 * Where pushes start (PROTOCOL §7.8 "When it fires", §2.11 Decision, §7.13 "Triggers"):
 * - a 1:1 message with no available session to take it (`message.undeliverable`, before offline storage,
 *   so a full queue still pushes);
 * - a 1:1 message that only hibernated sessions take (`message.routing`, observe phase, after the archive
 *   stamped it): pushed at once, never late;
 * - a MucSub `messages` event for a subscriber with no live session (`muc.offline-subscriber-message`);
 * - an unacknowledged message of an ended session stored offline (`message.stored-back`), unless pushed already.
 */
import { Phase } from "../../core/hook-map.js";
import type { ModuleContext } from "../../core/module.js";
import type { Session } from "../../core/session.js";
import type { Element } from "../../xml/element.js";
import { tryParseJid, type Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import type { MamApi } from "../mam/mam.module.js";
import type { OfflineApi } from "../offline/offline.module.js";
import type { PushDispatcher } from "./push.dispatch.js";
import { directVerdict, roomVerdict } from "./push.trigger.js";

const PUBSUB_EVENT = "http://jabber.org/protocol/pubsub#event";

/** §7.8 `msgID` for 1:1: the recipient's archive id (its `<stanza-id by=U>`), else the client id. */
export function directMessageId(stanza: Element, recipient: string): string {
  for (const c of stanza.getChildren("stanza-id", NS.sid)) if (c.attrs["by"] === recipient && c.attrs["id"] !== undefined) return c.attrs["id"];
  return stanza.attrs["id"] ?? "";
}

/**
 * §2.11 Decision: true when the message is taken only by hibernated sessions and the account has no live
 * session (§0.5). Mirrors the session choice of router/delivery.ts.
 */
export function onlyHibernatedTake(resources: readonly Session[], to: Jid, exact: Session | undefined): boolean {
  let hibernated = false;
  for (const s of resources) {
    if (s.isAvailable && !s.isHibernated) return false;
    if (s.isHibernated) hibernated = true;
  }
  if (!hibernated) return false;
  if (to.resource !== "" && exact !== undefined) return exact.isHibernated;
  return resources.some((s) => s.isAvailable && s.priority >= 0);
}

export function registerTriggers(ctx: ModuleContext, dispatcher: PushDispatcher, offline: OfflineApi, mam: MamApi): void {
  const hosts = new Set(ctx.hosts);

  const direct = (from: Jid, to: Jid, stanza: Element, unlessPushed = false): Promise<void> | undefined => {
    const verdict = directVerdict(stanza, from, to, hosts);
    if (!verdict.push) return undefined;
    const recipient = to.bare();
    const message = { recipient, sender: from.bare(), stanza, room: undefined, nick: undefined, msgId: directMessageId(stanza, recipient.bareString), call: verdict.call };
    return dispatcher.push(message, unlessPushed);
  };

  ctx.hooks.on("message.undeliverable", ({ to, stanza }) => {
    if (offline.isRedelivery(stanza)) return;
    const from = tryParseJid(stanza.attrs["from"]);
    if (from !== undefined) return direct(from, to, stanza);
  });

  ctx.hooks.on(
    "message.routing",
    ({ from, to, stanza }) => {
      const resources = ctx.sessions.resourcesOf(to);
      if (resources.length === 0 || offline.isRedelivery(stanza)) return;
      const exact = to.resource === "" ? undefined : ctx.sessions.get(to);
      if (onlyHibernatedTake(resources, to, exact)) return direct(from, to, stanza);
    },
    Phase.observe,
  );

  ctx.hooks.on("muc.offline-subscriber-message", (p) => {
    const verdict = roomVerdict(p.stanza, p.sender, p.subscriber);
    if (!verdict.push) return;
    const message = { recipient: p.subscriber.bare(), sender: p.sender.bare(), stanza: p.stanza, room: p.room.bare(), nick: p.nick, msgId: String(p.archiveId), call: false };
    return dispatcher.push(message);
  });

  ctx.hooks.on("message.stored-back", ({ to, stanza }) => {
    if (stanza.getChild("event", PUBSUB_EVENT) === undefined) {
      const from = tryParseJid(stanza.attrs["from"]);
      return from === undefined ? undefined : direct(from, to, stanza, true);
    }
    return storedBackEvent(to, stanza);
  });

  /** A MucSub `messages` event stored back: the room path, the sender read from the room archive. */
  async function storedBackEvent(to: Jid, wrapper: Element): Promise<void> {
    const items = wrapper.getChild("event", PUBSUB_EVENT)?.getChild("items", PUBSUB_EVENT);
    if (items?.attrs["node"] !== "urn:xmpp:mucsub:nodes:messages") return;
    const inner = items.getChild("item", PUBSUB_EVENT)?.getChild("message", NS.client);
    const room = tryParseJid(wrapper.attrs["from"]);
    const nickJid = tryParseJid(inner?.attrs["from"]);
    const id = inner?.getChildren("stanza-id", NS.sid).find((c) => c.attrs["by"] === room?.bareString)?.attrs["id"];
    if (inner === undefined || room === undefined || nickJid === undefined || id === undefined || !/^[0-9]+$/.test(id)) return;
    const entry = await mam.get(room.bareString, Number(id));
    const sender = tryParseJid(entry?.peer);
    if (sender === undefined) return; // not archived: the real sender is unknown, so nothing is pushed
    if (!roomVerdict(inner, sender, to).push) return;
    await dispatcher.push({ recipient: to.bare(), sender, stanza: inner, room: room.bare(), nick: nickJid.resource, msgId: id, call: false }, true);
  }
}
