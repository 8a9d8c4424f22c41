/**
 * Delivery to a local account (RFC 6121 §8.5, PROTOCOL §9.3): which sessions get a message or a
 * presence, and when a message is undeliverable (offline storage, pushes) or bounced.
 */
import type { Session } from "../core/session.js";
import type { Element } from "../xml/element.js";
import type { Jid } from "../xmpp/jid.js";
import { StanzaError } from "../xmpp/stanza-error.js";
import { messageType } from "../xmpp/stanza.js";
import type { Router } from "./stanza-router.js";

export async function deliverMessage(router: Router, stanza: Element, from: Jid, to: Jid, origin: Session | undefined): Promise<void> {
  const { sessions, hooks } = router.deps;
  const type = messageType(stanza);
  if (type === "error") {
    const target = to.resource === "" ? undefined : sessions.get(to);
    if (target) await router.deliver(target, stanza);
    return;
  }
  if (type === "groupchat") {
    // Room traffic is addressed to full JIDs by the room; without that session it is dropped.
    const target = to.resource === "" ? undefined : sessions.get(to);
    if (target) return router.deliver(target, stanza);
    if (to.resource === "") throw new StanzaError("service-unavailable");
    return;
  }
  const resources = sessions.resourcesOf(to);
  if (resources.length === 0 && !(await router.deps.userExists(to))) {
    // PROTOCOL §9.3: unknown local account → cancel / service-unavailable, nothing stored.
    throw new StanzaError("service-unavailable");
  }
  const payload = { from, to, stanza, origin };
  if ((await hooks.run("message.routing", payload)) === "handled") return;
  const message = payload.stanza;

  if (to.resource !== "") {
    const exact = sessions.get(to);
    if (exact) return router.deliver(exact, message);
    if (type === "headline") return; // §9.3: a headline to a missing full JID is dropped
  }
  let delivered = 0;
  for (const session of resources) {
    if (!session.isAvailable) continue;
    // §9.3 Decision: chat/normal go to every available session with priority ≥ 0; headline to all.
    if (type !== "headline" && session.priority < 0) continue;
    await router.deliver(session, message);
    delivered++;
  }
  if (delivered === 0 && type !== "headline") {
    await hooks.run("message.undeliverable", { to: to.bare(), stanza: message });
  }
}

export async function deliverPresence(router: Router, stanza: Element, to: Jid): Promise<void> {
  const { sessions } = router.deps;
  if (to.resource !== "") {
    const target = sessions.get(to);
    if (target) await router.deliver(target, stanza);
    return;
  }
  for (const session of sessions.resourcesOf(to)) {
    if (session.isAvailable) await router.deliver(session, stanza);
  }
}
