// Backend webhooks for room messages, commands and history (PROTOCOL §7.9, §3.8, §6.8, §7.1, §7.2): message.last and
// message.archive (create) for archived-class room messages only, message.audit and message.archive (edit/delete)
// from `room.message-command`, history.access for room and user archive queries, completed and refused; each read
// from a real HTTP receiver.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RoomMessageCommand } from "../../src/core/hook-map.js";
import { defineModule } from "../../src/core/module.js";
import { parseXml } from "../../src/xml/stream-parser.js";
import { parseJid } from "../../src/xmpp/jid.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient, type XmlElement } from "../harness/test-client.js";
import { groupchat, joined, nextId } from "./muc-helpers.js";
import { deleteCommand, editCommand } from "./message-commands-helpers.js";
import { post, queryRoom, rsmOf } from "./room-mam-helpers.js";
import { ARCHIVE_SECRET, expectedSignature, hooksConfig, isEvent, startReceiver, WEBHOOK_SECRET, type Receiver } from "./webhooks-helpers.js";

const SERVICE = "conference.localhost";
const ALICE = "65f0a1_alice@localhost";
const BOB = "65f0a1_bob@localhost";
const ENVELOPE = ["id", "event", "ts", "host"];
const HEAD = ["appId", "room", "chatName", "from", "nick", "messageId", "stanzaId", "messageTs"];
const HISTORY_KEYS = [...ENVELOPE, "outcome", "requester", "archive", "archiveType", "appId", "queryid", "max", "before", "after", "returned", "count", "complete"];
let seq = 0;

let emitCommand: ((c: RoomMessageCommand) => Promise<unknown>) | undefined;
const commandProbe = defineModule<void>({
  name: "webhooks-test-commands",
  setup(ctx) {
    emitCommand = (c) => ctx.hooks.run("room.message-command", c);
  },
});

const stanzaIdOf = (s: XmlElement, by: string) => s.getChildren("stanza-id", "urn:xmpp:sid:0").find((c) => c.attrs.by === by)?.attrs.id as string;

