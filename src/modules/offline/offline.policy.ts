/**
 * What offline storage keeps and how a stored stanza is handed back (PROTOCOL §9.4, §5.5, §2.11;
 * XEP-0160, XEP-0203). Pure functions over elements.
 */
import type { Element } from "../../xml/element.js";
import { NS } from "../../xmpp/namespaces.js";
import { delayElement, isOfflineStorable, stampFromMillis } from "../../xmpp/stanza.js";
import { isCarbonCopy } from "../carbons/carbons.codec.js";

/** PROTOCOL §9.4: the literal text of the queue-full bounce (`wait` / `resource-constraint`). */
export const QUEUE_FULL_TEXT = "Your contact offline message queue is full. The message has been discarded.";

const PUBSUB_EVENT_NS = "http://jabber.org/protocol/pubsub#event";
const MUCSUB_NODE_MESSAGES = "urn:xmpp:mucsub:nodes:messages";
const MUCSUB_NODE_SUBJECT = "urn:xmpp:mucsub:nodes:subject";
const MESSAGE_CORRECT_NS = "urn:xmpp:message-correct:0";

/** A MucSub event wrapper (PROTOCOL §5.5): its payload is a pubsub#event. */
export function isMucSubEvent(message: Element): boolean {
  return message.getChild("event", PUBSUB_EVENT_NS) !== undefined;
}

/**
 * §9.4 storage rule for anything routed to an account with no available session: chat/normal that are
 * not chat-state-only nor no-store hinted. Carbon copies are never stored: they belong to one resource
 * and the original message has its own path.
 */
export function isStorableOffline(message: Element): boolean {
  return message.name === "message" && isOfflineStorable(message) && !isCarbonCopy(message);
}

/**
 * §5.5: the MucSub events an offline subscriber keeps: `subject` events, and `messages` events whose
 * inner message is archived (`<archived>` stamp) or is an edit/delete command (§7.1, §7.2). Used for
 * events that come back unacknowledged (§2.11), where the room is no longer there to decide.
 */
export function isStorableMucSubEvent(message: Element): boolean {
  const items = message.getChild("event", PUBSUB_EVENT_NS)?.getChild("items", PUBSUB_EVENT_NS);
  if (items === undefined) return false;
  const node = items.attrs["node"];
  if (node === MUCSUB_NODE_SUBJECT) return true;
  if (node !== MUCSUB_NODE_MESSAGES) return false;
  const inner = items.getChild("item", PUBSUB_EVENT_NS)?.getChild("message", NS.client);
  if (inner === undefined) return false;
  if (inner.getChild("archived", NS.mamTmp) !== undefined) return true;
  return isEditOrDeleteCommand(inner);
}

function isEditOrDeleteCommand(inner: Element): boolean {
  if (inner.getChild("delete", NS.client)?.attrs["id"] !== undefined) return true;
  if (inner.getChild("replace", NS.client)?.attrs["id"] !== undefined) return true;
  const legacy = inner.getChild("replace", MESSAGE_CORRECT_NS)?.attrs["id"];
  return legacy !== undefined && /^[0-9]+$/.test(legacy);
}

/**
 * A freshly parsed stored stanza made ready for delivery (§9.4): the XEP-0203 delay appended as the
 * last child (§0.4 rule 5), addressed to the session that takes it.
 */
export function prepareForDelivery(stanza: Element, host: string, storedAt: number, to: string): Element {
  stanza.attrs["to"] = to;
  stanza.append(delayElement(host, stampFromMillis(storedAt)));
  return stanza;
}
