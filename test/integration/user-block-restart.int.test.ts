// The user block plugin across restarts (SQLite and PostgreSQL) and with `block.filter_delivery: false`
// (PROTOCOL §7.7), and the blocklist's `fullname` from the profile cache (§7.5).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restartableServer } from "../harness/restartable-server.js";
import { backendsUnderTest } from "../harness/test-database.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient } from "../harness/test-client.js";
import { groupchat, joined, nextId } from "./muc-helpers.js";
import { bodies, queryRoom } from "./room-mam-helpers.js";
import { block, blocklist, sync } from "./user-block-helpers.js";

const SERVICE = "conference.localhost";
const USERS = ["65f0a1_bob", "65f0a1_xena", "65f0a1_carl"];
const chat = (to: string, id: string) => xml("message", { to, type: "chat", id }, xml("body", {}, id));

async function createRoom(server: TestServer, name: string): Promise<string> {
  const reply = await server.api("create_room_with_opts", { name, service: SERVICE, options: { affiliations: "owner=65f0a1_carl@localhost" } });
  expect(reply.status).toBe(200);
  return `${name}@${SERVICE}`;
}

/** X sends a groupchat and a chat; C sends a groupchat after them: B must get C's, and X's only when `delivered`. */
async function exchange(b: TestClient, x: TestClient, c: TestClient, room: string, delivered: boolean): Promise<void> {
  const mx = nextId("mx");
  const dm = nextId("dm");
  await x.send(groupchat(room, "from x", mx));
  await x.send(chat("65f0a1_bob@localhost", dm));
  await sync(x);
  const mc = nextId("mc");
  await c.send(groupchat(room, "from c", mc));
  await b.receive((s) => s.attrs.id === mc);
  await sync(b);
  const got = b.received.filter((s) => s.attrs.id === mx || s.attrs.id === dm).map((s) => s.attrs.id);
  expect(got.sort()).toEqual(delivered ? [mx, dm].sort() : []);
  expect(x.received.filter((s) => s.attrs.type === "error")).toEqual([]);
}

describe("block.filter_delivery: false", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ users: USERS, config: { block: { filter_delivery: false } } });
  });
  afterAll(() => server.stop());

  it("keeps the list but filters nothing: room, 1:1 and history", async () => {
    const [b, x, c] = await Promise.all(USERS.map((u) => server.connect(u, { transport: "ws" }))) as [TestClient, TestClient, TestClient];
    const room = await createRoom(server, "65f0a1_nofilter");
    for (const client of [b, x, c]) await joined(client, `${room}/${client.jid.split("@")[0] as string}`);
    expect((await block(b, "65f0a1_xena@localhost")).attrs.type).toBe("result");
    expect((await blocklist(b)).map(([user]) => user)).toEqual(["65f0a1_xena@localhost"]);
    await exchange(b, x, c, room, true);
    expect(bodies(await queryRoom(b, room))).toContain("from x");
  });
});

describe.each(backendsUnderTest())("user block across a restart on %s", (backend) => {
  const restartable = restartableServer(backend, { users: USERS });
  afterAll(() => restartable.cleanup());

  it("keeps the list and the filtering after a restart, and unblock still works", async () => {
    const first = await restartable.start(true);
    const room = await createRoom(first, `65f0a1_persist${backend}`);
    const b1 = await first.connect("65f0a1_bob", { transport: "tcp" });
    expect((await block(b1, "65f0a1_xena@localhost")).attrs.type).toBe("result");
    const before = await blocklist(b1);
    await first.stop({ keepData: true });

    const second = await restartable.start(false);
    try {
      const [b, x, c] = await Promise.all(USERS.map((u) => second.connect(u, { transport: "tcp" }))) as [TestClient, TestClient, TestClient];
      expect(await blocklist(b)).toEqual(before);
      for (const client of [b, x, c]) await joined(client, `${room}/${client.jid.split("@")[0] as string}`);
      await exchange(b, x, c, room, false);
      expect(bodies(await queryRoom(b, room))).toEqual(["from c"]);
      const unblock = await b.iq(xml("iq", { type: "set" }, xml("query", { xmlns: "ns:deepx:muc:user:unblock", user: "65f0a1_xena@localhost" })));
      expect(unblock.attrs.type).toBe("result");
      await exchange(b, x, c, room, true);
    } finally {
      await second.stop({ keepData: true });
    }
  });
});

describe("blocklist fullname (profile cache, §7.5)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ users: USERS });
  });
  afterAll(() => server.stop());

  it("gives the vCard FN of a blocked user, and the localpart of one without a profile", async () => {
    const [b, x] = await Promise.all(USERS.slice(0, 2).map((u) => server.connect(u, { transport: "tcp" }))) as [TestClient, TestClient];
    await x.iq(xml("iq", { type: "set" }, xml("vCard", { xmlns: "vcard-temp" }, xml("FN", {}, "Xena Warrior & Co"))));
    expect((await block(b, "65f0a1_xena@localhost")).attrs.type).toBe("result");
    expect((await block(b, "65f0a1_nobody@localhost")).attrs.type).toBe("result");
    const list = await blocklist(b);
    expect(list.map(([user, , fullname]) => [user, fullname]).sort()).toEqual([
      ["65f0a1_nobody@localhost", "65f0a1_nobody"],
      ["65f0a1_xena@localhost", "Xena Warrior & Co"],
    ]);
  });
});
