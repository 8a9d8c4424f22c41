// `ns:getrooms` for a user in 205 rooms (PROTOCOL §7.3): membership by affiliation and by subscription, order,
// per-room member counts, the summary of every room (archives seeded through the MAM API, read markers through
// private storage as a client stores them), the unread cap of 1000, and RSM `max` defaulting to 50 and clamped
// to 200. Correctness only; the timing figure in docs/plugins/getrooms.md was measured by hand.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EntryKind, mamModule } from "../../src/modules/mam/mam.module.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import type { TestClient } from "../harness/test-client.js";
import { createRoom, getrooms, jidsOf, roomsOf, rsmOf, SERVICE, setReadState, subscribeUser } from "./getrooms-helpers.js";

const ALICE = "65f0a1_alice";
const BOB = "65f0a1_bob";
const ROOMS = 205;

describe("ns:getrooms for a user in 205 rooms", () => {
  let server: TestServer;
  let alice: TestClient;
  const rooms: string[] = [];
  const expected = new Map<string, Record<string, string>>();

  beforeAll(async () => {
    server = await startTestServer({ users: [ALICE, BOB, "65f0a1_carol"], config: { auth: { mechanisms: ["PLAIN"] } } });
    alice = await server.connect(ALICE);
    // Names in an order that is not creation order.
    for (let i = 0; i < ROOMS; i++) {
      const name = `65f0a1_big${String((i * 37) % ROOMS).padStart(3, "0")}`;
      const bySubscription = i % 2 === 1;
      const affiliations = bySubscription ? `owner=${BOB}@localhost` : `owner=${BOB}@localhost;member=${ALICE}@localhost`;
      const room = await createRoom(server, name, { affiliations, ...(i % 3 === 0 ? { title: `Room ${i}` } : {}) });
      if (bySubscription) await subscribeUser(server, room, ALICE);
      if (i % 4 === 0) await subscribeUser(server, room, "65f0a1_carol");
      rooms.push(room);
    }
    // Every membership began before this base, so without a marker everything seeded counts.
    const base = (Date.now() + 60_000) * 1000;
    const mam = server.server.modules.api(mamModule);
    const markers: Record<string, string> = {};
    rooms.forEach((room, i) => {
      const ids: { id: number; from: string }[] = [];
      for (let k = 0; k < i % 4; k++) ids.push({ id: base + i * 1_000_000 + k * 10_000, from: `${BOB}@localhost` });
      if (i % 5 === 0) ids.push({ id: base + i * 1_000_000 + 500_000, from: `${ALICE}@localhost` });
      for (const { id, from } of ids) {
        void mam.archive({ archive: room, id, peer: from, peerResource: "", nick: from.split("@")[0] ?? "", kind: EntryKind.room, originId: null, stanza: "<message type=\"groupchat\"><body>x</body></message>" });
      }
      // A marker on every seventh room, between its first and second message.
      if (i % 7 === 0) markers[room] = String(Math.floor((base + i * 1_000_000) / 1000) + 5);
      const sorted = ids.sort((a, b) => a.id - b.id);
      const last = sorted.at(-1);
      const unreadIds = sorted.filter((e) => e.from !== `${ALICE}@localhost` && (markers[room] === undefined || Math.floor(e.id / 1000) > Number(markers[room])));
      expected.set(room, {
        jid: room,
        ...(i % 3 === 0 ? { name: `Room ${i}` } : {}),
        users_cnt: String(2 + (i % 4 === 0 ? 1 : 0)),
        room_thumbnail: "none",
        room_background: "none",
        ...(last === undefined ? {} : { last_message_id: String(last.id), last_message_at: String(Math.floor(last.id / 1000)), last_message_from: last.from }),
        unread: String(unreadIds.length),
      });
    });
    await mam.flush();
    await setReadState(alice, markers);
  }, 120_000);
  afterAll(() => server.stop());

  it("lists all 205 rooms in JID order with the right counts and summaries", async () => {
    const started = performance.now();
    const reply = await getrooms(alice);
    const elapsed = performance.now() - started;
    if (process.env["GETROOMS_TIMING"] !== undefined) {
      const times = [elapsed];
      for (let k = 0; k < 20; k++) {
        const t = performance.now();
        await getrooms(alice);
        times.push(performance.now() - t);
      }
      console.info(`ns:getrooms, ${ROOMS} rooms, round trips (ms): ${times.map((t) => t.toFixed(1)).join(" ")}`);
    }
    const sorted = [...rooms].sort();
    expect(jidsOf(reply)).toEqual(sorted);
    expect(roomsOf(reply)).toEqual(sorted.map((r) => expected.get(r)));
  });

  it("defaults RSM max to 50 and clamps it to 200", async () => {
    const sorted = [...rooms].sort();
    const byDefault = await getrooms(alice, {});
    expect(jidsOf(byDefault)).toEqual(sorted.slice(0, 50));
    expect(rsmOf(byDefault)).toMatchObject({ index: "0", count: String(ROOMS) });
    const clamped = await getrooms(alice, { max: 500, after: sorted[2] ?? "" });
    expect(jidsOf(clamped)).toEqual(sorted.slice(3, 203));
    expect(rsmOf(clamped)).toMatchObject({ first: sorted[3], index: "3", last: sorted[202], count: String(ROOMS) });
  });

  it("stops the unread count at 1000", async () => {
    const room = await createRoom(server, "65f0a1_busy", { affiliations: `owner=${BOB}@localhost;member=${ALICE}@localhost` });
    const mam = server.server.modules.api(mamModule);
    const base = (Date.now() + 120_000) * 1000;
    for (let k = 0; k < 1001; k++) {
      await mam.archive({ archive: room, id: base + k, peer: `${BOB}@localhost`, peerResource: "", nick: BOB, kind: EntryKind.room, originId: null, stanza: "<message/>" });
    }
    const entry = roomsOf(await getrooms(alice, { max: 1, before: "" })).find((r) => r.jid === room);
    expect(entry).toMatchObject({ last_message_id: String(base + 1000), unread: "1000" });
    expect(room.endsWith(SERVICE)).toBe(true);
  });
});
