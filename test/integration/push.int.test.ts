// The offline push webhook over real sockets and a real HTTP receiver (PROTOCOL §7.8, §7.12), over TCP and
// WebSocket: 1:1 and room pushes with their exact form fields, call signalling to the VoIP URL, a full offline
// queue, a session that ends with unacknowledged messages (§2.11), the exclusions, and mutes.
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineModule } from "../../src/core/module.js";
import { BlockListName, blockingModule } from "../../src/modules/blocking/blocking.module.js";
import { mamModule } from "../../src/modules/mam/mam.module.js";
import { mucsubModule } from "../../src/modules/mucsub/mucsub.module.js";
import type { Database } from "../../src/storage/database.js";
import { parseJid } from "../../src/xmpp/jid.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient, type XmlElement } from "../harness/test-client.js";
import { errorOf, groupchat, iqReply, joined, nextId } from "./muc-helpers.js";
import { muteIq, mutesIq, mutesOf, outboxDrained, rawSmSession, startReceiver, unmuteIq, until, type Receiver } from "./push-helpers.js";

const SERVICE = "conference.localhost";
const FIELDS = ["jid", "msgSubj", "fullName", "msgText", "translations", "msgID", "MUCID", "image", "project", "TTL", "sound", "access_token", "sender"];
const CALL_FIELDS = [...FIELDS, "callType", "callId", "room", "kind", "callToken"];
const TRANSPORTS = ["tcp", "ws"] as const;

let server: TestServer;
let receiver: Receiver;
let db: Kysely<Database> | undefined;
let roomSeq = 0;

const dbProbe = defineModule<void>({
  name: "push-test-db",
  setup(ctx) {
    db = ctx.db;
  },
});

const bare = (user: string) => `${user}@localhost`;
const postsFor = (user: string, text?: string) => receiver.posts.filter((p) => p.fields["jid"] === bare(user) && (text === undefined || p.fields["msgText"] === text));
const chat = (to: string, body: string | undefined, id = nextId("chat"), ...children: XmlElement[]) =>
  xml("message", { to, type: "chat", id }, ...children, ...(body === undefined ? [] : [xml("body", {}, body)]));

async function createRoom(owner: string): Promise<string> {
  const name = `65f0a1_push${++roomSeq}${Math.random().toString(36).slice(2, 6)}`;
  const reply = await server.api("create_room_with_opts", { name, service: SERVICE, options: { affiliations: `owner=${bare(owner)}`, title: "Lobby" } });
  expect(reply.status).toBe(200);
  return `${name}@${SERVICE}`;
}

async function offline(user: string): Promise<void> {
  await until(() => server.server.sessions.resourcesOf(parseJid(bare(user))).length, (n) => n === 0);
}

beforeAll(async () => {
  receiver = await startReceiver();
  const users = ["admin"];
  for (const t of TRANSPORTS) for (const u of ["a", "b", "c", "d", "f", "k", "m", "s", "x", "y"]) users.push(`65f0a1_${u}${t}`);
  server = await startTestServer({
    users,
    modules: [dbProbe],
    config: {
      offline_post: { common_post_url: receiver.url("/common"), voip_post_url: receiver.url("/voip"), auth_token: "s3cr3t" },
      offline: { max_messages: 2 },
    },
  });
});
afterAll(async () => {
  await server.stop();
  await receiver.close();
});