describe("message, command and history webhooks (§7.9)", () => {
  let receiver: Receiver;
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  let dave: TestClient;

  async function createRoom(options: Record<string, unknown> = {}): Promise<string> {
    const name = `65f0a1_msg${++seq}${Math.random().toString(36).slice(2, 6)}`;
    expect((await server.api("create_room_with_opts", { name, service: SERVICE, options: { affiliations: `owner=${ALICE}`, ...options } })).status).toBe(200);
    return `${name}@${SERVICE}`;
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer({
      users: ["admin", "65f0a1_alice", "65f0a1_bob", "65f0a1_dave"],
      config: { auth: { mechanisms: ["PLAIN"] }, ...hooksConfig(receiver) },
      modules: [commandProbe],
    });
    [alice, bob, dave] = await Promise.all([server.connect("65f0a1_alice"), server.connect("65f0a1_bob", { transport: "ws" }), server.connect("65f0a1_dave")]);
  });
  afterAll(async () => {
    await server.stop();
    await receiver.close();
  });

  it.each(["tcp", "ws"] as const)("an archived text message → message.last and message.archive (create) over %s", async (transport) => {
    const room = await createRoom();
    const client = await server.connect("65f0a1_alice", { transport, resource: `m-${transport}` });
    await joined(client, `${room}/65f0a1_alice`);
    const id = nextId("send-text-message");
    const translations = '{"translates":[{"lang":"de","translatedText":"Hallo","languageName":"German"}]}';
    await client.send(groupchat(room, "Hello", id, xml("data", { senderFirstName: "Alice", senderLastName: "Smith" }), xml("translations", { value: translations })));
    const echo = await client.receive((s) => s.is("message") && s.attrs.id === id);
    const stanzaId = stanzaIdOf(echo, room);

    const last = await receiver.wait(isEvent("message.last", { room, messageId: id }));
    expect(Object.keys(last.body)).toEqual([...ENVELOPE, ...HEAD]);
    const head = { appId: "65f0a1", room, chatName: room.split("@")[0], from: ALICE, nick: "65f0a1_alice", messageId: id, stanzaId, messageTs: Math.floor(Number(stanzaId) / 1000) };
    expect(last.body).toMatchObject({ event: "message.last", host: "localhost", ...head });
    expect(last.path).toBe("/v1/chats/track-last-message");
    expect(last.headers["x-webhook-signature"]).toBe(expectedSignature(WEBHOOK_SECRET, last.raw));

    const archive = await receiver.wait(isEvent("message.archive", { room, messageId: id }));
    expect(Object.keys(archive.body)).toEqual([...ENVELOPE, "action", ...HEAD, "body", "data", "translations", "isReaction", "editedAt", "deletedAt", "xml"]);
    expect(archive.body).toMatchObject({
      action: "create",
      ...head,
      body: "Hello",
      data: { senderFirstName: "Alice", senderLastName: "Smith" },
      translations: JSON.parse(translations) as unknown,
      isReaction: false,
      editedAt: null,
      deletedAt: null,
    });
    const stamps = `<archived xmlns="urn:xmpp:mam:tmp" by="${room}" id="${stanzaId}"/><stanza-id xmlns="urn:xmpp:sid:0" by="${room}" id="${stanzaId}"/>`;
    expect(archive.body["xml"]).toBe(
      `<message from="${room}/65f0a1_alice" type="groupchat" id="${id}">${stamps}<body>Hello</body>` +
        `<data senderFirstName="Alice" senderLastName="Smith"/><translations value="${translations.replaceAll('"', "&quot;")}"/></message>`,
    );
    // archive_message has its own secret (§7.9 "Secret").
    expect(archive.path).toBe("/v1/chats/archive-message");
    expect(archive.headers["x-webhook-secret"]).toBe(ARCHIVE_SECRET);
    expect(archive.headers["x-webhook-signature"]).toBe(expectedSignature(ARCHIVE_SECRET, archive.raw));
  });

  it("a reaction → message.archive only; chat states, no-store and body-less messages → nothing (§3.8)", async () => {
    const room = await createRoom();
    await joined(alice, `${room}/65f0a1_alice`);
    const target = await post(alice, room, "react to me");
    const reaction = nextId("reaction");
    const store = xml("store", { xmlns: "urn:xmpp:hints" });
    await alice.send(xml("message", { to: room, type: "groupchat", id: reaction }, xml("reactions", { xmlns: "urn:xmpp:reactions:0", id: target }, xml("reaction", {}, "👍")), store));
    const silent = [nextId("state"), nextId("nostore"), nextId("dataonly")];
    await alice.send(xml("message", { to: room, type: "groupchat", id: silent[0] }, xml("composing", { xmlns: "http://jabber.org/protocol/chatstates" })));
    await alice.send(groupchat(room, "secret", silent[1], xml("no-store", { xmlns: "urn:xmpp:hints" })));
    await alice.send(xml("message", { to: room, type: "groupchat", id: silent[2] }, xml("data", { senderFirstName: "Alice" })));
    const sentinel = await post(alice, room, "sentinel");

    const r = await receiver.wait(isEvent("message.archive", { room, messageId: reaction }));
    expect(r.body).toMatchObject({ action: "create", body: null, isReaction: true, data: {}, translations: null });
    await receiver.wait(isEvent("message.last", { room, stanzaId: sentinel }));
    await receiver.wait(isEvent("message.archive", { room, stanzaId: sentinel }));
    expect(receiver.requests.filter(isEvent("message.last", { room, messageId: reaction }))).toEqual([]);
    expect(receiver.requests.filter((q) => q.body["room"] === room && silent.includes(q.body["messageId"] as string))).toEqual([]);
  });

  it("a room with mam off still fires, with the plain stanza-id as stanzaId (§3.8)", async () => {
    const room = await createRoom({ mam: "false" });
    await joined(alice, `${room}/65f0a1_alice`);
    const id = nextId("nomam");
    await alice.send(groupchat(room, "unarchived", id));
    const echo = await alice.receive((s) => s.is("message") && s.attrs.id === id);
    expect(echo.getChild("archived", "urn:xmpp:mam:tmp")).toBeUndefined();
    const last = await receiver.wait(isEvent("message.last", { room, messageId: id }));
    expect(last.body["stanzaId"]).toBe(stanzaIdOf(echo, room));
    await receiver.wait(isEvent("message.archive", { room, messageId: id }));
  });

  it("room archive queries → history.access completed and refused (§6.8)", async () => {
    const room = await createRoom({ members_only: "true" });
    await joined(alice, `${room}/65f0a1_alice`);
    await post(alice, room, "one");
    await post(alice, room, "two");
    const queryid = `get-history:${Date.now()}:a1b2c3`;
    const reply = await queryRoom(alice, room, { max: 5, before: "", queryid });
    expect(reply.iq.attrs.type).toBe("result");
    const done = await receiver.wait(isEvent("history.access", { archive: room, queryid }));
    expect(Object.keys(done.body)).toEqual(HISTORY_KEYS);
    expect(done.body).toMatchObject({ outcome: "completed", requester: ALICE, archiveType: "room", appId: "65f0a1", max: 5, before: "", after: null, returned: 2, count: 2, complete: true });
    expect(done.path).toBe("/v1/chats/history-access");

    const denied = await queryRoom(dave, room, { max: 30, before: "", queryid: "refused-1" });
    expect(denied.iq.attrs.type).toBe("error");
    const refused = await receiver.wait(isEvent("history.access", { archive: room, queryid: "refused-1" }));
    expect(Object.keys(refused.body)).toEqual([...HISTORY_KEYS, "error"]);
    expect(refused.body).toMatchObject({
      outcome: "refused",
      requester: "65f0a1_dave@localhost",
      archiveType: "room",
      max: 30,
      before: "",
      after: null,
      returned: 0,
      count: null,
      complete: null,
      error: { condition: "forbidden", text: "Only members may query archives of this room" },
    });
  });

  it("user archive queries → history.access completed and refused (§6.4, §6.8)", async () => {
    const id = nextId("chat");
    await bob.send(xml("message", { to: ALICE, type: "chat", id }, xml("body", {}, "hi alice")));
    await alice.receive((s) => s.is("message") && s.attrs.id === id);
    const queryid = nextId("uq");
    const reply = await queryRoom(alice, ALICE, { max: 100, after: "1", queryid });
    expect(reply.iq.attrs.type).toBe("result");
    const done = await receiver.wait(isEvent("history.access", { archive: ALICE, queryid }));
    expect(Object.keys(done.body)).toEqual(HISTORY_KEYS);
    const rsm = rsmOf(reply.fin);
    expect(done.body).toMatchObject({ outcome: "completed", requester: ALICE, archiveType: "user", appId: "65f0a1", max: 100, before: null, after: "1", returned: reply.results.length, count: Number(rsm.count), complete: rsm.complete === "true" });
    expect(reply.results.length).toBeGreaterThan(0);

    // Another user's archive: forbidden; a non-numeric RSM id: bad-request.
    expect((await queryRoom(alice, BOB, { queryid: "peek" })).iq.attrs.type).toBe("error");
    const peek = await receiver.wait(isEvent("history.access", { queryid: "peek" }));
    expect(peek.body).toMatchObject({ outcome: "refused", requester: ALICE, archive: BOB, archiveType: "user", max: null, before: null, after: null, returned: 0, count: null, complete: null, error: { condition: "forbidden", text: null } });
    expect((await queryRoom(bob, BOB, { after: "abc", queryid: "bad-after" })).iq.attrs.type).toBe("error");
    const bad = await receiver.wait(isEvent("history.access", { queryid: "bad-after" }));
    expect(bad.body).toMatchObject({ outcome: "refused", requester: BOB, archive: BOB, after: "abc", error: { condition: "bad-request" } });
  });

  it.each(["tcp", "ws"] as const)("real delete/edit commands over %s → message.audit and message.archive (§7.1, §7.2)", async (transport) => {
    const room = await createRoom();
    const owner = await server.connect("65f0a1_alice", { transport, resource: `cmd-${transport}` });
    const other = await server.connect("65f0a1_bob", { transport, resource: `cmd-${transport}` });
    await joined(owner, `${room}/65f0a1_alice`);
    await joined(other, `${room}/65f0a1_bob`);
    const first = await post(owner, room, "Hello");
    const second = await post(owner, room, "typo");

    await other.send(deleteCommand(room, first));
    const denied = await receiver.wait(isEvent("message.audit", { room, targetStanzaId: first, outcome: "denied" }));
    expect(denied.body).toMatchObject({ action: "delete", actor: BOB, targetAuthor: ALICE, oldBody: null, newBody: null });
    await owner.send(deleteCommand(room, "1"));
    const missing = await receiver.wait(isEvent("message.audit", { room, targetStanzaId: "1" }));
    expect(missing.body).toMatchObject({ action: "delete", outcome: "not_found", actor: ALICE, targetAuthor: null });

    await owner.send(deleteCommand(room, first));
    const deleted = await receiver.wait(isEvent("message.archive", { room, stanzaId: first, action: "delete" }));
    expect(deleted.body).toMatchObject({ from: ALICE, nick: "65f0a1_alice", body: "deleted", editedAt: null, messageTs: Math.floor(Number(first) / 1000) });
    expect(typeof deleted.body["deletedAt"]).toBe("number");
    expect(deleted.body["xml"]).toContain(`<deleted timestamp="${String(deleted.body["deletedAt"])}"/>`);
    await receiver.wait(isEvent("message.audit", { room, targetStanzaId: first, outcome: "applied", actor: ALICE }));

    await owner.send(editCommand(room, second, "fixed"));
    const edited = await receiver.wait(isEvent("message.audit", { room, targetStanzaId: second, outcome: "applied" }));
    expect(edited.body).toMatchObject({ action: "edit", oldBody: "typo", newBody: "fixed", targetAuthor: ALICE });
    const archived = await receiver.wait(isEvent("message.archive", { room, stanzaId: second, action: "edit" }));
    expect(archived.body).toMatchObject({ body: "fixed", deletedAt: null });
    expect(typeof archived.body["editedAt"]).toBe("number");
    // Commands are never archived as messages (§3.8): the only create/last events are those of the two posts.
    const ofRoom = (event: string) => receiver.requests.filter((q) => q.body["room"] === room && q.body["event"] === event);
    expect(ofRoom("message.last").map((q) => q.body["stanzaId"]).sort()).toEqual([first, second].sort());
    expect(ofRoom("message.archive").filter((q) => q.body["action"] === "create").map((q) => q.body["stanzaId"]).sort()).toEqual([first, second].sort());
  });

  const ROOM = `65f0a1_lobby@${SERVICE}`;
  const stored = (tail: string) =>
    parseXml(
      `<message xmlns="jabber:client" from="${ROOM}/65f0a1_alice" type="groupchat" id="send-text-message-0b9e">` +
        `<archived xmlns="urn:xmpp:mam:tmp" by="${ROOM}" id="1727199609620712"/><stanza-id xmlns="urn:xmpp:sid:0" by="${ROOM}" id="1727199609620712"/>` +
        `<data senderFirstName="Alice" senderLastName="Smith"/>${tail}</message>`,
    );
  const command = (c: Partial<RoomMessageCommand>): RoomMessageCommand => ({
    action: "delete",
    outcome: "applied",
    room: parseJid(ROOM),
    actor: parseJid(ALICE),
    targetStanzaId: "1727199609620712",
    targetAuthor: parseJid(ALICE),
    oldBody: undefined,
    newBody: undefined,
    updated: undefined,
    ...c,
  });
  const AUDIT_KEYS = [...ENVELOPE, "action", "outcome", "appId", "room", "chatName", "actor", "targetStanzaId", "targetAuthor", "oldBody", "newBody"];

  it("an applied delete → message.audit and message.archive (delete) with the updated body and deletedAt (§7.1)", async () => {
    const at = 1727199711000;
    await emitCommand?.(command({ updated: { stanza: stored(`<body>deleted</body><deleted timestamp="${at}"/>`), nick: "65f0a1_alice", at } }));
    const audit = await receiver.wait(isEvent("message.audit", { action: "delete", outcome: "applied", room: ROOM }));
    expect(Object.keys(audit.body)).toEqual(AUDIT_KEYS);
    expect(audit.body).toMatchObject({ appId: "65f0a1", chatName: "65f0a1_lobby", actor: ALICE, targetStanzaId: "1727199609620712", targetAuthor: ALICE, oldBody: null, newBody: null });
    expect(audit.path).toBe("/v1/chats/message-audit");
    const archive = await receiver.wait(isEvent("message.archive", { action: "delete", room: ROOM }));
    expect(archive.body).toMatchObject({ from: ALICE, nick: "65f0a1_alice", messageId: "send-text-message-0b9e", stanzaId: "1727199609620712", messageTs: 1727199609620, body: "deleted", editedAt: null, deletedAt: at });
    expect(archive.body["xml"]).toContain(`<body>deleted</body><deleted timestamp="${at}"/></message>`);
  });

  it("edits: applied → audit with bodies and message.archive (edit); denied and not_found → audit only (§7.2)", async () => {
    const at = 1727199800000;
    const edit = { action: "edit" as const, targetStanzaId: "1727199609620999" };
    await emitCommand?.(command({ ...edit, outcome: "not_found", targetAuthor: undefined, actor: parseJid(BOB) }));
    await emitCommand?.(command({ ...edit, outcome: "denied", actor: parseJid(BOB) }));
    await emitCommand?.(command({ ...edit, oldBody: "Hello", newBody: "Hello, world", updated: { stanza: stored(`<body>Hello, world</body><replaced timestamp="${at}"/>`), nick: "65f0a1_alice", at } }));
    const notFound = await receiver.wait(isEvent("message.audit", { action: "edit", outcome: "not_found", targetStanzaId: edit.targetStanzaId }));
    expect(notFound.body).toMatchObject({ actor: BOB, targetAuthor: null, oldBody: null, newBody: null });
    const denied = await receiver.wait(isEvent("message.audit", { action: "edit", outcome: "denied", targetStanzaId: edit.targetStanzaId }));
    expect(denied.body).toMatchObject({ actor: BOB, targetAuthor: ALICE, oldBody: null, newBody: null });
    const applied = await receiver.wait(isEvent("message.audit", { action: "edit", outcome: "applied", targetStanzaId: edit.targetStanzaId }));
    expect(applied.body).toMatchObject({ actor: ALICE, oldBody: "Hello", newBody: "Hello, world" });
    const archive = await receiver.wait(isEvent("message.archive", { action: "edit", stanzaId: edit.targetStanzaId }));
    expect(archive.body).toMatchObject({ body: "Hello, world", editedAt: at, deletedAt: null, isReaction: false });
    expect(receiver.requests.filter(isEvent("message.archive", { stanzaId: edit.targetStanzaId }))).toHaveLength(1);
  });
});
