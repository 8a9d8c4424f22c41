/**
 * Payload codecs of XEP-0191 (Blocking Command): `<blocklist/>`, `<block/>` and `<unblock/>` in
 * `urn:xmpp:blocking`, each a list of `<item jid="…"/>`.
 * https://xmpp.org/extensions/xep-0191.html
 */
import type { PayloadCodec } from "../../core/codec.js";
import { el, type Element } from "../../xml/element.js";
import { parseJid, type Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";

export interface BlockingItems {
  /** Normalised, without duplicates, in request order. Empty in `<unblock/>` means "everything" (§3.5). */
  readonly jids: readonly Jid[];
}

export const BlocklistCodec: PayloadCodec<null> = {
  ns: NS.blocking,
  name: "blocklist",
  decode: () => null,
};

/** §3.3: a `<block/>` without at least one item gets bad-request. */
export const BlockCodec: PayloadCodec<BlockingItems> = {
  ns: NS.blocking,
  name: "block",
  decode(element) {
    const jids = decodeItems(element);
    if (jids.length === 0) throw new StanzaError("bad-request", "At least one item is required");
    return { jids };
  },
};

export const UnblockCodec: PayloadCodec<BlockingItems> = {
  ns: NS.blocking,
  name: "unblock",
  decode: (element) => ({ jids: decodeItems(element) }),
};

/** Items with a missing `jid` are bad-request, unparsable ones jid-malformed (RFC 6120 §8.3.3.8). */
function decodeItems(element: Element): Jid[] {
  const seen = new Set<string>();
  const jids: Jid[] = [];
  for (const item of element.getChildren("item", NS.blocking)) {
    const raw = item.attrs["jid"];
    if (raw === undefined) throw new StanzaError("bad-request", "An item has no jid");
    let jid: Jid;
    try {
      jid = parseJid(raw);
    } catch {
      throw new StanzaError("jid-malformed");
    }
    if (seen.has(jid.toString())) continue;
    seen.add(jid.toString());
    jids.push(jid);
  }
  return jids;
}

/** `<name xmlns="urn:xmpp:blocking"><item jid=…/>…</name>`: results and pushes. */
export function encodeItems(name: "blocklist" | "block" | "unblock", jids: Iterable<string>): Element {
  const payload = el(name, { xmlns: NS.blocking });
  for (const jid of jids) payload.append(el("item", { jid }));
  return payload;
}
