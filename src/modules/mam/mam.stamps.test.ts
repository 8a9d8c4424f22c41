import { describe, expect, it } from "vitest";
import { parseXml } from "../../xml/stream-parser.js";
import { serialize } from "../../xml/serialize.js";
import { clientMessageId, localDomainTest, stamped, withoutLocalClaims } from "./mam.stamps.js";

const isLocal = localDomainTest(["example.com"]);

describe("withoutLocalClaims (XEP-0359 §3)", () => {
  it("removes stanza-id and archived claiming our domains (or no one), keeps foreign ones and everything else", () => {
    const message = parseXml(
      '<message to="bob@example.com"><stanza-id xmlns="urn:xmpp:sid:0" by="bob@example.com" id="1"/><archived xmlns="urn:xmpp:mam:tmp" by="room@conference.example.com" id="2"/>' +
        '<stanza-id xmlns="urn:xmpp:sid:0" id="3"/><stanza-id xmlns="urn:xmpp:sid:0" by="other.org" id="4"/><stanza-id xmlns="urn:other" by="example.com" id="5"/><body>hi</body></message>',
    );
    const clean = withoutLocalClaims(message, isLocal);
    expect(serialize(clean, "jabber:client")).toBe(
      '<message to="bob@example.com"><stanza-id xmlns="urn:xmpp:sid:0" by="other.org" id="4"/><stanza-id xmlns="urn:other" by="example.com" id="5"/><body>hi</body></message>',
    );
    expect(message.children).toHaveLength(6); // the original is untouched
  });

  it("returns the same element when there is nothing to remove", () => {
    const message = parseXml('<message><body>hi</body></message>');
    expect(withoutLocalClaims(message, isLocal)).toBe(message);
  });
});

describe("stamped (PROTOCOL §6.2, §6.7)", () => {
  it("prepends archived then stanza-id, replaces the owner's earlier stamps, copies without touching the original", () => {
    const message = parseXml(
      '<message from="a@example.com/r" type="chat"><stanza-id xmlns="urn:xmpp:sid:0" by="bob@example.com" id="old"/><data xmlns="wss://x"/><body>hi</body></message>',
    );
    const copy = stamped(message, "bob@example.com", "1727199609620712");
    expect(serialize(copy, "jabber:client")).toBe(
      '<message from="a@example.com/r" type="chat"><archived xmlns="urn:xmpp:mam:tmp" by="bob@example.com" id="1727199609620712"/><stanza-id xmlns="urn:xmpp:sid:0" by="bob@example.com" id="1727199609620712"/><data xmlns="wss://x"/><body>hi</body></message>',
    );
    expect(copy).not.toBe(message);
    expect(copy.attrs).not.toBe(message.attrs);
    expect(message.children).toHaveLength(3);
  });
});

describe("clientMessageId", () => {
  it("prefers origin-id, then the stanza id", () => {
    expect(clientMessageId(parseXml('<message id="s1"><origin-id xmlns="urn:xmpp:sid:0" id="o1"/></message>'))).toBe("o1");
    expect(clientMessageId(parseXml('<message id="s1"/>'))).toBe("s1");
    expect(clientMessageId(parseXml("<message/>"))).toBeNull();
  });
});
