/**
 * Fan-out to many sessions without stalling other traffic (issue #3: a room of 1,000 occupants taking
 * 20 messages/s): recipients go to the router in slices, and the event loop gets a turn between
 * slices, so other connections' I/O interleaves with a big room's broadcast. Each slice is still
 * serialised once per wire format (router.broadcast). Slices keep their order, so every recipient
 * still sees a room's stanzas in the order the room sent them.
 */
import type { StanzaRouter } from "../../core/module.js";
import type { Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";

export const FANOUT_SLICE = 256;

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function fanOut(router: StanzaRouter, stanza: Element, recipients: readonly Jid[]): Promise<void> {
  if (recipients.length <= FANOUT_SLICE) return router.broadcast(stanza, recipients);
  for (let i = 0; i < recipients.length; i += FANOUT_SLICE) {
    if (i > 0) await yieldToEventLoop();
    await router.broadcast(stanza, recipients.slice(i, i + FANOUT_SLICE));
  }
}
