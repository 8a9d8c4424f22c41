/**
 * The stored-entry changes of PROTOCOL §7.1 step 4 (delete) and §7.2 "Stored" (edit), as pure functions
 * over elements: a room archive entry (§6.3), or the inner message of a MucSub copy (§5.6). Inputs are left
 * untouched (stanzas are shared); each function returns a new top-level element.
 */
import { Element, type Node } from "../../xml/element.js";
import { NS } from "../../xmpp/namespaces.js";
import { PUBSUB_EVENT_NS } from "../mucsub/mucsub.codec.js";

/** §7.1: the body text of a deleted entry. */
export const DELETED_TEXT = "deleted";

function isClientChild(c: Node, name: string): c is Element {
  return typeof c !== "string" && c.name === name && c.ns === NS.client;
}

/** §3.8: a `<body>` in jabber:client with non-empty text. */
function isBody(c: Node): c is Element {
  return isClientChild(c, "body") && c.text() !== "";
}

export function hasBody(message: Element): boolean {
  return message.children.some(isBody);
}

/** A deleted entry carries `<deleted timestamp/>` (§7.1); an edit of it is `not_found` (§7.2). */
export function isDeleted(message: Element): boolean {
  return message.children.some((c) => isClientChild(c, "deleted"));
}

/** The first body's text, or undefined for a body-less entry (the audit's `oldBody`, §7.9). */
export function bodyText(message: Element): string | undefined {
  const body = message.children.find(isBody);
  return body === undefined ? undefined : body.text();
}

function withText(e: Element, text: string): Element {
  return new Element(e.name, e.ns, { ...e.attrs }, [text]);
}

function rebuilt(message: Element, children: Node[]): Element {
  return new Element(message.name, message.ns, { ...message.attrs }, children);
}

/**
 * §7.1 step 4: body text → `deleted` (body-less entries get no body), `<translations>` removed, and
 * `<deleted timestamp="<unix ms>"/>` appended as the last child unless one is already there (it is kept).
 */
export function markDeleted(message: Element, atMs: number): Element {
  const children: Node[] = [];
  let marked = false;
  for (const c of message.children) {
    if (isClientChild(c, "translations")) continue;
    if (isBody(c)) {
      children.push(withText(c, DELETED_TEXT));
      continue;
    }
    if (isClientChild(c, "deleted")) marked = true;
    children.push(c);
  }
  if (!marked) children.push(new Element("deleted", NS.client, { timestamp: String(atMs) }));
  return rebuilt(message, children);
}

/**
 * §7.2 "Stored": body text → the new text, `<translations>` removed, and exactly one `<replaced timestamp/>`:
 * an existing one is updated where it stands (further ones dropped), else one is appended as the last child.
 */
export function markEdited(message: Element, text: string, atMs: number): Element {
  const children: Node[] = [];
  let replaced = false;
  for (const c of message.children) {
    if (isClientChild(c, "translations")) continue;
    if (isBody(c)) {
      children.push(withText(c, text));
      continue;
    }
    if (isClientChild(c, "replaced")) {
      if (!replaced) children.push(new Element(c.name, c.ns, { ...c.attrs, timestamp: String(atMs) }, c.children.slice()));
      replaced = true;
      continue;
    }
    children.push(c);
  }
  if (!replaced) children.push(new Element("replaced", NS.client, { timestamp: String(atMs) }));
  return rebuilt(message, children);
}

/** The inner `<message>` of a stored MucSub wrapper (§5.5, §5.6), or undefined. */
export function wrappedMessage(wrapper: Element): Element | undefined {
  return wrapper.getChild("event", PUBSUB_EVENT_NS)?.getChild("items", PUBSUB_EVENT_NS)?.getChild("item", PUBSUB_EVENT_NS)?.getChild("message", NS.client);
}

/** The wrapper with its inner message replaced by `change(inner)` (§7.1, §7.2: copies change like the room entry). */
export function mapWrappedMessage(wrapper: Element, change: (inner: Element) => Element): Element | undefined {
  const event = wrapper.getChild("event", PUBSUB_EVENT_NS);
  const items = event?.getChild("items", PUBSUB_EVENT_NS);
  const item = items?.getChild("item", PUBSUB_EVENT_NS);
  const inner = item?.getChild("message", NS.client);
  if (event === undefined || items === undefined || item === undefined || inner === undefined) return undefined;
  const newItem = replaceChild(item, inner, change(inner));
  const newItems = replaceChild(items, item, newItem);
  const newEvent = replaceChild(event, items, newItems);
  return replaceChild(wrapper, event, newEvent);
}

function replaceChild(parent: Element, old: Element, next: Element): Element {
  return rebuilt(
    parent,
    parent.children.map((c) => (c === old ? next : c)),
  );
}
