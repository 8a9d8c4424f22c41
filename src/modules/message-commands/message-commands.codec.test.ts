import { describe, expect, it } from "vitest";
import { parseXml } from "../../xml/stream-parser.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { INVALID_MESSAGE_ID, isMessageCommand, MISSING_NEW_TEXT, parseMessageCommand } from "./message-commands.codec.js";

const ROOM = "65f0a1_lobby@conference.chat.example.com";
const msg = (inner: string, id = "x") => parseXml(`<message xmlns="jabber:client" to="${ROOM}" type="groupchat" id="${id}">${inner}</message>`);

function refusal(inner: string): string {
  try {
    parseMessageCommand(msg(inner));
  } catch (err) {
    if (err instanceof StanzaError) return `${err.type}/${err.condition}/${err.text ?? ""}`;
    throw err;
  }
  return "accepted";
}

describe("§7.1 delete recognition", () => {
  it.each([
    ["real body", '<body>wow</body><delete id="1727199609620712"/>'],
    ["empty body in another namespace", '<body xmlns="wow"/><delete id="1727199609620712"/>'],
    ["empty body", '<body/><delete id="1727199609620712"/>'],
    ["no body", '<delete id="1727199609620712"/>'],
  ])("recognises a delete with %s; the body is ignored", (_label, inner) => {
    expect(parseMessageCommand(msg(inner, "deleteMessageStanza"))).toEqual({ action: "delete", targetId: "1727199609620712" });
    expect(isMessageCommand(msg(inner))).toBe(true);
  });

  it("ignores the stanza id, a <delete> without id, and <delete> in another namespace", () => {
    expect(parseMessageCommand(msg('<delete id="12"/>', "whatever"))).toEqual({ action: "delete", targetId: "12" });
    expect(parseMessageCommand(msg("<body>hi</body><delete/>"))).toBeUndefined();
    expect(parseMessageCommand(msg('<body>hi</body><delete xmlns="urn:other" id="12"/>'))).toBeUndefined();
    expect(isMessageCommand(msg('<body>hi</body><delete xmlns="urn:other" id="12"/>'))).toBe(false);
  });

  it.each(["abc", "", "12a", "-1", "1.5", " 12"])("refuses the non-decimal id %j with modify/bad-request", (id) => {
    expect(refusal(`<delete id="${id}"/>`)).toBe(`modify/bad-request/${INVALID_MESSAGE_ID}`);
  });

  it("prefers the delete when a message carries both commands", () => {
    expect(parseMessageCommand(msg('<replace id="1" text="x"/><delete id="2"/>'))).toEqual({ action: "delete", targetId: "2" });
  });

  it("passes ordinary messages through", () => {
    expect(parseMessageCommand(msg("<body>Hello</body>"))).toBeUndefined();
    expect(isMessageCommand(msg("<body>Hello</body>"))).toBe(false);
  });
});

describe("§7.2 edit recognition", () => {
  it("takes the text attribute, else the body text", () => {
    expect(parseMessageCommand(msg('<replace id="1727199609620712" text="Hello, world"/>'))).toEqual({ action: "edit", targetId: "1727199609620712", text: "Hello, world" });
    expect(parseMessageCommand(msg('<body>new</body><replace id="5"/>'))).toEqual({ action: "edit", targetId: "5", text: "new" });
    expect(parseMessageCommand(msg('<body>body</body><replace id="5" text="attr"/>'))).toEqual({ action: "edit", targetId: "5", text: "attr" });
    // Decision: an empty attribute counts as missing.
    expect(parseMessageCommand(msg('<body>body</body><replace id="5" text=""/>'))).toEqual({ action: "edit", targetId: "5", text: "body" });
  });

  it.each([
    ["jabber:client, non-numeric id", '<replace id="abc" text="x"/>', `modify/bad-request/${INVALID_MESSAGE_ID}`],
    ["jabber:client, no text, no body", '<replace id="5"/>', `modify/bad-request/${MISSING_NEW_TEXT}`],
    ["jabber:client, empty body", '<body/><replace id="5"/>', `modify/bad-request/${MISSING_NEW_TEXT}`],
    ["legacy, numeric id, no text", '<replace xmlns="urn:xmpp:message-correct:0" id="5"/>', `modify/bad-request/${MISSING_NEW_TEXT}`],
    ["bad id checked before text", '<replace id="x"/>', `modify/bad-request/${INVALID_MESSAGE_ID}`],
  ])("%s: %s -> %s", (_label, inner, expected) => {
    expect(refusal(inner)).toBe(expected);
  });

  it("accepts the legacy namespace only with a numeric id; otherwise it is an ordinary XEP-0308 correction", () => {
    const legacy = '<body>fixed</body><replace xmlns="urn:xmpp:message-correct:0" id="1727199609620712"/>';
    expect(parseMessageCommand(msg(legacy, "replaceMessage"))).toEqual({ action: "edit", targetId: "1727199609620712", text: "fixed" });
    const standard = '<body>fixed</body><replace xmlns="urn:xmpp:message-correct:0" id="msg-42"/>';
    expect(parseMessageCommand(msg(standard))).toBeUndefined();
    expect(isMessageCommand(msg(standard))).toBe(false);
  });

  it("does not recognise a <replace> without id", () => {
    expect(parseMessageCommand(msg('<body>x</body><replace text="y"/>'))).toBeUndefined();
  });
});
