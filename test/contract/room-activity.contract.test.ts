// Contract of the room activity store (PROTOCOL §7.5 last_active, membership start) on every backend.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqlRoomActivityStore, roomActivityMigrations } from "../../src/modules/room-activity/room-activity.store.js";
import type { OpenedDatabase } from "../../src/storage/open-database.js";
import { backendsUnderTest, openTestDatabase } from "../harness/test-database.js";

const R = "lobby@conference.example.com";
const S = "other@conference.example.com";

describe.each(backendsUnderTest())("SqlRoomActivityStore on %s", (backend) => {
  let opened: OpenedDatabase;
  let store: SqlRoomActivityStore;

  beforeEach(async () => {
    opened = await openTestDatabase(backend, roomActivityMigrations);
    store = new SqlRoomActivityStore(opened.db);
  });
  afterEach(() => opened.close());

  it("has nothing for an unknown room", async () => {
    expect((await store.forRoom(R)).size).toBe(0);
  });

  it("upserts only the fields a change sets", async () => {
    await store.apply([
      { room: R, jid: "a@x", lastActive: 1_731_677_817_000, memberSince: 1_700_000_000_000 },
      { room: R, jid: "b@x", memberSince: 1_600_000_000_000 },
      { room: S, jid: "a@x", lastActive: 5 },
    ]);
    await store.apply([
      { room: R, jid: "a@x", lastActive: 1_731_677_900_000 },
      { room: R, jid: "b@x", lastActive: 7 },
      { room: S, jid: "a@x", memberSince: 0 },
    ]);
    await store.apply([{ room: R, jid: "b@x", memberSince: 0, lastActive: 8 }]);
    expect(Object.fromEntries(await store.forRoom(R))).toEqual({
      "a@x": { lastActive: 1_731_677_900_000, memberSince: 1_700_000_000_000 },
      "b@x": { lastActive: 8, memberSince: 0 },
    });
    expect(Object.fromEntries(await store.forRoom(S))).toEqual({ "a@x": { lastActive: 5, memberSince: 0 } });
  });

  it("writes a large batch in one call", async () => {
    const batch = Array.from({ length: 700 }, (_, i) => ({ room: R, jid: `u${i}@x`, lastActive: i + 1 }));
    await store.apply(batch);
    await store.apply(batch.map((u) => ({ room: u.room, jid: u.jid, memberSince: 1 })));
    const rows = await store.forRoom(R);
    expect(rows.size).toBe(700);
    expect(rows.get("u699@x")).toEqual({ lastActive: 700, memberSince: 1 });
  });

  it("deletes a room's rows and a user's rows", async () => {
    await store.apply([
      { room: R, jid: "a@x", lastActive: 1 },
      { room: R, jid: "b@x", lastActive: 1 },
      { room: S, jid: "a@x", lastActive: 1 },
      { room: S, jid: "c@x", lastActive: 1 },
    ]);
    await store.deleteRoom(R);
    await store.deleteUser("a@x");
    expect((await store.forRoom(R)).size).toBe(0);
    expect([...(await store.forRoom(S)).keys()]).toEqual(["c@x"]);
  });
});
