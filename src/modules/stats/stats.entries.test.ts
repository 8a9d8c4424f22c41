import { describe, expect, it } from "vitest";
import { parseXml } from "../../xml/stream-parser.js";
import { parseJid } from "../../xmpp/jid.js";
import { markRedelivery } from "../offline/redelivery.js";
import { chatEntry } from "./stats.entries.js";

const HOSTS = new Set(["chat.example.com"]);
const ALICE = parseJid("65f0a1_alice@chat.example.com/r1");
const BOB = parseJid("65f0a1_bob@chat.example.com");
const msg = (attrs: string, inner: string) => parseXml(`<message xmlns="jabber:client" ${attrs}>${inner}</message>`);
const entry = (stanza: ReturnType<typeof msg>, from = ALICE) => chatEntry({ from, to: BOB, stanza, origin: undefined }, HOSTS, () => 1717000000000);

describe("stats entries for 1:1 messages (PROTOCOL §7.10)", () => {
  it("counts a chat message with a body, with the recipient's archive id", () => {
    const s = msg('type="chat" id="c1"', '<stanza-id xmlns="urn:xmpp:sid:0" by="65f0a1_bob@chat.example.com" id="1727199609620712"/><body>Hello</body>');
    expect(entry(s)).toEqual({ appId: "65f0a1", room: null, from: "65f0a1_alice@chat.example.com", to: "65f0a1_bob@chat.example.com", type: "chat", stanzaId: "1727199609620712", messageTs: 1727199609620, bodyLength: 5, media: false, reaction: false });
  });

  it("falls back to the client id and the current time when the message was not archived", () => {
    expect(entry(msg('id="n1"', "<body>hi</body>"))).toMatchObject({ type: "normal", stanzaId: "n1", messageTs: 1717000000000 });
    expect(entry(msg("", "<body>hi</body>"))).toMatchObject({ stanzaId: null });
  });

  it.each([
    ["a headline", msg('type="headline"', "<body>x</body>")],
    ["an error", msg('type="error"', "<body>x</body>")],
    ["a groupchat", msg('type="groupchat"', "<body>x</body>")],
    ["a chat state", msg('type="chat"', '<composing xmlns="http://jabber.org/protocol/chatstates"/>')],
    ["an empty body", msg('type="chat"', "<body></body>")],
  ])("skips %s", (_name, s) => {
    expect(entry(s)).toBeUndefined();
  });

  it("skips re-deliveries and messages not sent by a local user (room invitations, server notices)", () => {
    expect(entry(markRedelivery(msg('type="chat"', "<body>x</body>"), undefined))).toBeUndefined();
    expect(entry(msg('type="normal"', "<body>invite</body>"), parseJid("65f0a1_lobby@conference.chat.example.com"))).toBeUndefined();
    expect(entry(msg('type="chat"', "<body>x</body>"), parseJid("chat.example.com"))).toBeUndefined();
  });
});
