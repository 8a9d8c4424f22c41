// PROTOCOL §7.8 "When it fires" / "It does not fire": the stanza-level trigger predicate, one row per case.
import { describe, expect, it } from "vitest";
import { parseXml } from "../../xml/stream-parser.js";
import { parseJid } from "../../xmpp/jid.js";
import { directVerdict, roomVerdict, type Verdict } from "./push.trigger.js";

const hosts = new Set(["chat.example.com"]);
const alice = parseJid("65f0a1_alice@chat.example.com/res1");
const bob = parseJid("65f0a1_bob@chat.example.com");
const room = "65f0a1_lobby@conference.chat.example.com";

const PUSH: Verdict = { push: true, call: false };
const CALL: Verdict = { push: true, call: true };
const no = (reason: string): Verdict => ({ push: false, reason }) as Verdict;

describe("1:1 messages (§7.8 a)", () => {
  it.each<[string, string, Verdict]>([
    ["chat with a body", `<message type="chat"><body>Hi</body></message>`, PUSH],
    ["normal (no type) with a body", `<message><body>Hi</body></message>`, PUSH],
    ["call signalling without a body", `<message type="chat"><data type="call-invite" callId="c1"/></message>`, CALL],
    ["call signalling with a body", `<message type="chat"><data type="call-state"/><body>x</body></message>`, CALL],
    ["chat state only", `<message type="chat"><composing xmlns="http://jabber.org/protocol/chatstates"/></message>`, no("no-body")],
    ["chat state with <data fullName>", `<message type="chat"><composing xmlns="http://jabber.org/protocol/chatstates"/><data fullName="A"/></message>`, no("no-body")],
    ["empty body", `<message type="chat"><body></body></message>`, no("no-body")],
    ["body in another namespace", `<message type="chat"><body xmlns="wow"/></message>`, no("no-body")],
    ["reaction (store hint, no body)", `<message type="chat"><reactions xmlns="urn:xmpp:reactions:0" id="1"/><store xmlns="urn:xmpp:hints"/></message>`, no("no-body")],
    ["<data push=\"false\">", `<message type="chat"><data push="false"/><body>Hi</body></message>`, no("push-false")],
    ["<data push=\"false\"> on call signalling", `<message type="chat"><data type="call-invite" push="false"/></message>`, no("push-false")],
    ["no-store hint", `<message type="chat"><body>Hi</body><no-store xmlns="urn:xmpp:hints"/></message>`, no("no-store")],
    ["no-permanent-store hint", `<message type="chat"><body>Hi</body><no-permanent-store xmlns="urn:xmpp:hints"/></message>`, no("no-store")],
    ["delete command", `<message type="chat"><body>wow</body><delete id="1727199609620712"/></message>`, no("command")],
    ["edit command", `<message type="chat"><replace id="1727199609620712" text="x"/><body>x</body></message>`, no("command")],
    ["XEP-0308 correction", `<message type="chat"><body>x</body><replace xmlns="urn:xmpp:message-correct:0" id="m1"/></message>`, no("command")],
    ["headline", `<message type="headline"><body>news</body></message>`, no("type")],
    ["error", `<message type="error"><body>Hi</body></message>`, no("type")],
    ["groupchat", `<message type="groupchat"><body>Hi</body></message>`, no("type")],
    ["presence", `<presence/>`, no("not-a-message")],
    ["MUC invitation", `<message><x xmlns="http://jabber.org/protocol/muc#user"><invite from="a@b"/></x><body>join</body></message>`, no("invitation")],
    ["direct invitation", `<message><x xmlns="jabber:x:conference" jid="${room}"/><body>join</body></message>`, no("invitation")],
    [
      "MucSub wrapper",
      `<message><event xmlns="http://jabber.org/protocol/pubsub#event"><items node="urn:xmpp:mucsub:nodes:messages"/></event></message>`,
      no("wrapper"),
    ],
    ["carbon copy", `<message type="chat"><received xmlns="urn:xmpp:carbons:2"/><body>x</body></message>`, no("carbon")],
  ])("%s", (_name, xml, expected) => {
    expect(directVerdict(parseXml(xml), alice, bob, hosts)).toEqual(expected);
  });

  it("is not pushed to the sender", () => {
    expect(directVerdict(parseXml(`<message type="chat"><body>Hi</body></message>`), alice, alice.bare(), hosts)).toEqual(no("own-message"));
  });

  it.each(["conference.chat.example.com", "65f0a1_lobby@conference.chat.example.com/alice", "chat.example.com", "x@elsewhere.org"])("is not pushed from %s (not a local user)", (from) => {
    expect(directVerdict(parseXml(`<message type="chat"><body>Hi</body></message>`), parseJid(from), bob, hosts)).toEqual(no("not-from-a-user"));
  });
});

describe("room messages (§7.8 b, the inner message of a MucSub event)", () => {
  const inner = (children: string, attrs = `from="${room}/65f0a1_alice" type="groupchat"`) => parseXml(`<message ${attrs}>${children}</message>`);
  const sender = alice.bare();

  it.each<[string, string, string | undefined, Verdict]>([
    ["text", `<body>Hello</body>`, undefined, PUSH],
    ["text with <data>", `<data senderFirstName="Alice"/><body>Hello</body>`, undefined, PUSH],
    ["chat state", `<composing xmlns="http://jabber.org/protocol/chatstates"/>`, undefined, no("no-body")],
    ["call signalling without a body (rooms need a body)", `<data type="call-invite"/>`, undefined, no("no-body")],
    ["subject change", `<subject>New</subject>`, undefined, no("no-body")],
    ["delete command", `<body>wow</body><delete id="1"/>`, undefined, no("command")],
    ["edit command", `<replace id="1" text="x"/>`, undefined, no("command")],
    ["push=false", `<data push="false"/><body>Hello</body>`, undefined, no("push-false")],
    ["no-store hint", `<body>Hello</body><no-store xmlns="urn:xmpp:hints"/>`, undefined, no("no-store")],
    ["status notification from the room", `<body>x</body>`, `from="${room}" type="groupchat"`, no("status-notification")],
    ["muc#user status", `<x xmlns="http://jabber.org/protocol/muc#user"><status code="104"/></x><body>x</body>`, undefined, no("status-notification")],
    ["not groupchat", `<body>x</body>`, `from="${room}/65f0a1_alice" type="chat"`, no("type")],
  ])("%s", (_name, children, attrs, expected) => {
    expect(roomVerdict(inner(children, attrs), sender, bob)).toEqual(expected);
  });

  it("is not pushed to the sender, nor for a wrapper without an inner message", () => {
    expect(roomVerdict(inner(`<body>Hello</body>`), sender, sender)).toEqual(no("own-message"));
    expect(roomVerdict(undefined, sender, bob)).toEqual(no("wrapper"));
  });
});
