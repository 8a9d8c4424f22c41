// The MucSub admin commands (PROTOCOL §8.4–§8.5): subscribe_room in both argument forms with its errors,
// subscribe_room_many and its limit, unsubscribe_room, get_subscribers, get_user_rooms,
// get_user_subscriptions, and create_room_with_opts `subscribers`.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import type { TestClient } from "../harness/test-client.js";
import { groupchat, joined } from "./muc-helpers.js";
import { NODE } from "./mucsub-helpers.js";

const SERVICE = "conference.localhost";
const CLI = fileURLToPath(new URL("../../bin/rtc.mjs", import.meta.url));

function rtc(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env };
  for (const k of ["RTC_API_URL", "RTC_HTTP_PORT", "RTC_CONFIG", "RTC_API_USER", "RTC_API_PASSWORD", "RTC_API_TOKEN"]) delete env[k];
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env, timeout: 20_000 }, (error, stdout, stderr) => resolve({ code: error === null ? 0 : -1, stdout, stderr }));
  });
}
let roomSeq = 0;

describe("MucSub admin API", () => {
  let server: TestServer;
  let bob: TestClient;

  async function createRoom(options: Record<string, unknown> = {}): Promise<{ name: string; jid: string }> {
    const name = `65f0a1_api${++roomSeq}${Math.random().toString(36).slice(2, 6)}`;
    expect((await server.api("create_room_with_opts", { name, service: SERVICE, options })).status).toBe(200);
    return { name, jid: `${name}@${SERVICE}` };
  }

  beforeAll(async () => {
    server = await startTestServer({
      users: ["admin", "65f0a1_alice", "65f0a1_bob", "65f0a1_carol", "65f0a1_u1", "65f0a1_u2", "65f0a1_u3"],
      config: { auth: { mechanisms: ["PLAIN"] }, api: { subscribe_room_many_max_users: 2 } },
    });
    bob = await server.connect("65f0a1_bob");
  });
  afterAll(() => server.stop());

  it("subscribe_room accepts the JID form and the v3 form, answers the nodes, and skips §5.2 rows 3–6", async () => {
    const room = await createRoom({ members_only: "true" });
    const first = await server.api("subscribe_room", { user: "65f0a1_bob@localhost/any", nick: "65f0a1_bob", room: room.jid, nodes: "urn:xmpp:mucsub:nodes:messages,presence,bogus" });
    expect(first).toMatchObject({ status: 200, body: [NODE("messages"), NODE("presence")] });
    const second = await server.api("subscribe_room", { user: "65f0a1_carol", host: "localhost", nick: "Carol", room: room.name, service: SERVICE, nodes: ["subject"] });
    expect(second).toMatchObject({ status: 200, body: [NODE("subject")] });
    expect((await server.api("get_subscribers", { name: room.name, service: SERVICE })).body).toEqual(["65f0a1_bob@localhost", "65f0a1_carol@localhost"]);
    expect((await server.api("get_user_subscriptions", { user: "65f0a1_carol", host: "localhost" })).body).toEqual([
      { roomjid: room.jid, usernick: "Carol", nodes: [NODE("subject")] },
    ]);
    // A subscription made here delivers like any other: bob gets the room's messages wrapped.
    expect((await server.api("send_message", { type: "groupchat", from: "admin@localhost", to: room.jid, subject: "", body: "hello subscribers" })).status).toBe(200);
    const wrapper = await bob.receive((s) => s.attrs.from === room.jid && s.toString().includes("hello subscribers"));
    expect(wrapper.getChild("event", "http://jabber.org/protocol/pubsub#event")?.getChild("items")?.attrs.node).toBe(NODE("messages"));
  });

  it("subscribe_room errors: missing room, subscriptions not allowed, empty nick, nick conflict (§8.5)", async () => {
    expect(await server.api("subscribe_room", { user: "65f0a1_bob@localhost", nick: "65f0a1_bob", room: `65f0a1_none@${SERVICE}`, nodes: "messages" })).toMatchObject({
      status: 400,
      body: "Room doesn't exists",
    });
    const closed = await createRoom({ allow_subscription: "false" });
    expect(await server.api("subscribe_room", { user: "65f0a1_bob@localhost", nick: "65f0a1_bob", room: closed.jid, nodes: "messages" })).toMatchObject({
      status: 400,
      body: "Subscriptions are not allowed",
    });
    const room = await createRoom();
    expect(await server.api("subscribe_room", { user: "65f0a1_bob@localhost", nick: "", room: room.jid, nodes: "messages" })).toMatchObject({ status: 400, body: "Nickname must be set" });
    await server.api("subscribe_room", { user: "65f0a1_bob@localhost", nick: "taken", room: room.jid, nodes: "messages" });
    expect(await server.api("subscribe_room", { user: "65f0a1_carol@localhost", nick: "taken", room: room.jid, nodes: "messages" })).toMatchObject({ status: 400, body: "Nickname conflict" });
    // The same user may re-subscribe under its own nick.
    expect((await server.api("subscribe_room", { user: "65f0a1_bob@localhost", nick: "taken", room: room.jid, nodes: "messages" })).status).toBe(200);
  });

  it("subscribe_room_many subscribes a list (both entry forms) up to api.subscribe_room_many_max_users", async () => {
    const room = await createRoom();
    const ok = await server.api("subscribe_room_many", {
      users: [{ jid: "65f0a1_u1@localhost", nick: "65f0a1_u1" }, { user: "65f0a1_u2", host: "localhost", nick: "65f0a1_u2" }],
      room: room.jid,
      nodes: "messages",
    });
    expect(ok).toMatchObject({ status: 200, body: 0 });
    expect((await server.api("get_subscribers", { name: room.jid })).body).toEqual(["65f0a1_u1@localhost", "65f0a1_u2@localhost"]);
    const tooMany = await server.api("subscribe_room_many", {
      users: ["65f0a1_u1", "65f0a1_u2", "65f0a1_u3"].map((u) => ({ jid: `${u}@localhost`, nick: u })),
      room: room.jid,
      nodes: "messages",
    });
    expect(tooMany.status).toBe(400);
    expect((await server.api("get_subscribers", { name: room.jid })).body).toEqual(["65f0a1_u1@localhost", "65f0a1_u2@localhost"]);
    expect((await server.api("subscribe_room_many", { users: "nope", room: room.jid, nodes: "messages" })).status).toBe(400);
  });

  it("unsubscribe_room in both forms; a missing room is 400 (§8.5)", async () => {
    const room = await createRoom();
    await server.api("subscribe_room", { user: "65f0a1_u1@localhost", nick: "65f0a1_u1", room: room.jid, nodes: "messages" });
    await server.api("subscribe_room", { user: "65f0a1_u2@localhost", nick: "65f0a1_u2", room: room.jid, nodes: "messages" });
    expect(await server.api("unsubscribe_room", { user: "65f0a1_u1@localhost", room: room.jid })).toMatchObject({ status: 200, body: 0 });
    expect(await server.api("unsubscribe_room", { user: "65f0a1_u2", host: "localhost", room: room.name, service: SERVICE })).toMatchObject({ status: 200, body: 0 });
    expect((await server.api("get_subscribers", { name: room.jid })).body).toEqual([]);
    expect(await server.api("unsubscribe_room", { user: "65f0a1_u2@localhost", room: `65f0a1_none@${SERVICE}` })).toMatchObject({ status: 400, body: "Room doesn't exists" });
    expect(await server.api("get_subscribers", { name: "65f0a1_none" })).toMatchObject({ status: 400, body: "Room doesn't exists" });
  });

  it("get_user_rooms lists the rooms where the user has a joined session", async () => {
    const a = await createRoom();
    const b = await createRoom();
    const c = await createRoom();
    await joined(bob, `${a.jid}/65f0a1_bob`);
    await joined(bob, `${b.jid}/65f0a1_bob`);
    await server.api("subscribe_room", { user: "65f0a1_bob@localhost", nick: "65f0a1_bob", room: c.jid, nodes: "messages" });
    expect((await server.api("get_user_rooms", { user: "65f0a1_bob", host: "localhost" })).body).toEqual([a.jid, b.jid].sort());
    expect((await server.api("get_user_rooms", { user: "65f0a1_carol", host: "localhost" })).body).toEqual([]);
    // A subscriber who sends without joining is not in a room.
    await bob.send(groupchat(c.jid, "hi"));
    expect((await server.api("get_user_rooms", { user: "65f0a1_bob", host: "localhost" })).body).toEqual([a.jid, b.jid].sort());
  });

  it("create_room_with_opts `subscribers` subscribes at creation", async () => {
    const name = `65f0a1_withsubs${Math.random().toString(36).slice(2, 6)}`;
    const reply = await server.api("create_room_with_opts", {
      name,
      service: SERVICE,
      options: [{ name: "subscribers", value: "65f0a1_u1@localhost=65f0a1_u1=urn:xmpp:mucsub:nodes:messages=urn:xmpp:mucsub:nodes:presence;65f0a1_u2@localhost=U2=messages" }],
    });
    expect(reply.status).toBe(200);
    expect((await server.api("get_user_subscriptions", { user: "65f0a1_u1", host: "localhost" })).body).toContainEqual({
      roomjid: `${name}@${SERVICE}`,
      usernick: "65f0a1_u1",
      nodes: [NODE("messages"), NODE("presence")],
    });
    expect((await server.api("get_subscribers", { name })).body).toEqual(["65f0a1_u1@localhost", "65f0a1_u2@localhost"]);
  });

  it("is in the rtc CLI with ejabberd's positional order (user, nick, room, nodes)", async () => {
    const room = await createRoom();
    const url = `http://127.0.0.1:${server.port("http")}`;
    const reply = await rtc(["--url", url, "subscribe_room", "65f0a1_u3@localhost", "65f0a1_u3", room.jid, "messages,subject"]);
    expect(reply).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(reply.stdout)).toEqual([NODE("messages"), NODE("subject")]);
    expect((await rtc(["--url", url, "get_subscribers", room.jid])).stdout).toContain("65f0a1_u3@localhost");
    expect((await rtc(["--url", url, "unsubscribe_room", "65f0a1_u3@localhost", room.jid])).code).toBe(0);
    expect((await server.api("get_subscribers", { name: room.jid })).body).toEqual([]);
  });
});