describe.each(TRANSPORTS)("offline push over %s (§7.8)", (transport) => {
  const [alice, bob, carol, dave, full, muter, sm] = ["a", "b", "c", "d", "f", "m", "s"].map((u) => `65f0a1_${u}${transport}`) as [string, string, string, string, string, string, string];
  let a: TestClient;
  let c: TestClient;

  /** A pushable message to bob: once its POST arrives and the outbox is empty, anything queued before it was delivered. */
  async function marker(): Promise<void> {
    const text = nextId("marker");
    await a.send(chat(bare(bob), text));
    await receiver.waitFor((p) => p.fields["msgText"] === text);
    await outboxDrained(server);
  }

  beforeAll(async () => {
    a = await server.connect(alice, { transport });
    c = await server.connect(carol, { transport });
  });

  it("POSTs one form with the exact fields for a 1:1 message to an offline user", async () => {
    const id = nextId("hello");
    await a.send(chat(bare(bob), "Hello Bob", id, xml("data", { senderFirstName: "Alice", senderLastName: "Smith", photo: "p.png" })));
    const post = await receiver.waitFor((p) => p.fields["msgText"] === "Hello Bob" && p.fields["jid"] === bare(bob));
    expect(post.path).toBe("/common");
    expect(post.contentType).toBe("application/x-www-form-urlencoded; charset=utf-8");
    expect(post.keys).toEqual(FIELDS);
    const msgId = post.fields["msgID"] ?? "";
    // msgID is bob's archive id (§6.1) of this very message.
    expect((await server.server.modules.api(mamModule).get(bare(bob), Number(msgId)))?.originId).toBe(id);
    const enc = (s: string) => encodeURIComponent(s);
    expect(post.body).toBe(
      `jid=${enc(bare(bob))}&msgSubj=Alice+Smith&fullName=Alice+Smith&msgText=Hello+Bob&translations=&msgID=${msgId}&MUCID=&image=p.png&project=all&TTL=86400&sound=default&access_token=s3cr3t&sender=${enc(bare(alice))}`,
    );
    await outboxDrained(server);
    expect(postsFor(bob, "Hello Bob")).toHaveLength(1);
  });

  it.each<[string, (to: string) => XmlElement]>([
    ["a chat state", (to) => xml("message", { to, type: "chat", id: nextId() }, xml("composing", { xmlns: "http://jabber.org/protocol/chatstates" }))],
    ["<data push=\"false\">", (to) => chat(to, "silent", nextId(), xml("data", { push: "false" }))],
    ["a no-store hint", (to) => chat(to, "ephemeral", nextId(), xml("no-store", { xmlns: "urn:xmpp:hints" }))],
    ["a headline", (to) => xml("message", { to, type: "headline", id: nextId() }, xml("body", {}, "news"))],
    ["a body-less <data> message", (to) => chat(to, undefined, nextId(), xml("data", { type: "reaction" }))],
  ])("does not push %s", async (_name, build) => {
    const before = postsFor(bob).length;
    await a.send(build(bare(bob)));
    await marker();
    expect(postsFor(bob).length).toBe(before + 1); // the marker only
  });

  it("does not push to a user with a live session", async () => {
    const text = nextId("live");
    await a.send(chat(bare(carol), text));
    await c.receive((s) => s.is("message") && s.getChildText("body") === text);
    await marker();
    expect(postsFor(carol)).toEqual([]);
  });

  it("does not push a message from a sender the recipient blocked (§7.7)", async () => {
    const kim = `65f0a1_k${transport}`;
    const blocking = server.server.modules.api(blockingModule);
    await blocking.block(parseJid(bare(kim)), BlockListName.userBlock, [bare(alice)]);
    await a.send(chat(bare(kim), "blocked"));
    await marker();
    expect(postsFor(kim)).toEqual([]);
    await blocking.unblock(parseJid(bare(kim)), BlockListName.userBlock);
    await a.send(chat(bare(kim), "unblocked"));
    await receiver.waitFor((p) => p.fields["jid"] === bare(kim) && p.fields["msgText"] === "unblocked");
  });

  it("sends call signalling to the VoIP URL with the call fields and an empty msgText", async () => {
    const callId = nextId("call");
    const data = xml("data", { type: "call-invite", callId, room: "r-1", kind: "video", token: "tok-1", fullName: "Alice Smith" });
    await a.send(xml("message", { to: bare(bob), type: "chat", id: nextId() }, data));
    const post = await receiver.waitFor((p) => p.fields["callId"] === callId);
    expect(post.path).toBe("/voip");
    expect(post.keys).toEqual(CALL_FIELDS);
    expect(post.fields).toMatchObject({ jid: bare(bob), msgSubj: "Alice Smith", msgText: "", callType: "call-invite", room: "r-1", kind: "video", callToken: "tok-1" });
  });

  it("still pushes when the offline queue is full (§7.8, §9.4)", async () => {
    const texts = [nextId("q"), nextId("q"), nextId("q")];
    for (const t of texts) await a.send(chat(bare(full), t, t));
    const bounce = await a.receive((s) => s.is("message") && s.attrs.id === texts[2] && s.attrs.type === "error");
    expect(errorOf(bounce).condition).toBe("resource-constraint");
    for (const t of texts) await receiver.waitFor((p) => p.fields["msgText"] === t && p.fields["jid"] === bare(full));
    expect((await server.api("get_offline_count", { user: full, host: "localhost" })).body).toBe(2);
  });

  it("pushes a message left unacknowledged when a session ends and is stored offline, once (§2.11)", async () => {
    const raw = await rawSmSession(server, transport, sm, "raw");
    const text = nextId("unacked");
    await a.send(chat(bare(sm), text));
    await raw.waitFor(text);
    expect(postsFor(sm)).toEqual([]);
    raw.close();
    await receiver.waitFor((p) => p.fields["jid"] === bare(sm) && p.fields["msgText"] === text);
    await outboxDrained(server);
    expect(postsFor(sm, text)).toHaveLength(1);
    expect((await server.api("get_offline_count", { user: sm, host: "localhost" })).body).toBe(1);
  });

  it("pushes a room message to an offline subscriber with MUCID and the room archive id; mutes stop it, unmute resumes", async () => {
    const room = await createRoom(alice);
    for (const u of [dave, muter]) {
      expect((await server.api("subscribe_room", { user: bare(u), nick: u, room, nodes: "messages" })).status).toBe(200);
    }
    await joined(a, `${room}/${alice}`);
    const m = await server.connect(muter, { transport });
    expect(mutesOf(await mutesIq(m))).toEqual([]);
    const muted = await muteIq(m, room, "0");
    expect(muted.attrs.type).toBe("result");
    expect(muted.attrs.from).toBe(bare(muter));
    expect(muted.children).toEqual([]);
    expect(mutesOf(await mutesIq(m))).toEqual([[room, "0"]]);
    await m.stop();
    await offline(muter);

    const send = async (text: string) => {
      const id = nextId("room");
      await a.send(groupchat(room, text, id, xml("data", { senderFirstName: "Alice", senderLastName: "Smith", mucName: "Lobby" })));
      const echo = await a.receive((s) => s.attrs.id === id && s.attrs.type === "groupchat");
      await server.server.modules.api(mucsubModule).idle();
      return echo.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.id;
    };
    const first = await send("Hello room");
    const post = await receiver.waitFor((p) => p.fields["jid"] === bare(dave) && p.fields["msgText"] === "Hello room");
    expect(post.keys).toEqual(FIELDS);
    expect(post.fields).toMatchObject({ msgSubj: "Alice Smith (Lobby)", fullName: "Alice Smith (Lobby)", MUCID: room, msgID: first, sender: bare(alice) });
    expect(post.body).toContain("msgSubj=Alice+Smith+%28Lobby%29&");
    await outboxDrained(server);
    expect(postsFor(muter)).toEqual([]);

    expect((await server.api("unmute_room", { user: muter, host: "localhost", room })).body).toBe(0);
    const second = await send("Hello again");
    const again = await receiver.waitFor((p) => p.fields["jid"] === bare(muter) && p.fields["msgText"] === "Hello again");
    expect(again.fields["msgID"]).toBe(second);

    // A chat state in the room pushes nobody.
    const typing = nextId("typing");
    await a.send(xml("message", { to: room, type: "groupchat", id: typing }, xml("composing", { xmlns: "http://jabber.org/protocol/chatstates" })));
    await a.receive((s) => s.attrs.id === typing);
    await server.server.modules.api(mucsubModule).idle();
    await marker();
    expect(receiver.posts.filter((p) => p.fields["MUCID"] === room).map((p) => [p.fields["jid"], p.fields["msgText"]])).toEqual([
      [bare(dave), "Hello room"],
      [bare(dave), "Hello again"],
      [bare(muter), "Hello again"],
    ]);
  });
});

