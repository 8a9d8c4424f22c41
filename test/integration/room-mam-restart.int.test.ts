// A room's history survives a graceful restart (PROTOCOL §6.1–§6.3, §3.2 persistent rooms): the same entries under
// the same ids, still readable through the room JID with the same access rules, and new ids above the old ones.
// On SQLite (a file in the data dir) and PostgreSQL (a schema).
import { join as joinPath } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { SqlDialectName } from "../../src/storage/open-database.js";
import { backendsUnderTest } from "../harness/test-database.js";
import { restartableServer } from "../harness/restartable-server.js";
import { joined } from "./muc-helpers.js";
import { bodies, outcome, post, queryRoom, rsmOf, unwrap } from "./room-mam-helpers.js";

const SERVICE = "conference.localhost";
const ROOM = `65f0a1_history@${SERVICE}`;

describe.each<SqlDialectName>(backendsUnderTest())("room archive across a restart on %s", (backend) => {
  const server = restartableServer(backend, { users: ["65f0a1_alice", "65f0a1_bob", "65f0a1_carol"], config: { auth: { mechanisms: ["PLAIN"] } } });

  afterAll(() => server.cleanup());

  it("keeps the room's entries and ids, and allocates new ids above them", async () => {
    const first = await server.start(true);
    if (backend === "sqlite") expect(server.databaseUrl).toBe(`sqlite:${joinPath(server.dataDir, "rtc.sqlite")}`);
    const options = { members_only: "true", affiliations: "owner=65f0a1_alice@localhost;member=65f0a1_bob@localhost" };
    expect((await first.api("create_room_with_opts", { name: "65f0a1_history", service: SERVICE, options })).status).toBe(200);
    const alice = await first.connect("65f0a1_alice");
    await joined(alice, `${ROOM}/65f0a1_alice`);
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push(await post(alice, ROOM, `kept ${i}`));
    // No query before the stop: entries still queued must be written by the stop itself.
    await first.stop({ keepData: true });

    const second = await server.start(false);
    try {
      const bob = await second.connect("65f0a1_bob", { transport: "ws" });
      const after = await queryRoom(bob, ROOM, { before: "" });
      expect(bodies(after)).toEqual(["kept 1", "kept 2", "kept 3", "kept 4", "kept 5"]);
      expect(after.results.map((r) => unwrap(r).id)).toEqual(ids);
      expect(after.results.map((r) => [r.attrs.from, unwrap(r).message.attrs.from, unwrap(r).delay.attrs.from])).toEqual(
        ids.map(() => [ROOM, `${ROOM}/65f0a1_alice`, SERVICE]),
      );
      expect(rsmOf(after.fin)).toMatchObject({ complete: "true", count: "5" });
      expect(bodies(await queryRoom(bob, ROOM, { with: "65f0a1_alice@localhost", max: 2, before: "" }))).toEqual(["kept 4", "kept 5"]);
      const carol = await second.connect("65f0a1_carol");
      expect(await outcome(carol, ROOM)).toBe("auth/forbidden/Only members may query archives of this room");

      const alice2 = await second.connect("65f0a1_alice");
      await joined(alice2, `${ROOM}/65f0a1_alice`);
      const newId = await post(alice2, ROOM, "after restart");
      expect(Number(newId)).toBeGreaterThan(Number(ids[4]));
      expect(bodies(await queryRoom(bob, ROOM, { max: 2, before: "" }))).toEqual(["kept 5", "after restart"]);
    } finally {
      await second.stop({ keepData: true });
    }
  });
});
