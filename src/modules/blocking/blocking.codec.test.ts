import { describe, expect, it } from "vitest";
import { parseXml } from "../../xml/stream-parser.js";
import { serialize } from "../../xml/serialize.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { BlockCodec, UnblockCodec, encodeItems } from "./blocking.codec.js";

const payload = (xml: string) => parseXml(xml);

function conditionOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof StanzaError) return error.condition;
    throw error;
  }
  return undefined;
}

describe("XEP-0191 codecs", () => {
  it("rejects <block/> without items with bad-request (§3.3)", () => {
    expect(conditionOf(() => BlockCodec.decode(payload(`<block xmlns="urn:xmpp:blocking"/>`)))).toBe("bad-request");
  });

  it("rejects an item without a jid attribute with bad-request", () => {
    expect(conditionOf(() => BlockCodec.decode(payload(`<block xmlns="urn:xmpp:blocking"><item/></block>`)))).toBe("bad-request");
  });

  it("rejects an unparsable jid with jid-malformed", () => {
    expect(conditionOf(() => BlockCodec.decode(payload(`<block xmlns="urn:xmpp:blocking"><item jid="a@b@"/></block>`)))).toBe("jid-malformed");
    expect(conditionOf(() => UnblockCodec.decode(payload(`<unblock xmlns="urn:xmpp:blocking"><item jid="romeo@/x"/></unblock>`)))).toBe("jid-malformed");
  });

  it("normalises and deduplicates items, keeping request order", () => {
    const { jids } = BlockCodec.decode(
      payload(`<block xmlns="urn:xmpp:blocking"><item jid="Romeo@Montague.NET"/><item jid="iago@shakespeare.lit"/><item jid="romeo@montague.net"/></block>`),
    );
    expect(jids.map(String)).toEqual(["romeo@montague.net", "iago@shakespeare.lit"]);
  });

  it("reads an empty <unblock/> as 'unblock everything' (§3.5)", () => {
    expect(UnblockCodec.decode(payload(`<unblock xmlns="urn:xmpp:blocking"/>`)).jids).toEqual([]);
  });

  it("ignores items in another namespace", () => {
    expect(conditionOf(() => BlockCodec.decode(payload(`<block xmlns="urn:xmpp:blocking"><item xmlns="other" jid="a@b"/></block>`)))).toBe("bad-request");
  });

  it("encodes a list of items", () => {
    expect(serialize(encodeItems("blocklist", ["romeo@montague.net", "iago@shakespeare.lit"]))).toBe(
      `<blocklist xmlns="urn:xmpp:blocking"><item jid="romeo@montague.net"/><item jid="iago@shakespeare.lit"/></blocklist>`,
    );
    expect(serialize(encodeItems("unblock", []))).toBe(`<unblock xmlns="urn:xmpp:blocking"/>`);
  });
});