describe.each(TRANSPORTS)("push mute IQs and commands over %s (§7.12, §8.6)", (transport) => {
  const user = `65f0a1_x${transport}`;
  let client: TestClient;
  let room: string;
  const stored = () => server.api("get_user_mutes", { user, host: "localhost" }).then((r) => r.body);

  beforeAll(async () => {
    room = await createRoom("admin");
    client = await server.connect(user, { transport });
  });

  it.each<[string, () => XmlElement, string, string]>([
    ["a mute without room", () => xml("iq", { type: "set", id: nextId() }, xml("mute", { xmlns: "urn:xmpp:ethora:push-mute:0" })), "modify", "bad-request"],
    ["a malformed room", () => xml("iq", { type: "set", id: nextId() }, xml("mute", { xmlns: "urn:xmpp:ethora:push-mute:0", room: "a@b@c" })), "modify", "bad-request"],
    ["a user JID as room", () => xml("iq", { type: "set", id: nextId() }, xml("mute", { xmlns: "urn:xmpp:ethora:push-mute:0", room: bare(user) })), "modify", "bad-request"],
    ["an unknown room", () => xml("iq", { type: "set", id: nextId() }, xml("mute", { xmlns: "urn:xmpp:ethora:push-mute:0", room: `65f0a1_nope@${SERVICE}` })), "cancel", "item-not-found"],
    ["unmute of an unknown room", () => xml("iq", { type: "set", id: nextId() }, xml("unmute", { xmlns: "urn:xmpp:ethora:push-mute:0", room: `65f0a1_nope@${SERVICE}` })), "cancel", "item-not-found"],
    ["until=-1", () => xml("iq", { type: "set", id: nextId() }, xml("mute", { xmlns: "urn:xmpp:ethora:push-mute:0", room, until: "-1" })), "modify", "bad-request"],
    ["until=soon", () => xml("iq", { type: "set", id: nextId() }, xml("mute", { xmlns: "urn:xmpp:ethora:push-mute:0", room, until: "soon" })), "modify", "bad-request"],
    ["get on mute", () => xml("iq", { type: "get", id: nextId() }, xml("mute", { xmlns: "urn:xmpp:ethora:push-mute:0", room })), "modify", "bad-request"],
    ["set on mutes", () => xml("iq", { type: "set", id: nextId() }, xml("mutes", { xmlns: "urn:xmpp:ethora:push-mute:0" })), "modify", "bad-request"],
    ["a request to another user", () => xml("iq", { type: "set", id: nextId(), to: bare("admin") }, xml("mute", { xmlns: "urn:xmpp:ethora:push-mute:0", room })), "auth", "forbidden"],
  ])("refuses %s and stores nothing", async (_name, build, type, condition) => {
    const iq = build();
    await client.send(iq);
    const reply = await client.receive((s) => s.is("iq") && s.attrs.id === iq.attrs.id);
    expect(reply.attrs.type).toBe("error");
    expect(errorOf(reply)).toMatchObject({ type, condition });
    expect(await stored()).toEqual([]);
  });

  it("advertises the mute namespace on the host, and no XEP-0357 on accounts while push.enabled is off", async () => {
    const ask = (to: string) => iqReply(client, xml("iq", { type: "get", id: nextId(), to }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
    const features = (r: XmlElement) => (r.getChild("query")?.getChildren("feature") ?? []).map((f) => f.attrs.var);
    expect(features(await ask("localhost"))).toContain("urn:xmpp:ethora:push-mute:0");
    expect(features(await ask(bare(user)))).not.toContain("urn:xmpp:push:0");
    // The XEP-0357 IQs are not served either.
    const enable = await iqReply(client, xml("iq", { type: "set", id: nextId() }, xml("enable", { xmlns: "urn:xmpp:push:0", jid: "svc@localhost/app", node: "n" })));
    expect(errorOf(enable)).toMatchObject({ type: "cancel", condition: "service-unavailable" });
  });

  it("sets a timed mute, replaces it, lists it (IQ and command), and unmutes", async () => {
    const later = String(Math.floor(Date.now() / 1000) + 3600);
    expect((await muteIq(client, room, later)).attrs.type).toBe("result");
    expect(mutesOf(await mutesIq(client))).toEqual([[room, later]]);
    expect(await stored()).toEqual([{ room, until: Number(later) }]);
    expect((await muteIq(client, room)).attrs.type).toBe("result"); // no until: forever
    expect(mutesOf(await mutesIq(client))).toEqual([[room, "0"]]);
    const unmuted = await unmuteIq(client, room);
    expect(unmuted.attrs.type).toBe("result");
    expect(unmuted.children).toEqual([]);
    expect(await stored()).toEqual([]);
    // The commands, with a room localpart and a service.
    const [local] = room.split("@");
    expect((await server.api("mute_room", { user, host: "localhost", room: local, service: SERVICE, until: 0 })).body).toBe(0);
    expect(mutesOf(await mutesIq(client))).toEqual([[room, "0"]]);
    expect((await server.api("unmute_room", { user: bare(user), room })).body).toBe(0);
    expect(await stored()).toEqual([]);
  });

  it("refuses a mute beyond 1000 live mutes with wait / resource-constraint", async () => {
    // A user whose mutes were never loaded: the 1000 rows below are what the server finds.
    const owner = bare(`65f0a1_y${transport}`);
    const rows = Array.from({ length: 1000 }, (_, i) => ({ owner, room: `gone${i}@${SERVICE}`, until: 0, created_at: 1 }));
    await db?.insertInto("push_mutes").values(rows).execute();
    const y = await server.connect(`65f0a1_y${transport}`, { transport });
    expect(errorOf(await muteIq(y, room))).toMatchObject({ type: "wait", condition: "resource-constraint" });
    expect((await server.api("mute_room", { user: owner, room })).status).toBe(400);
    expect(mutesOf(await mutesIq(y))).toHaveLength(1000);
    expect(mutesOf(await mutesIq(y)).some(([r]) => r === room)).toBe(false);
    await y.stop();
  });

  it.each<[string, Record<string, unknown>, number, unknown]>([
    ["mute_room without room", { user: "65f0a1_xtcp", host: "localhost" }, 400, "Request have missing argument: room"],
    ["mute_room without user", { room: "65f0a1_x" }, 400, "Request have missing argument: user"],
    ["mute_room of a missing room", { user: "65f0a1_xtcp", host: "localhost", room: "65f0a1_nope" }, 400, "Room doesn't exists"],
    ["mute_room with a bad until", { user: "65f0a1_xtcp", host: "localhost", room: "ROOM", until: "soon" }, 400, "Invalid value for that option"],
    ["mute_room for an unknown user", { user: "65f0a1_ghost", host: "localhost", room: "ROOM" }, 404, "unknown_user"],
    ["get_user_mutes without user", {}, 400, "Request have missing argument: user"],
  ])("command: %s", async (name, args, status, body) => {
    const command = name.split(" ")[0] ?? "";
    const real = Object.fromEntries(Object.entries(args).map(([k, v]) => [k, v === "ROOM" ? room : v]));
    const reply = await server.api(command, real);
    expect([reply.status, reply.body]).toEqual([status, body]);
    expect(await stored()).toEqual([]);
  });
});
