/**
 * Message Carbons payloads (XEP-0280 §6 eligibility, §7/§8 copies wrapped per XEP-0297; PROTOCOL §9.3).
 * Pure functions over elements.
 */
import { el, inheritNamespace, type Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { hasHint, messageType } from "../../xmpp/stanza.js";

export type CarbonKind = "sent" | "received";

/** A `<sent/>` or `<received/>` wrapper made by a server: never copied again, stored or re-routed. */
export function isCarbonCopy(message: Element): boolean {
  return message.getChild("sent", NS.carbons) !== undefined || message.getChild("received", NS.carbons) !== undefined;
}

/** XEP-0280 §10: the sender asked for no copies (`<private/>`), or the XEP-0334 `<no-copy/>` hint. */
export function isCopyRefused(message: Element): boolean {
  return message.getChild("private", NS.carbons) !== undefined || hasHint(message, "no-copy");
}

/**
 * XEP-0280 §6 (the suggested rules): `chat`, or `normal` with a `<body>`. Errors are not copied (the
 * XEP allows it only with message tracking), nor groupchat, headlines, copies, or refused messages.
 * Whether the sender is a MUC service is the caller's question (it knows the local hosts).
 */
export function isCarbonsEligible(message: Element): boolean {
  if (message.name !== "message") return false;
  const type = messageType(message);
  if (type !== "chat" && !(type === "normal" && hasBody(message))) return false;
  return !isCopyRefused(message) && !isCarbonCopy(message);
}

function hasBody(message: Element): boolean {
  const body = message.getChild("body");
  return body !== undefined && (body.ns === NS.client || body.ns === "");
}

/** The message without its `<private/>` element (XEP-0280 §10: removed before delivery); the input is not changed. */
export function withoutPrivate(message: Element): Element {
  const copy = message.withAttrs({});
  copy.removeChildren("private", NS.carbons);
  return copy;
}

/**
 * The copy for one resource (XEP-0280 §7, §8): from the user's bare JID, to that resource, the same
 * type, with the original inside `<forwarded xmlns="urn:xmpp:forward:0">` as a jabber:client message.
 */
export function carbonCopy(kind: CarbonKind, user: Jid, to: Jid, original: Element): Element {
  // A module-built stanza may have no namespace yet; appending it would give it the forward namespace.
  const inner = original.ns === NS.client ? original : asClientStanza(original);
  return el(
    "message",
    { xmlns: NS.client, from: user.bareString, to: to.toString(), type: original.attrs["type"] },
    el(kind, { xmlns: NS.carbons }, el("forwarded", { xmlns: NS.forward }, inner)),
  );
}

function asClientStanza(original: Element): Element {
  const copy = original.clone();
  inheritNamespace(copy, NS.client);
  return copy;
}
