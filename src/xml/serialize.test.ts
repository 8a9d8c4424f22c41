import { describe, expect, it } from "vitest";
import { el } from "./element.js";
import { escapeAttr, escapeText } from "./escape.js";
import { fillTemplate, serialize, serializeTopLevel, stanzaTemplate } from "./serialize.js";
import { parseXml } from "./stream-parser.js";

const CLIENT = "jabber:client";

describe("serialize (PROTOCOL §0.4)", () => {
  it("writes no whitespace between elements and delimits attributes with double quotes", () => {
    const stanza = el("message", { to: "a@b", type: "chat" }, el("body", null, "hi"), el("thread", null, "t1"));
    expect(serialize(stanza, CLIENT)).toBe(`<message to="a@b" type="chat"><body>hi</body><thread>t1</thread></message>`);
  });

  it("escapes with the five predefined entities only and writes non-ASCII literally", () => {
    const stanza = el("message", { title: `say "hi" & <go> 'now'` }, el("body", null, `a < b > c & d "e" 'f' é 日本 😀 \u00a0`));
    expect(serialize(stanza, CLIENT)).toBe(
      `<message title="say &quot;hi&quot; &amp; &lt;go&gt; 'now'"><body>a &lt; b &gt; c &amp; d "e" 'f' é 日本 😀 \u00a0</body></message>`,
    );
    expect(serialize(stanza, CLIENT)).not.toMatch(/&#/);
  });

  it("keeps every namespace as received and adds no redundant xmlns (rule 4)", () => {
    const xml = `<message xmlns="jabber:client" type="chat"><data xmlns="wss://chat.example.com/ws" a="1"><x/></data><delete id="1"/><replace xmlns="urn:xmpp:message-correct:0"><inner/></replace></message>`;
    expect(serialize(parseXml(xml), CLIENT)).toBe(
      `<message type="chat"><data xmlns="wss://chat.example.com/ws" a="1"><x/></data><delete id="1"/><replace xmlns="urn:xmpp:message-correct:0"><inner/></replace></message>`,
    );
  });

  it("round-trips parsed text byte for byte, entities included", () => {
    const xml = `<message><body>  a &amp;amp; b\n&lt;c&gt; &quot;q&quot; ]]&gt; </body></message>`;
    expect(serialize(parseXml(xml), CLIENT)).toBe(`<message><body>  a &amp;amp; b\n&lt;c&gt; "q" ]]&gt; </body></message>`);
  });
});

describe("serializeTopLevel", () => {
  it("on TCP leaves jabber:client to the stream header, for built and parsed stanzas alike", () => {
    expect(serializeTopLevel(el("iq", { type: "result", id: "1" }), CLIENT)).toBe(`<iq type="result" id="1"/>`);
    expect(serializeTopLevel(parseXml(`<presence xmlns="jabber:client"/>`), CLIENT)).toBe(`<presence/>`);
  });

  it("on WebSocket declares jabber:client on every stanza, including ones built without a namespace (RFC 7395 §3.3.3)", () => {
    const bind = el("iq", { type: "result", id: "b" }, el("bind", { xmlns: "urn:ietf:params:xml:ns:xmpp-bind" }, el("jid", null, "a@b/c")));
    expect(serializeTopLevel(bind, "")).toBe(`<iq xmlns="jabber:client" type="result" id="b"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><jid>a@b/c</jid></bind></iq>`);
    expect(serializeTopLevel(el("message", null, el("body", null, "x")), "")).toBe(`<message xmlns="jabber:client"><body>x</body></message>`);
  });

  it("writes a nonza's own namespace on both", () => {
    for (const ns of [CLIENT, ""]) expect(serializeTopLevel(el("r", { xmlns: "urn:xmpp:sm:3" }), ns)).toBe(`<r xmlns="urn:xmpp:sm:3"/>`);
  });
});

describe("stanzaTemplate", () => {
  it("serialises a broadcast once per wire format, with each recipient's `to` filled in", () => {
    const stanza = el("message", { from: "r@conference.b/n", type: "groupchat" }, el("body", null, "x & y"));
    expect(fillTemplate(stanzaTemplate(stanza, CLIENT), `u"1@b/r`)).toBe(`<message to="u&quot;1@b/r" from="r@conference.b/n" type="groupchat"><body>x &amp; y</body></message>`);
    expect(fillTemplate(stanzaTemplate(stanza, ""), "u@b/r")).toBe(`<message xmlns="jabber:client" to="u@b/r" from="r@conference.b/n" type="groupchat"><body>x &amp; y</body></message>`);
  });
});

describe("escape", () => {
  it("leaves clean strings untouched and escapes only what XML needs", () => {
    const clean = "plain text é";
    expect(escapeText(clean)).toBe(clean);
    expect(escapeAttr(clean)).toBe(clean);
    expect(escapeText(`<&>"'`)).toBe(`&lt;&amp;&gt;"'`);
    expect(escapeAttr(`<&>"'`)).toBe(`&lt;&amp;&gt;&quot;'`);
  });
});
