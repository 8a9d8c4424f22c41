// Backend webhooks member.join / member.exit (PROTOCOL §7.9, §0.5, §1.7, §3.10, §3.14, §5.2, §5.3): one event per
// room membership change with its reason, delivered by the outbox to a real HTTP receiver (envelope, field order,
// headers, HMAC); occupancy alone never emits member.*.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient } from "../harness/test-client.js";
import { joined, leave, nextId } from "./muc-helpers.js";
import { subscribe, unsubscribe } from "./mucsub-helpers.js";
import { expectedSignature, hooksConfig, isEvent, startReceiver, UUID_V4, WEBHOOK_SECRET, type Receiver } from "./webhooks-helpers.js";

const SERVICE = "conference.localhost";
const BOB = "65f0a1_bob@localhost";
const CAROL = "65f0a1_carol@localhost";
const MEMBER_KEYS = ["id", "event", "ts", "host", "appId", "room", "chatName", "user", "xmppUsername", "affiliation", "subscribed", "reason"];
let seq = 0;

describe("member.join / member.exit webhooks (§7.9)", () => {
  let receiver: Receiver;
  let server: TestServer;
  let alice: TestClient;
  let carol: TestClient;

  async function createRoom(options: Record<string, unknown> = {}, appId = "65f0a1"): Promise<string> {
    const name = `${appId}_wh${++seq}${Math.random().toString(36).slice(2, 6)}`;
    const reply = await server.api("create_room_with_opts", { name, service: SERVICE, options: { affiliations: "owner=65f0a1_alice@localhost", ...options } });
    expect(reply.status).toBe(200);
    return `${name}@${SERVICE}`;
  }
  const setAffiliation = async (room: string, jid: string, affiliation: string) =>
    expect((await server.api("set_room_affiliation", { name: room, jid, affiliation })).status).toBe(200);

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer({
      users: ["admin", "65f0a1_alice", "65f0a1_bob", "65f0a1_carol", "65f0a1_dave"],
      config: { auth: { mechanisms: ["PLAIN"] }, ...hooksConfig(receiver) },
    });
    [alice, carol] = await Promise.all([server.connect("65f0a1_alice"), server.connect("65f0a1_carol")]);
  });
  afterAll(async () => {
    await server.stop();
    await receiver.close();
  });

  it.each(["tcp", "ws"] as const)("subscribe → member.join, unsubscribe → member.exit over %s: envelope, key order, headers, HMAC", async (transport) => {
    const room = await createRoom();
    const bob = await server.connect("65f0a1_bob", { transport, resource: `wh-${transport}` });
    expect((await subscribe(bob, room, { nick: "65f0a1_bob" })).attrs.type).toBe("result");
    const join = await receiver.wait(isEvent("member.join", { room, user: BOB }));
    expect(Object.keys(join.body)).toEqual(MEMBER_KEYS);
    expect(join.body).toEqual({
      id: join.body["id"],
      event: "member.join",
      ts: join.body["ts"],
      host: "localhost",
      appId: "65f0a1",
      room,
      chatName: room.split("@")[0],
      user: BOB,
      xmppUsername: "65f0a1_bob",
      affiliation: "none",
      subscribed: true,
      reason: "subscribe",
    });
    expect(join.body["id"]).toMatch(UUID_V4);
    expect(typeof join.body["ts"]).toBe("number");
    expect(join.method).toBe("POST");
    expect(join.path).toBe("/v1/chats/track-member");
    expect(join.headers["content-type"]).toMatch(/^application\/json/);
    expect(join.headers["x-webhook-secret"]).toBe(WEBHOOK_SECRET);
    expect(join.headers["x-webhook-signature"]).toBe(expectedSignature(WEBHOOK_SECRET, join.raw));
    expect(join.headers["x-webhook-event"]).toBe("member.join");
    expect(join.headers["x-webhook-id"]).toBe(join.body["id"]);
    expect(join.headers["user-agent"]).toMatch(/^[^/\s]+\/\S+$/);

    expect((await unsubscribe(bob, room)).attrs.type).toBe("result");
    const exit = await receiver.wait(isEvent("member.exit", { room, user: BOB }));
    expect(Object.keys(exit.body)).toEqual(MEMBER_KEYS);
    expect(exit.body).toMatchObject({ affiliation: "none", subscribed: false, reason: "unsubscribe" });
    expect(exit.headers["x-webhook-signature"]).toBe(expectedSignature(WEBHOOK_SECRET, exit.raw));
    expect(exit.body["id"]).not.toBe(join.body["id"]);
  });

  it.each(["join", "exit"] as const)("affiliation changes → member.%s with reason affiliation (§3.11)", async (kind) => {
    const room = await createRoom();
    await setAffiliation(room, CAROL, "member");
    if (kind === "exit") await setAffiliation(room, CAROL, "none");
    const r = await receiver.wait(isEvent(`member.${kind}`, { room, user: CAROL }));
    expect(r.body).toMatchObject({ reason: "affiliation", affiliation: kind === "join" ? "member" : "none", subscribed: false });
  });

  it("an owner's invitation into a members-only room → member.join with reason invite (§3.10)", async () => {
    const room = await createRoom({ members_only: "true" });
    await joined(alice, `${room}/65f0a1_alice`);
    await alice.send(xml("message", { to: room, id: nextId("inv") }, xml("x", { xmlns: "http://jabber.org/protocol/muc#user" }, xml("invite", { to: CAROL }))));
    const r = await receiver.wait(isEvent("member.join", { room, user: CAROL }));
    expect(r.body).toMatchObject({ reason: "invite", affiliation: "member", subscribed: false });
  });

  it("a pinned room applied to a new account → member.join with reason pinned and the App's appId (§1.7)", async () => {
    const appId = `p${Math.random().toString(36).slice(2, 8)}`;
    const room = await createRoom({}, appId);
    expect((await server.api("create_app", { appId })).status).toBe(200);
    expect((await server.api("set_app_pinned_rooms", { appId, rooms: [room] })).status).toBe(200);
    await server.register(`${appId}_erin`);
    const r = await receiver.wait(isEvent("member.join", { room, user: `${appId}_erin@localhost` }));
    expect(r.body).toMatchObject({ appId, reason: "pinned", affiliation: "member", subscribed: true, xmppUsername: `${appId}_erin` });
  });

  it("destroying a room → member.exit with reason destroy for every member (§3.14)", async () => {
    const room = await createRoom();
    await setAffiliation(room, CAROL, "member");
    const bob = await server.connect("65f0a1_bob", { resource: "destroy" });
    await subscribe(bob, room, { nick: "65f0a1_bob" });
    await receiver.wait(isEvent("member.join", { room, user: BOB }));
    expect((await server.api("destroy_room", { name: room.split("@")[0], service: SERVICE })).status).toBe(200);
    for (const user of [CAROL, BOB, "65f0a1_alice@localhost"]) {
      const r = await receiver.wait(isEvent("member.exit", { room, user }));
      expect(r.body).toMatchObject({ reason: "destroy", affiliation: "none", subscribed: false });
    }
  });

  it("removing an account → member.exit with reason account_removed (§8.5 unregister)", async () => {
    const name = `65f0a1_gone${++seq}`;
    await server.register(name);
    const room = await createRoom();
    await setAffiliation(room, `${name}@localhost`, "member");
    await receiver.wait(isEvent("member.join", { room, user: `${name}@localhost` }));
    expect((await server.api("unregister", { user: name, host: "localhost" })).status).toBe(200);
    const r = await receiver.wait(isEvent("member.exit", { room, user: `${name}@localhost` }));
    expect(r.body).toMatchObject({ reason: "account_removed", affiliation: "none", subscribed: false });
  });

  it("occupancy alone (join and leave presence) emits no member.* (§7.9 Decision)", async () => {
    const room = await createRoom();
    await joined(carol, `${room}/65f0a1_carol`);
    await leave(carol, `${room}/65f0a1_carol`);
    // A later membership change in the same room: its event is enqueued after anything the occupancy produced.
    await setAffiliation(room, "65f0a1_dave@localhost", "member");
    await receiver.wait(isEvent("member.join", { room, user: "65f0a1_dave@localhost" }));
    expect(receiver.requests.filter((r) => r.body["room"] === room && r.body["user"] === CAROL)).toEqual([]);
  });

  it("creating a room by joining it makes the creator owner → member.join with reason affiliation (§3.1)", async () => {
    const admin = await server.connect("admin", { resource: "creator" });
    const room = `65f0a1_created${++seq}@${SERVICE}`;
    await joined(admin, `${room}/admin`);
    const join = await receiver.wait(isEvent("member.join", { room, user: "admin@localhost" }));
    expect(join.body).toMatchObject({ appId: "65f0a1", affiliation: "owner", subscribed: false, reason: "affiliation" });
    await admin.stop();
  });
});
