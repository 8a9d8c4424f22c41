/**
 * The archive stamps (PROTOCOL §6.2, §6.7, XEP-0359): `<archived>` then `<stanza-id>`, prepended with
 * `by` = the archive owner; and the removal of stamps a client forged in our name (XEP-0359 §3).
 */
import { Element, type Node } from "../../xml/element.js";
import { NS } from "../../xmpp/namespaces.js";

/** True for a domain we serve: a host or a service under it (conference.<host>). */
export type LocalDomainTest = (domain: string) => boolean;

export function localDomainTest(hosts: readonly string[]): LocalDomainTest {
  const exact = new Set(hosts);
  const suffixes = hosts.map((h) => "." + h);
  return (domain) => exact.has(domain) || suffixes.some((s) => domain.endsWith(s));
}

function isStamp(c: Element): boolean {
  return (c.name === "stanza-id" && c.ns === NS.sid) || (c.name === "archived" && c.ns === NS.mamTmp);
}

/** A stamp that claims to come from us: `by` missing, or naming one of our domains. */
function isLocalClaim(c: Element, isLocal: LocalDomainTest): boolean {
  if (!isStamp(c)) return false;
  const by = c.attrs["by"];
  return by === undefined || isLocal(domainOf(by));
}

function domainOf(jid: string): string {
  const slash = jid.indexOf("/");
  const head = slash < 0 ? jid : jid.slice(0, slash);
  return head.slice(head.lastIndexOf("@") + 1).toLowerCase();
}

/** The stanza without the stamps a client forged in our name; the same element when it has none. */
export function withoutLocalClaims(stanza: Element, isLocal: LocalDomainTest): Element {
  const children = stanza.children;
  let i = 0;
  for (; i < children.length; i++) {
    const c = children[i] as Node;
    if (typeof c !== "string" && isLocalClaim(c, isLocal)) break;
  }
  if (i === children.length) return stanza;
  const kept: Node[] = [];
  for (const c of children) if (typeof c === "string" || !isLocalClaim(c, isLocal)) kept.push(c);
  return new Element(stanza.name, stanza.ns, { ...stanza.attrs }, kept);
}

/**
 * A shallow copy with `<archived by id/>` and `<stanza-id by id/>` first (§6.7: archived first), and any
 * earlier stamp by the same owner removed. The original is left alone: other code may hold it.
 */
export function stamped(stanza: Element, by: string, id: string): Element {
  const children: Node[] = [new Element("archived", NS.mamTmp, { by, id }, []), new Element("stanza-id", NS.sid, { by, id }, [])];
  for (const c of stanza.children) {
    if (typeof c !== "string" && isStamp(c) && c.attrs["by"]?.toLowerCase() === by) continue;
    children.push(c);
  }
  return new Element(stanza.name, stanza.ns, { ...stanza.attrs }, children);
}

/** The client's message id for later lookups: `<origin-id>` (XEP-0359), else the stanza `id`. */
export function clientMessageId(stanza: Element): string | null {
  const origin = stanza.getChild("origin-id", NS.sid)?.attrs["id"];
  return origin ?? stanza.attrs["id"] ?? null;
}
