import { describe, expect, it } from "vitest";
import { serialize } from "../../xml/serialize.js";
import { parseXml } from "../../xml/stream-parser.js";
import { QUEUE_FULL_TEXT, isMucSubEvent, isStorableMucSubEvent, isStorableOffline, prepareForDelivery } from "./offline.policy.js";

const msg = (xml: string) => parseXml(xml);

describe("isStorableOffline (PROTOCOL §9.4)", () => {
  it.each([
    ["chat with a body", `<message type="chat"><body>hi</body></message>`],
    ["normal (no type) with a body", `<message><body>hi</body></message>`],
    ["body-less call signalling", `<message type="chat"><data type="call-invite" callId="c1"/></message>`],
    ["a MucSub event wrapper", `<message from="r@conference.h"><event xmlns="http://jabber.org/protocol/pubsub#event"/></message>`],
    ["a no-permanent-store hint (only no-store is refused here)", `<message type="chat"><body>x</body><no-permanent-store xmlns="urn:xmpp:hints"/></message>`],
  ])("stores %s", (_name, xml) => {
    expect(isStorableOffline(msg(xml))).toBe(true);
  });

  it.each([
    ["an error", `<message type="error"><body>x</body></message>`],
    ["a headline", `<message type="headline"><body>x</body></message>`],
    ["groupchat", `<message type="groupchat"><body>x</body></message>`],
    ["chat-state only", `<message type="chat"><composing xmlns="http://jabber.org/protocol/chatstates"/></message>`],
    ["no-store hinted", `<message type="chat"><body>x</body><no-store xmlns="urn:xmpp:hints"/></message>`],
    ["a carbon copy", `<message type="chat"><received xmlns="urn:xmpp:carbons:2"/></message>`],
    ["presence", `<presence/>`],
  ])("does not store %s", (_name, xml) => {
    expect(isStorableOffline(msg(xml))).toBe(false);
  });
});

describe("MucSub events (PROTOCOL §5.5)", () => {
  const event = (node: string, inner: string) =>
    msg(
      `<message from="r@conference.h"><event xmlns="http://jabber.org/protocol/pubsub#event"><items node="${node}"><item id="1">${inner}</item></items></event></message>`,
    );
  const messages = "urn:xmpp:mucsub:nodes:messages";

  it("recognises the wrapper", () => {
    expect(isMucSubEvent(event(messages, ""))).toBe(true);
    expect(isMucSubEvent(msg(`<message><body>x</body></message>`))).toBe(false);
  });

  it("keeps archived messages, edit/delete commands and subject events", () => {
    expect(isStorableMucSubEvent(event(messages, `<message xmlns="jabber:client" type="groupchat"><archived xmlns="urn:xmpp:mam:tmp" by="r" id="1"/><body>x</body></message>`))).toBe(true);
    expect(isStorableMucSubEvent(event(messages, `<message xmlns="jabber:client" type="groupchat"><body>wow</body><delete id="17"/></message>`))).toBe(true);
    expect(isStorableMucSubEvent(event(messages, `<message xmlns="jabber:client" type="groupchat"><replace id="17" text="t"/></message>`))).toBe(true);
    expect(isStorableMucSubEvent(event(messages, `<message xmlns="jabber:client" type="groupchat"><replace xmlns="urn:xmpp:message-correct:0" id="17"/></message>`))).toBe(true);
    expect(isStorableMucSubEvent(event("urn:xmpp:mucsub:nodes:subject", `<message xmlns="jabber:client" type="groupchat"><subject>s</subject></message>`))).toBe(true);
  });

  it("drops chat states, non-archived messages, XEP-0308 corrections and other nodes", () => {
    expect(isStorableMucSubEvent(event(messages, `<message xmlns="jabber:client" type="groupchat"><composing xmlns="http://jabber.org/protocol/chatstates"/></message>`))).toBe(false);
    expect(isStorableMucSubEvent(event(messages, `<message xmlns="jabber:client" type="groupchat"><stanza-id xmlns="urn:xmpp:sid:0" by="r" id="1"/><body>x</body></message>`))).toBe(false);
    expect(isStorableMucSubEvent(event(messages, `<message xmlns="jabber:client" type="groupchat"><replace xmlns="urn:xmpp:message-correct:0" id="abc"/><body>x</body></message>`))).toBe(false);
    expect(isStorableMucSubEvent(event("urn:xmpp:mucsub:nodes:presence", `<presence xmlns="jabber:client"/>`))).toBe(false);
    expect(isStorableMucSubEvent(event(messages, ""))).toBe(false);
  });
});

describe("prepareForDelivery (PROTOCOL §9.4, XEP-0203)", () => {
  it("appends the delay as the last child and addresses the session", () => {
    const stored = msg(`<message from="a@h/r" to="b@h" type="chat" id="m1"><body>hi</body><data type="call-invite"/></message>`);
    const out = prepareForDelivery(stored, "h", Date.UTC(2024, 8, 24, 14, 41, 25, 290), "b@h/phone");
    expect(serialize(out, "jabber:client")).toBe(
      `<message from="a@h/r" to="b@h/phone" type="chat" id="m1"><body>hi</body><data type="call-invite"/>` +
        `<delay xmlns="urn:xmpp:delay" from="h" stamp="2024-09-24T14:41:25.290Z"/></message>`,
    );
  });

  it("has the literal queue-full text", () => {
    expect(QUEUE_FULL_TEXT).toBe("Your contact offline message queue is full. The message has been discarded.");
  });
});
