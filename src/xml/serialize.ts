/**
 * Serialisation per PROTOCOL §0.4: no whitespace between elements, five entities only, `"` for
 * attributes, and `xmlns` written only where an element's namespace differs from the one it
 * inherits (rule 4: no redundant declarations, every namespace preserved).
 */
import type { Element } from "./element.js";
import { escapeAttr, escapeText } from "./escape.js";

export function serialize(node: Element, inheritedNs = ""): string {
  let out = "<" + node.name;
  if (node.ns !== "" && node.ns !== inheritedNs) out += ' xmlns="' + escapeAttr(node.ns) + '"';
  const attrs = node.attrs;
  for (const k in attrs) out += " " + k + '="' + escapeAttr(attrs[k] as string) + '"';
  return out + serializeContent(node, node.ns === "" ? inheritedNs : node.ns);
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

export function stanzaTemplate(stanza: Element, inheritedNs: string): StanzaTemplate {
  let head = "<" + stanza.name;
  if (stanza.ns !== "" && stanza.ns !== inheritedNs) head += ' xmlns="' + escapeAttr(stanza.ns) + '"';
  let rest = "";
  const attrs = stanza.attrs;
  for (const k in attrs) if (k !== "to") rest += " " + k + '="' + escapeAttr(attrs[k] as string) + '"';
  return { head, tail: rest + serializeContent(stanza, stanza.ns === "" ? inheritedNs : stanza.ns) };
}

export function fillTemplate(t: StanzaTemplate, to: string | undefined): string {
  return to === undefined ? t.head + t.tail : t.head + ' to="' + escapeAttr(to) + '"' + t.tail;
}
