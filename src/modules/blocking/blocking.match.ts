/**
 * JID matching of block lists (XEP-0191 §6, consistent with XEP-0016): which stored item strings
 * block a given address. One function serves both the SQL store and the in-memory check, so the two
 * can never disagree.
 */
import type { Jid } from "../../xmpp/jid.js";

/**
 * The item strings that block `jid`, in §6 order: `user@domain/resource` (only that resource),
 * `user@domain` (any resource), `domain/resource` (only that resource), `domain` (the domain itself,
 * any user@domain and any domain/resource).
 */
export function blockCandidates(jid: Jid): string[] {
  const out: string[] = [];
  if (jid.local !== "") {
    if (jid.resource !== "") out.push(jid.toString());
    out.push(jid.bareString);
    if (jid.resource !== "") out.push(jid.domain + "/" + jid.resource);
  } else if (jid.resource !== "") {
    out.push(jid.toString());
  }
  out.push(jid.domain);
  return out;
}

/** True when one of the stored items blocks `jid`. The empty list (the usual case) costs nothing. */
export function isMatchedBy(items: ReadonlySet<string>, jid: Jid): boolean {
  if (items.size === 0) return false;
  for (const candidate of blockCandidates(jid)) if (items.has(candidate)) return true;
  return false;
}
