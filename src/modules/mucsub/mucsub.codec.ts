/**
 * MucSub on the wire (PROTOCOL §5.2–§5.5): the `<subscribe>`/`<unsubscribe>` requests, the replies
 * and listings, and the pubsub#event wrapper in which subscribers receive room events.
 */
import { Element, el } from "../../xml/element.js";
import { tryParseJid, type Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { knownNodes, nodeUrn, type NodeName } from "./mucsub.nodes.js";

export const PUBSUB_EVENT_NS = "http://jabber.org/protocol/pubsub#event";

export interface SubscribeRequest {
  /** The `nick` attribute; undefined when absent (§5.2 Decision: T's localpart). */
  readonly nick: string | undefined;
  readonly password: string | undefined;
  /** The optional `jid` attribute (T), bare. */
  readonly jid: Jid | undefined;
  /** Known nodes requested, first-seen order (unknown nodes are ignored). */
  readonly nodes: NodeName[];
}

/** The optional `jid` attribute of `<subscribe>`/`<unsubscribe>`; a malformed one is `jid-malformed`. */
export function targetJid(payload: Element): Jid | undefined {
  const raw = payload.attrs["jid"];
  if (raw === undefined || raw === "") return undefined;
  const jid = tryParseJid(raw);
  if (jid === undefined || jid.local === "") throw new StanzaError("jid-malformed");
  return jid.bare();
}

export function parseSubscribe(payload: Element): SubscribeRequest {
  const nodes = knownNodes(payload.getChildren("event", NS.mucsub).map((e) => e.attrs["node"] ?? ""));
  return { nick: payload.attrs["nick"], password: payload.attrs["password"], jid: targetJid(payload), nodes };
}

function eventElements(nodes: readonly NodeName[]): Element[] {
  return nodes.map((n) => el("event", { node: nodeUrn(n) }));
}

/** §5.2 reply: `<subscribe nick>` with the accepted nodes. */
export function subscribeReply(nick: string, nodes: readonly NodeName[]): Element {
  return el("subscribe", { xmlns: NS.mucsub, nick }, eventElements(nodes));
}

/** §5.4: `<subscription jid nick><event node/>…</subscription>` (jid = the room, or the user for a room's list). */
export function subscriptionElement(jid: string, nick: string, nodes: readonly NodeName[]): Element {
  return el("subscription", { jid, nick }, eventElements(nodes));
}

export function subscriptionsElement(items: readonly Element[]): Element {
  return el("subscriptions", { xmlns: NS.mucsub }, items);
}

/** §5.2/§5.3 side effect: the notice subscribers of `:subscribers` receive (wrapped). */
export function subscriberNotice(kind: "subscribe" | "unsubscribe", user: string, nick: string): Element {
  return el(kind, { xmlns: NS.mucsub, jid: user, nick });
}

/**
 * §5.5 wrapper, without `to` (the router adds each recipient's): from the room's bare JID, no type, no
 * body; the outer `id` equals `item@id`.
 */
export function wrapEvent(room: string, node: NodeName, id: string, payload: Element, to?: string): Element {
  const item = new Element("item", PUBSUB_EVENT_NS, { id }, [payload]);
  const items = new Element("items", PUBSUB_EVENT_NS, { node: nodeUrn(node) }, [item]);
  const attrs: Record<string, string> = to === undefined ? { from: room, id } : { from: room, to, id };
  return new Element("message", NS.client, attrs, [new Element("event", PUBSUB_EVENT_NS, {}, [items])]);
}

/**
 * §5.5: the inner stanza is the occupant copy except that its `to` is the subscriber's bare JID
 * (placed right after `from`, as in §5.5's example). Children are shared, not copied.
 */
export function innerCopy(stanza: Element, subscriber: string): Element {
  const attrs: Record<string, string> = {};
  const from = stanza.attrs["from"];
  if (from !== undefined) attrs["from"] = from;
  attrs["to"] = subscriber;
  for (const k in stanza.attrs) if (k !== "from" && k !== "to") attrs[k] = stanza.attrs[k] as string;
  return new Element(stanza.name, stanza.ns === "" ? NS.client : stanza.ns, attrs, stanza.children.slice());
}
