/**
 * Serialisation per PROTOCOL §0.4: no whitespace between elements, five entities only, `"` for
 * attributes, and `xmlns` written only where an element's namespace differs from the one it
 * inherits (rule 4: no redundant declarations, every namespace preserved).
 */
import type { Element } from "./element.js";
import { escapeAttr, escapeText } from "./escape.js";

/** The content namespace of client streams (RFC 6120 §4.8.3): what a top-level element without one is. */
const CLIENT_NS = "jabber:client";

export function serialize(node: Element, inheritedNs = ""): string {
  let out = "<" + node.name;
  if (node.ns !== "" && node.ns !== inheritedNs) out += ' xmlns="' + escapeAttr(node.ns) + '"';
  const attrs = node.attrs;
  for (const k in attrs) out += " " + k + '="' + escapeAttr(attrs[k] as string) + '"';
  return out + serializeContent(node, node.ns === "" ? inheritedNs : node.ns);
}

/**
 * A top-level element of a client stream. `streamNs` is the default namespace the stream declares:
 * `jabber:client` on TCP, "" on WebSocket, where every element declares its own (RFC 7395 §3.3.3). An
 * element built without a namespace is a `jabber:client` stanza, so on WebSocket it gets that `xmlns`.
 */
export function serializeTopLevel(node: Element, streamNs: string): string {
  const ns = node.ns === "" ? CLIENT_NS : node.ns;
  let out = "<" + node.name;
  if (ns !== streamNs) out += ' xmlns="' + escapeAttr(ns) + '"';
  const attrs = node.attrs;
  for (const k in attrs) out += " " + k + '="' + escapeAttr(attrs[k] as string) + '"';
  return out + serializeContent(node, ns);
}

function serializeContent(node: Element, ns: string): string {
  const children = node.children;
  if (children.length === 0) return "/>";
  let out = ">";
  for (let i = 0; i < children.length; i++) {
    const c = children[i] as Element | string;
    out += typeof c === "string" ? escapeText(c) : serialize(c, ns);
  }
  return out + "</" + node.name + ">";
}

/**
 * A stanza serialised once for a broadcast, with the `to` attribute left out so that each recipient
 * only costs a string concatenation (issue #3: bytes built once per broadcast, not per recipient).
 */
export interface StanzaTemplate {
  readonly head: string;
  readonly tail: string;
}

/** A top-level stanza as `serializeTopLevel` writes it, split around where `to` goes. */
export function stanzaTemplate(stanza: Element, streamNs: string): StanzaTemplate {
  const ns = stanza.ns === "" ? CLIENT_NS : stanza.ns;
  let head = "<" + stanza.name;
  if (ns !== streamNs) head += ' xmlns="' + escapeAttr(ns) + '"';
  let rest = "";
  const attrs = stanza.attrs;
  for (const k in attrs) if (k !== "to") rest += " " + k + '="' + escapeAttr(attrs[k] as string) + '"';
  return { head, tail: rest + serializeContent(stanza, ns) };
}

export function fillTemplate(t: StanzaTemplate, to: string | undefined): string {
  return to === undefined ? t.head + t.tail : t.head + ' to="' + escapeAttr(to) + '"' + t.tail;
}
