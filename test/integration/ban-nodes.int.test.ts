// §7.6 "a ban expires on time, survives a restart and works on every node": a 1-second ban lifts by itself,
// bans outlive a restart on SQLite and PostgreSQL, and a ban written on one node is enforced by another
// node sharing the PostgreSQL database within the cache TTL (polled, never timed).
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BAN_CACHE_TTL_MS } from "../../src/modules/ban/ban.module.js";
import { restartableServer, type RestartableServer } from "../harness/restartable-server.js";
import { backendsUnderTest, postgresTestUrl } from "../harness/test-database.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import type { TestClient } from "../harness/test-client.js";
import { banIq, BANNED, listBans } from "./ban-helpers.js";
import { errorOf, groupchat, joined, nextId } from "./muc-helpers.js";

const H = "localhost";
const SERVICE = `conference.${H}`;
const USERS = ["admin", "65f0a1_alice", "65f0a1_bob", "65f0a1_carol"];
const AFFILIATIONS = `owner=65f0a1_alice@${H};member=65f0a1_bob@${H};member=65f0a1_carol@${H}`;

async function createRoom(server: TestServer, name: string): Promise<string> {
  expect((await server.api("create_room_with_opts", { name, service: SERVICE, options: { affiliations: AFFILIATIONS, persistent: "true" } })).status).toBe(200);
  return `${name}@${SERVICE}`;
}

async function post(client: TestClient, room: string): Promise<string> {
  const id = nextId("post");
  await client.send(groupchat(room, "hi", id));
  const reply = await client.receive((s) => s.is("message") && s.attrs.id === id);
  return reply.attrs.type === "error" ? String(errorOf(reply).text) : "echo";
}

/** Posts until the outcome is `want` (bounded: a few seconds past `withinMs`); returns the last outcome. */
async function postUntil(client: TestClient, room: string, want: string, withinMs: number): Promise<string> {
  const deadline = Date.now() + withinMs + 5000;
  let last = await post(client, room);
  while (last !== want && Date.now() < deadline) {
    await sleep(200);
    last = await post(client, room);
  }
  return last;
}

describe("expiry", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ users: USERS });
  });
  afterAll(() => server.stop());

  it("a 1-second ban applies, then lifts by itself and leaves the list", async () => {
    const room = await createRoom(server, "65f0a1_expiry");
    const [alice, bob] = await Promise.all([server.connect("65f0a1_alice"), server.connect("65f0a1_bob")]);
    await joined(bob, `${room}/65f0a1_bob`);
    const before = Math.floor(Date.now() / 1000);
    expect((await banIq(alice, { action: "ban", user: `65f0a1_bob@${H}`, room, time: "1" })).ok).toBe(true);
    expect(await post(bob, room)).toBe(BANNED);
    const [item] = await listBans(alice, { room });
    expect(Number(item?.expires)).toBeGreaterThanOrEqual(before + 1);
    expect(Number(item?.expires)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 1);
    expect(await postUntil(bob, room, "echo", 1000)).toBe("echo");
    expect(await listBans(alice, { room })).toEqual([]);
  });
});

describe.each(backendsUnderTest())("restart on %s", (backend) => {
  let node: RestartableServer;
  let server: TestServer | undefined;
  beforeAll(() => {
    node = restartableServer(backend, { users: USERS });
  });
  afterEach(async () => {
    await server?.stop({ keepData: true });
    server = undefined;
  });
  afterAll(() => node.cleanup());

  it("keeps room and all bans across a restart, with their fields", async () => {
    server = await node.start(true);
    const room = await createRoom(server, "65f0a1_durable");
    const [alice, admin] = await Promise.all([server.connect("65f0a1_alice"), server.connect("admin")]);
    expect((await banIq(alice, { action: "ban", user: `65f0a1_bob@${H}`, room, comment: "Spam" })).ok).toBe(true);
    expect((await banIq(admin, { action: "ban", type: "all", user: `65f0a1_carol@${H}`, time: "3600", comment: "Everywhere" })).ok).toBe(true);
    const roomList = await listBans(alice, { room });
    const allList = await listBans(admin, { type: "all" });
    await server.stop({ keepData: true });

    server = await node.start(false);
    const [alice2, admin2, bob, carol] = await Promise.all(["65f0a1_alice", "admin", "65f0a1_bob", "65f0a1_carol"].map((u) => (server as TestServer).connect(u)));
    expect(await listBans(alice2 as TestClient, { room })).toEqual(roomList);
    expect(await listBans(admin2 as TestClient, { type: "all" })).toEqual(allList);
    for (const [client, nick] of [[bob, "65f0a1_bob"], [carol, "65f0a1_carol"]] as const) {
      await joined(client as TestClient, `${room}/${nick}`);
      expect(await post(client as TestClient, room)).toBe(BANNED);
    }
  });
});

describe.skipIf(postgresTestUrl() === undefined)("two nodes on one PostgreSQL database", () => {
  let nodeA: TestServer;
  let nodeB: TestServer;
  let room: string;

  beforeAll(async () => {
    nodeA = await startTestServer({ database: "postgres", users: USERS });
    room = await createRoom(nodeA, "65f0a1_nodes");
    // Node B loads the rooms at start, so it starts once the room exists.
    nodeB = await startTestServer({ databaseUrl: nodeA.databaseUrl });
  });
  afterAll(async () => {
    await nodeB?.stop({ keepData: true });
    await nodeA?.stop();
  });

  it.each(["room", "all"] as const)("a type=%s ban made on node A is enforced on node B within the cache TTL, and so is the unban", async (type) => {
    const actor = await nodeA.connect(type === "room" ? "65f0a1_alice" : "admin");
    const bob = await nodeB.connect("65f0a1_bob");
    await joined(bob, `${room}/65f0a1_bob`);
    // Node B has read (and cached) the room's bans: none yet.
    expect(await post(bob, room)).toBe("echo");
    const scope = type === "room" ? { room } : { type };
    expect((await banIq(actor, { action: "ban", user: `65f0a1_bob@${H}`, ...scope })).ok).toBe(true);
    expect(await postUntil(bob, room, BANNED, BAN_CACHE_TTL_MS)).toBe(BANNED);
    expect((await banIq(actor, { action: "unban", user: `65f0a1_bob@${H}`, ...scope })).ok).toBe(true);
    expect(await postUntil(bob, room, "echo", BAN_CACHE_TTL_MS)).toBe("echo");
    await bob.stop();
    await actor.stop();
  });
});
