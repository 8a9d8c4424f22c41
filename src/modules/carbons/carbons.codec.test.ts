import { describe, expect, it } from "vitest";
import { el } from "../../xml/element.js";
import { serialize } from "../../xml/serialize.js";
import { parseXml } from "../../xml/stream-parser.js";
import { parseJid } from "../../xmpp/jid.js";
import { carbonCopy, isCarbonCopy, isCarbonsEligible, withoutPrivate } from "./carbons.codec.js";

describe("XEP-0280 §6 eligibility", () => {
  it.each([
    ["chat", `<message type="chat"><body>x</body></message>`],
    ["body-less chat (call signalling, chat states)", `<message type="chat"><data type="call-invite"/></message>`],
    ["normal with a body", `<message><body>x</body></message>`],
  ])("copies %s", (_n, xml) => expect(isCarbonsEligible(parseXml(xml))).toBe(true));

  it.each([
    ["normal without a body", `<message><data/></message>`],
    ["groupchat", `<message type="groupchat"><body>x</body></message>`],
    ["headline", `<message type="headline"><body>x</body></message>`],
    ["error", `<message type="error"><body>x</body></message>`],
    ["private", `<message type="chat"><body>x</body><private xmlns="urn:xmpp:carbons:2"/></message>`],
    ["no-copy", `<message type="chat"><body>x</body><no-copy xmlns="urn:xmpp:hints"/></message>`],
    ["a copy", `<message type="chat"><sent xmlns="urn:xmpp:carbons:2"/></message>`],
    ["an IQ", `<iq type="set"><body>x</body></iq>`],
  ])("does not copy %s", (_n, xml) => expect(isCarbonsEligible(parseXml(xml))).toBe(false));
});

describe("carbon copies", () => {
  it("wraps the original exactly (XEP-0280 §7)", () => {
    const original = parseXml(`<message from="j@h/balcony" to="r@h/garden" type="chat" id="m1"><body>hi</body><data a="1"/></message>`);
    const copy = carbonCopy("received", parseJid("r@h"), parseJid("r@h/home"), original);
    expect(isCarbonCopy(copy)).toBe(true);
    expect(serialize(copy, "jabber:client")).toBe(
      `<message from="r@h" to="r@h/home" type="chat"><received xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0">` +
        `<message xmlns="jabber:client" from="j@h/balcony" to="r@h/garden" type="chat" id="m1"><body>hi</body><data a="1"/></message>` +
        `</forwarded></received></message>`,
    );
  });

  it("keeps a type-less normal message type-less and gives a namespace-less stanza jabber:client without touching it", () => {
    const original = el("message", { from: "r@h/a", to: "j@h" }, el("body", null, "x"));
    const copy = carbonCopy("sent", parseJid("r@h"), parseJid("r@h/b"), original);
    expect(original.ns).toBe("");
    expect(serialize(copy, "jabber:client")).toBe(
      `<message from="r@h" to="r@h/b"><sent xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0">` +
        `<message xmlns="jabber:client" from="r@h/a" to="j@h"><body>x</body></message></forwarded></sent></message>`,
    );
  });

  it("removes <private/> on a copy of the message only", () => {
    const original = parseXml(`<message type="chat"><body>x</body><private xmlns="urn:xmpp:carbons:2"/></message>`);
    const stripped = withoutPrivate(original);
    expect(serialize(stripped, "jabber:client")).toBe(`<message type="chat"><body>x</body></message>`);
    expect(original.children).toHaveLength(2);
  });
});
