// Message delete and edit over real sockets (PROTOCOL §7.1, §7.2, §3.6 step 6): the broadcast of an applied command
// (byte level: the command as sent, a fresh non-archived stanza-id prepended), the silent outcomes, the exact errors,
// the stored changes as later MAM queries show them (room archive and MucSub copies, §5.6), offline storage of the
// command for offline subscribers, and the `room.message-command` audit hook for every outcome.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mucsubModule } from "../../src/modules/mucsub/mucsub.module.js";
import { rawSession } from "../harness/raw-session.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient, type Transport, type XmlElement } from "../harness/test-client.js";
import { iqReply, iqSet, joined, nextId } from "./muc-helpers.js";
import { isWrappedMessage, subscribe, wrapped } from "./mucsub-helpers.js";
import { archiveCount, barrier, commandProbe, deleteCommand, editCommand, errorText, NS_CORRECT, NS_SID, NS_TMP, stored } from "./message-commands-helpers.js";
import { MAM2, post, queryRoom, unwrap } from "./room-mam-helpers.js";

const SERVICE = "conference.localhost";
const ALICE = "65f0a1_alice@localhost";
const BOB = "65f0a1_bob@localhost";
let roomSeq = 0;

describe.each<Transport>(["tcp", "ws"])("message delete and edit over %s", (transport) => {
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  let erin: TestClient;
  const probe = commandProbe();
  const idle = () => server.server.modules.api(mucsubModule).idle();

  async function createRoom(options: Record<string, string> = {}): Promise<string> {
    const name = `65f0a1_cmd${++roomSeq}${Math.random().toString(36).slice(2, 6)}`;
    const reply = await server.api("create_room_with_opts", { name, service: SERVICE, options: { affiliations: `owner=${ALICE};member=${BOB}`, ...options } });
    expect(reply.status).toBe(200);
    const room = `${name}@${SERVICE}`;
    await joined(alice, `${room}/65f0a1_alice`);
    await joined(bob, `${room}/65f0a1_bob`);
    return room;
  }
  const echoOf = (c: TestClient, id: string) => c.receive((s) => s.is("message") && s.attrs.id === id && s.attrs.type !== "error");
  const bounceOf = (c: TestClient, id: string) => c.receive((s) => s.is("message") && s.attrs.id === id && s.attrs.type === "error");
  const gotAny = (c: TestClient, id: string) => c.received.some((s) => s.attrs.id === id);
  /** The entry `id` as a room MAM query returns it (§6.6), read by `reader`. */
  async function historyEntry(reader: TestClient, room: string, id: string): Promise<XmlElement | undefined> {
    const reply = await queryRoom(reader, room, { max: 250 });
    return reply.results.map((r) => unwrap(r)).find((r) => r.id === id)?.message;
  }

  beforeAll(async () => {
    server = await startTestServer({
      users: ["65f0a1_alice", "65f0a1_bob", "65f0a1_dave", "65f0a1_erin"],
      config: { auth: { mechanisms: ["PLAIN"] }, muc: { message_rate: { per_second: 1000, burst: 1000 } } },
      modules: [probe.module],
    });
    [alice, bob, erin] = await Promise.all([server.connect("65f0a1_alice", { transport }), server.connect("65f0a1_bob", { transport }), server.connect("65f0a1_erin", { transport })]);
  });
  afterAll(() => server.stop());

  it("deletes the sender's own message: the command goes out with a fresh stanza-id prepended; history shows the marks", async () => {
    const room = await createRoom();
    const { raw, jid } = await rawSession(server, transport, { user: "65f0a1_bob", resource: "raw" });
    raw.send(`<presence to="${room}/65f0a1_bob"><x xmlns="http://jabber.org/protocol/muc"/></presence>`);
    await raw.waitFor(/<subject\/>/);
    const target = await post(alice, room, "Hello");
    const count = await archiveCount(server, room);

    await alice.send(deleteCommand(room, target, "deleteMessageStanza"));
    const text = await raw.waitFor(/<message[^>]*id="deleteMessageStanza"[^>]*>.*?<\/message>/);
    const copy = /<message[^>]*id="deleteMessageStanza"[^>]*>.*?<\/message>/.exec(text)?.[0] ?? "";
    const fresh = /<stanza-id xmlns="urn:xmpp:sid:0" by="[^"]+" id="(\d+)"\/>/.exec(copy)?.[1] ?? "none";
    const head = /^<message[^>]*>/.exec(copy)?.[0] ?? "";
    for (const attr of [`from="${room}/65f0a1_alice"`, `to="${jid}"`, 'type="groupchat"', 'id="deleteMessageStanza"']) expect(head).toContain(attr);
    expect(copy.slice(head.length)).toBe(`<stanza-id xmlns="${NS_SID}" by="${room}" id="${fresh}"/><body>wow</body><delete id="${target}"/></message>`);
    expect(Number(fresh)).toBeGreaterThan(Number(target));
    raw.close();

    // The sender's own echo: same id, stamps as the others got them, no <archived>.
    const echo = await echoOf(alice, "deleteMessageStanza");
    expect(echo.getChildElements().map((c) => c.name)).toEqual(["stanza-id", "body", "delete"]);
    expect(echo.getChild("stanza-id", NS_SID)?.attrs.id).toBe(fresh);
    expect(echo.getChild("archived", NS_TMP)).toBeUndefined();

    expect(await stored(server, room, target)).toMatch(/<body>deleted<\/body><deleted timestamp="\d{13}"\/><\/message>$/);
    const entry = await historyEntry(bob, room, target);
    expect(entry?.getChildElements().map((c) => c.name)).toEqual(["archived", "stanza-id", "body", "deleted"]);
    expect(entry?.getChildText("body")).toBe("deleted");
    expect(entry?.getChild("deleted")?.attrs.timestamp).toMatch(/^\d{13}$/);
    // Never archived as a message (§3.8), and the fresh id names no entry.
    expect(await archiveCount(server, room)).toBe(count);
    expect(await stored(server, room, fresh)).toBeUndefined();

    const audit = await probe.next(target, ALICE);
    expect([audit.action, audit.outcome, audit.room.bareString, audit.targetAuthor?.bareString, audit.oldBody, audit.newBody]).toEqual(["delete", "applied", room, ALICE, undefined, undefined]);
    expect(audit.updated?.stanza.getChildText("body")).toBe("deleted");
    expect(audit.updated?.nick).toBe("65f0a1_alice");
  });

  it("deleting an already deleted message is applied again and keeps the first <deleted>", async () => {
    const room = await createRoom();
    const target = await post(alice, room, "twice");
    await alice.send(deleteCommand(room, target, "del-1"));
    await echoOf(bob, "del-1");
    const first = await stored(server, room, target);
    await alice.send(deleteCommand(room, target, "del-2", null));
    const second = await echoOf(bob, "del-2");
    expect(second.getChildElements().map((c) => c.name)).toEqual(["stanza-id", "delete"]);
    expect(await stored(server, room, target)).toBe(first);
    expect((await probe.next(target, ALICE)).outcome).toBe("applied");
    expect((await probe.next(target, ALICE)).outcome).toBe("applied");
  });

  it("leaves someone else's message alone: no error, no broadcast, audited as denied", async () => {
    const room = await createRoom();
    const target = await post(alice, room, "mine");
    const before = await stored(server, room, target);
    const id = nextId("del");
    await bob.send(deleteCommand(room, target, id));
    const audit = await probe.next(target, BOB);
    expect([audit.outcome, audit.targetAuthor?.bareString, audit.updated]).toEqual(["denied", ALICE, undefined]);
    await barrier(room, bob, alice);
    expect(gotAny(bob, id) || gotAny(alice, id)).toBe(false);
    expect(await stored(server, room, target)).toBe(before);
  });

  it("ignores an unknown id silently (not_found, no author)", async () => {
    const room = await createRoom();
    const id = nextId("del");
    await alice.send(deleteCommand(room, "1000000000000001", id));
    const audit = await probe.next("1000000000000001", ALICE);
    expect([audit.outcome, audit.targetAuthor]).toEqual(["not_found", undefined]);
    await barrier(room, alice, bob);
    expect(gotAny(alice, id) || gotAny(bob, id)).toBe(false);
  });

  it.each([
    ["a non-decimal delete id", (room: string, id: string) => deleteCommand(room, "abc", id), "modify/bad-request/Invalid message id"],
    ["a non-numeric jabber:client replace id", (room: string, id: string) => editCommand(room, "msg-1", "x", id), "modify/bad-request/Invalid message id"],
    ["an edit without text or body", (room: string, id: string) => editCommand(room, "1727199609620712", undefined, id), "modify/bad-request/Missing new text"],
  ])("bounces %s with the original children and the §7 text, and changes nothing", async (_label, build, expected) => {
    const room = await createRoom();
    const target = await post(alice, room, "untouched");
    const count = await archiveCount(server, room);
    const audits = probe.log.length;
    const id = nextId("bad");
    const command = build(room, id);
    await alice.send(command);
    const bounce = await bounceOf(alice, id);
    expect(errorText(bounce)).toBe(expected);
    expect(bounce.attrs.from).toBe(room);
    expect(bounce.getChildElements().map((c) => c.name)).toEqual([...command.getChildElements().map((c) => c.name), "error"]);
    await barrier(room, alice, bob);
    expect(gotAny(bob, id)).toBe(false);
    expect(probe.log.length).toBe(audits);
    expect(await archiveCount(server, room)).toBe(count);
    expect(await stored(server, room, target)).toContain("<body>untouched</body>");
  });

  it("edits the sender's own message; a second edit keeps one <replaced> with the newer timestamp", async () => {
    const room = await createRoom();
    const target = await post(alice, room, "Hello");
    const count = await archiveCount(server, room);
    const id = "edit-message-1727199800000";
    await alice.send(editCommand(room, target, "Hello, world", id));
    const copy = await echoOf(bob, id);
    expect(copy.attrs.from).toBe(`${room}/65f0a1_alice`);
    expect(copy.getChildElements().map((c) => `${c.name} ${c.attrs.id ?? ""}`)).toEqual([`stanza-id ${copy.getChild("stanza-id", NS_SID)?.attrs.id}`, `replace ${target}`]);
    const audit = await probe.next(target, ALICE);
    expect([audit.action, audit.outcome, audit.oldBody, audit.newBody]).toEqual(["edit", "applied", "Hello", "Hello, world"]);
    const once = await historyEntry(bob, room, target);
    expect(once?.getChildText("body")).toBe("Hello, world");
    const firstStamp = Number(once?.getChild("replaced")?.attrs.timestamp);

    // The new text from the body this time.
    await alice.send(editCommand(room, target, undefined, "edit-2", xml("body", {}, "Third")));
    await echoOf(bob, "edit-2");
    const twice = await historyEntry(bob, room, target);
    expect(twice?.getChildElements().map((c) => c.name)).toEqual(["archived", "stanza-id", "body", "replaced"]);
    expect(twice?.getChildText("body")).toBe("Third");
    expect(Number(twice?.getChild("replaced")?.attrs.timestamp)).toBeGreaterThanOrEqual(firstStamp);
    expect((await probe.next(target, ALICE)).oldBody).toBe("Hello, world");
    expect(await archiveCount(server, room)).toBe(count);
  });

  it("does not edit someone else's message (denied), a deleted one (not_found) or a body-less one (invalid), silently", async () => {
    const room = await createRoom();
    const others = await post(alice, room, "alice's");
    const gone = await post(bob, room, "soon gone");
    await bob.send(deleteCommand(room, gone, "del-gone"));
    await echoOf(bob, "del-gone");
    await probe.next(gone, BOB);
    const reactionId = nextId("react");
    await bob.send(xml("message", { to: room, type: "groupchat", id: reactionId }, xml("reactions", { xmlns: "urn:xmpp:reactions:0", id: others }, xml("reaction", {}, "👍")), xml("store", { xmlns: "urn:xmpp:hints" })));
    const reaction = (await echoOf(bob, reactionId)).getChild("stanza-id", NS_SID)?.attrs.id as string;
    const before = await Promise.all([others, gone, reaction].map((t) => stored(server, room, t)));

    const cases: [string, string][] = [[others, "denied"], [gone, "not_found"], [reaction, "invalid"]];
    for (const [target, expected] of cases) {
      const id = nextId("edit");
      await bob.send(editCommand(room, target, "changed", id));
      const audit = await probe.next(target, BOB);
      expect([target, audit.outcome]).toEqual([target, expected]);
      expect(audit.targetAuthor?.bareString).toBe(expected === "not_found" ? undefined : expected === "denied" ? ALICE : BOB);
      await barrier(room, bob, alice);
      expect(gotAny(alice, id) || gotAny(bob, id)).toBe(false);
    }
    expect(await Promise.all([others, gone, reaction].map((t) => stored(server, room, t)))).toEqual(before);
  });

  it("takes a numeric urn:xmpp:message-correct:0 <replace> as an edit, a non-numeric one as an ordinary message", async () => {
    const room = await createRoom();
    const target = await post(alice, room, "tpyo");
    const count = await archiveCount(server, room);
    await alice.send(xml("message", { to: room, type: "groupchat", id: "replaceMessage" }, xml("body", {}, "typo"), xml("replace", { xmlns: NS_CORRECT, id: target })));
    const edit = await echoOf(bob, "replaceMessage");
    expect(edit.getChild("archived", NS_TMP)).toBeUndefined();
    expect(edit.getChild("replace", NS_CORRECT)?.attrs.id).toBe(target);
    expect(await stored(server, room, target)).toMatch(/<body>typo<\/body><replaced timestamp="\d+"\/><\/message>$/);
    expect(await archiveCount(server, room)).toBe(count);

    const audits = probe.log.length;
    const id = nextId("xep0308");
    await alice.send(xml("message", { to: room, type: "groupchat", id }, xml("body", {}, "corrected"), xml("replace", { xmlns: NS_CORRECT, id: "send-text-message-1" })));
    const ordinary = await echoOf(bob, id);
    const archivedId = ordinary.getChild("archived", NS_TMP)?.attrs.id as string;
    expect(archivedId).toBe(ordinary.getChild("stanza-id", NS_SID)?.attrs.id);
    expect(await stored(server, room, archivedId)).toContain("<body>corrected</body>");
    expect(await archiveCount(server, room)).toBe(count + 1);
    expect(probe.log.length).toBe(audits);
  });

  it("finds a message deleted right behind its sending (write-behind archive, ADR 0002)", async () => {
    const room = await createRoom();
    const id = nextId("fast");
    // The delete goes out as soon as the echo tells the id, typically before the writer's 5 ms batch is written.
    await alice.send(xml("message", { to: room, type: "groupchat", id }, xml("body", {}, "quick")));
    const target = (await echoOf(alice, id)).getChild("stanza-id", NS_SID)?.attrs.id as string;
    await alice.send(deleteCommand(room, target, "fast-del"));
    await echoOf(alice, "fast-del");
    expect((await probe.next(target, ALICE)).outcome).toBe("applied");
  });

  it("MucSub: subscribers get the command wrapped or stored offline, and their archive copies change too (§5.5, §5.6)", async () => {
    const room = await createRoom();
    expect((await subscribe(erin, room)).attrs.type).toBe("result");
    expect((await server.api("subscribe_room", { user: "65f0a1_dave@localhost", nick: "65f0a1_dave", room, nodes: "messages" })).status).toBe(200);
    const target = await post(alice, room, "For subscribers");
    await erin.receive((s) => wrapped(s)?.getChild("stanza-id", NS_SID)?.attrs.id === target);

    await alice.send(deleteCommand(room, target, "del-sub"));
    const wrapper = await erin.receive(isWrappedMessage("del-sub"));
    const inner = wrapped(wrapper) as XmlElement;
    const fresh = inner.getChild("stanza-id", NS_SID)?.attrs.id as string;
    expect(wrapper.attrs.id).toBe(fresh);
    expect(inner.getChildElements().map((c) => c.name)).toEqual(["stanza-id", "body", "delete"]);
    await idle();

    for (const user of ["65f0a1_erin@localhost", "65f0a1_dave@localhost"]) {
      expect(await stored(server, user, target)).toMatch(/<body>deleted<\/body><deleted timestamp="\d+"\/><\/message><\/item>/);
      expect(await stored(server, user, fresh)).toBeUndefined();
    }
    // dave was offline: the original and the command wait in his queue; his own archive query shows the marks.
    const dave = await server.connect("65f0a1_dave", { transport });
    const offlineCommand = await dave.receive(isWrappedMessage("del-sub"));
    expect(wrapped(offlineCommand)?.getChild("delete")?.attrs.id).toBe(target);
    const queryid = nextId("q");
    const fin = await iqReply(dave, iqSet("65f0a1_dave@localhost", xml("query", { xmlns: MAM2, queryid })));
    expect(fin.attrs.type).toBe("result");
    const results = dave.received.filter((s) => s.getChild("result", MAM2)?.attrs.queryid === queryid);
    expect(results.map((r) => unwrap(r).id)).toEqual([target]);
    const copy = wrapped(unwrap(results[0] as XmlElement).message);
    expect(copy?.getChildText("body")).toBe("deleted");
    expect(copy?.getChild("deleted")?.attrs.timestamp).toMatch(/^\d+$/);
  });
});
