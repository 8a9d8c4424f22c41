// §7.5 room activity survives a restart on SQLite and PostgreSQL: last_active (coalesced in memory, written at the
// latest when the server stops), membership start, and the `<data>` profile cache.
import { afterAll, describe, expect, it } from "vitest";
import type { SqlDialectName } from "../../src/storage/open-database.js";
import { xml } from "../harness/test-client.js";
import { backendsUnderTest } from "../harness/test-database.js";
import { restartableServer } from "../harness/restartable-server.js";
import { groupchat, joined, leave, nextId } from "./muc-helpers.js";
import { roomLast, settled } from "./room-activity-helpers.js";

const SERVICE = "conference.localhost";
const USERS = ["65f0a1_alice", "65f0a1_bob", "65f0a1_carol"];

describe.each<SqlDialectName>(backendsUnderTest())("room activity across a restart on %s", (backend) => {
  const server = restartableServer(backend, { users: USERS, config: { auth: { mechanisms: ["PLAIN"] } } });
  afterAll(() => server.cleanup());

  it("answers the same ns:room:last after a stop right after the activity", async () => {
    const first = await server.start(true);
    const room = `65f0a1_persist@${SERVICE}`;
    const affiliations = "owner=65f0a1_carol@localhost;member=65f0a1_alice@localhost;member=65f0a1_bob@localhost";
    expect((await first.api("create_room_with_opts", { name: "65f0a1_persist", service: SERVICE, options: { affiliations } })).status).toBe(200);
    const alice = await first.connect("65f0a1_alice");
    await joined(alice, `${room}/65f0a1_alice`);
    await alice.send(groupchat(room, "before the restart", nextId(), xml("data", { xmlns: "wss://chat.example.com/ws", fullName: "Alice Smith", photoURL: "https://cdn/a.png" })));
    await settled(alice);
    await leave(alice, `${room}/65f0a1_alice`);
    const before = await roomLast(alice, { room });
    expect(before.ok).toBe(true);
    const aliceBefore = before.items.find((i) => i.jid === "65f0a1_alice@localhost");
    expect(aliceBefore).toMatchObject({ name: "Alice Smith", profile: "https://cdn/a.png", role: "member" });
    expect(Number(aliceBefore?.last_active)).toBeGreaterThan(0);
    // No flush interval passes between the activity and the stop: only the stop-time flush can keep it.
    await first.stop({ keepData: true });

    const second = await server.start(false);
    try {
      const alice2 = await second.connect("65f0a1_alice");
      const after = await roomLast(alice2, { room });
      expect(after.items).toEqual(before.items);
    } finally {
      await second.stop({ keepData: true });
    }
  });
});
