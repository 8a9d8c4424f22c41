import { describe, expect, it } from "vitest";
import type { HistoryAccess, RoomMessageCommand } from "../../core/hook-map.js";
import { parseXml } from "../../xml/stream-parser.js";
import { parseJid } from "../../xmpp/jid.js";
import { archiveFields, auditFields, historyFields, lastMessageFields, memberFields } from "./webhooks.fields.js";

const ROOM = parseJid("65f0a1_lobby@conference.chat.example.com");
const ALICE = parseJid("65f0a1_alice@chat.example.com");
const STORED =
  '<message from="65f0a1_lobby@conference.chat.example.com/65f0a1_alice" type="groupchat" id="send-text-message-0b9e">' +
  '<archived xmlns="urn:xmpp:mam:tmp" by="65f0a1_lobby@conference.chat.example.com" id="1727199609620712"/>' +
  '<stanza-id xmlns="urn:xmpp:sid:0" by="65f0a1_lobby@conference.chat.example.com" id="1727199609620712"/>' +
  '<data senderFirstName="Alice" senderLastName="Smith"/><body>Hello</body></message>';
const stanza = (xml: string) => parseXml(xml.replace("<message ", '<message xmlns="jabber:client" '));

describe("§7.9 event fields, in the order of the examples", () => {
  it("member.join / member.exit", () => {
    const f = memberFields({ room: ROOM, user: parseJid("65f0a1_bob@chat.example.com"), affiliation: "member", subscribed: true, reason: "affiliation" });
    expect(Object.entries(f)).toEqual([
      ["appId", "65f0a1"],
      ["room", "65f0a1_lobby@conference.chat.example.com"],
      ["chatName", "65f0a1_lobby"],
      ["user", "65f0a1_bob@chat.example.com"],
      ["xmppUsername", "65f0a1_bob"],
      ["affiliation", "member"],
      ["subscribed", true],
      ["reason", "affiliation"],
    ]);
    expect(memberFields({ room: parseJid("lobby@conference.x"), user: parseJid("bob@x"), affiliation: "none", subscribed: false, reason: "destroy" })["appId"]).toBeNull();
  });

  it("message.last and message.archive (create)", () => {
    const m = { room: ROOM, from: ALICE.withResource("res1"), nick: "65f0a1_alice", stanza: stanza(STORED), stanzaId: "1727199609620712" };
    expect(lastMessageFields(m)).toEqual({
      appId: "65f0a1",
      room: "65f0a1_lobby@conference.chat.example.com",
      chatName: "65f0a1_lobby",
      from: "65f0a1_alice@chat.example.com",
      nick: "65f0a1_alice",
      messageId: "send-text-message-0b9e",
      stanzaId: "1727199609620712",
      messageTs: 1727199609620,
    });
    const a = archiveFields("create", m);
    expect(Object.keys(a)).toEqual(["action", "appId", "room", "chatName", "from", "nick", "messageId", "stanzaId", "messageTs", "body", "data", "translations", "isReaction", "editedAt", "deletedAt", "xml"]);
    expect(a).toMatchObject({ action: "create", body: "Hello", data: { senderFirstName: "Alice", senderLastName: "Smith" }, translations: null, isReaction: false, editedAt: null, deletedAt: null });
    expect(a["xml"]).toBe(STORED);
  });

  it("message.archive (edit, delete) takes the times from the markers, else the command time", () => {
    const edited = stanza(STORED.replace("<body>Hello</body>", '<body>Hi</body><replaced timestamp="1727199800000"/>'));
    const e = archiveFields("edit", { room: ROOM, from: ALICE, nick: "65f0a1_alice", stanza: edited, stanzaId: "1727199609620712" }, 1727199800001);
    expect(e).toMatchObject({ action: "edit", body: "Hi", editedAt: 1727199800000, deletedAt: null });
    const deleted = stanza(STORED.replace("<body>Hello</body>", "<body>deleted</body>"));
    const d = archiveFields("delete", { room: ROOM, from: ALICE, nick: "65f0a1_alice", stanza: deleted, stanzaId: "1727199609620712" }, 1727199711000);
    expect(d).toMatchObject({ action: "delete", body: "deleted", editedAt: null, deletedAt: 1727199711000 });
  });

  const access: HistoryAccess = {
    outcome: "completed",
    requester: ALICE.withResource("r"),
    archive: ROOM,
    archiveType: "room",
    queryId: "get-history:1717000000000:a1b2c3",
    max: 30,
    before: "",
    after: undefined,
    returned: 30,
    count: 442,
    complete: false,
    error: undefined,
  };

  it("history.access (completed)", () => {
    expect(Object.entries(historyFields(access))).toEqual([
      ["outcome", "completed"],
      ["requester", "65f0a1_alice@chat.example.com"],
      ["archive", "65f0a1_lobby@conference.chat.example.com"],
      ["archiveType", "room"],
      ["appId", "65f0a1"],
      ["queryid", "get-history:1717000000000:a1b2c3"],
      ["max", 30],
      ["before", ""],
      ["after", null],
      ["returned", 30],
      ["count", 442],
      ["complete", false],
    ]);
  });

  it("history.access (refused) adds the error last", () => {
    const refused: HistoryAccess = { ...access, outcome: "refused", queryId: undefined, max: undefined, before: undefined, returned: 0, count: undefined, complete: undefined, error: { condition: "forbidden", text: "Only members may query archives of this room" } };
    const f = historyFields(refused);
    expect(Object.keys(f)).toEqual(["outcome", "requester", "archive", "archiveType", "appId", "queryid", "max", "before", "after", "returned", "count", "complete", "error"]);
    expect(f).toMatchObject({ queryid: null, max: null, before: null, returned: 0, count: null, complete: null, error: { condition: "forbidden", text: "Only members may query archives of this room" } });
  });

  const command: RoomMessageCommand = {
    action: "delete",
    outcome: "denied",
    room: ROOM,
    actor: parseJid("65f0a1_bob@chat.example.com"),
    targetStanzaId: "1727199609620712",
    targetAuthor: ALICE,
    oldBody: "Hello",
    newBody: "x",
    updated: undefined,
  };

  it.each([
    ["delete denied", command, { targetAuthor: "65f0a1_alice@chat.example.com", oldBody: null, newBody: null }],
    ["delete not_found", { ...command, outcome: "not_found" as const, targetAuthor: undefined }, { targetAuthor: null, oldBody: null, newBody: null }],
    ["edit applied", { ...command, action: "edit" as const, outcome: "applied" as const }, { oldBody: "Hello", newBody: "x" }],
    ["edit invalid", { ...command, action: "edit" as const, outcome: "invalid" as const }, { oldBody: null, newBody: null }],
  ])("message.audit (%s)", (_name, c, expected) => {
    const f = auditFields(c);
    expect(Object.keys(f)).toEqual(["action", "outcome", "appId", "room", "chatName", "actor", "targetStanzaId", "targetAuthor", "oldBody", "newBody"]);
    expect(f).toMatchObject({ action: c.action, outcome: c.outcome, appId: "65f0a1", chatName: "65f0a1_lobby", actor: "65f0a1_bob@chat.example.com", ...expected });
  });
});
