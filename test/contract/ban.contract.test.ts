// Contract of the §7.6 ban store (src/modules/ban/ban.store.ts) on every backend.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqlBanStore, banMigrations, type BanRecord } from "../../src/modules/ban/ban.store.js";
import type { OpenedDatabase } from "../../src/storage/open-database.js";
import { backendsUnderTest, openTestDatabase } from "../harness/test-database.js";

const ROOM = "65f0a1_lobby@conference.h";
const NOW = 1_700_000_000_000;

function rec(user: string, over: Partial<BanRecord> = {}): BanRecord {
  return { user, type: "room", scope: ROOM, expiresAt: 0, comment: "", by: "65f0a1_alice@h", createdAt: NOW, ...over };
}

describe.each(backendsUnderTest())("SqlBanStore on %s", (backend) => {
  let opened: OpenedDatabase;
  let store: SqlBanStore;

  beforeEach(async () => {
    opened = await openTestDatabase(backend, banMigrations);
    store = new SqlBanStore(opened.db);
  });
  afterEach(() => opened.close());

  it("upserts: a new record replaces the old one for the same user and scope", async () => {
    await store.upsert(rec("b@h", { comment: "first", expiresAt: NOW + 5000 }));
    await store.upsert(rec("b@h", { comment: "second", createdAt: NOW + 1, by: "admin@h" }));
    expect(await store.list("room", ROOM, NOW)).toEqual([rec("b@h", { comment: "second", createdAt: NOW + 1, by: "admin@h" })]);
  });

  it("keeps room and all bans of one user apart; remove deletes one and reports 0 when there was none", async () => {
    await store.upsert(rec("b@h"));
    await store.upsert(rec("b@h", { type: "all", scope: "65f0a1" }));
    expect(await store.remove("b@h", "room", ROOM)).toBe(1);
    expect(await store.remove("b@h", "room", ROOM)).toBe(0);
    expect((await store.list("all", undefined, NOW)).map((r) => r.user)).toEqual(["b@h"]);
  });

  it("lists live bans only, oldest first, ties by JID; with a limit the newest ones, still ascending", async () => {
    await store.upsert(rec("c@h", { createdAt: NOW + 2 }));
    await store.upsert(rec("b@h", { createdAt: NOW + 2 }));
    await store.upsert(rec("a@h", { createdAt: NOW + 1 }));
    await store.upsert(rec("x@h", { createdAt: NOW, expiresAt: NOW }));
    await store.upsert(rec("y@h", { createdAt: NOW, expiresAt: NOW + 1 }));
    expect((await store.list("room", ROOM, NOW)).map((r) => r.user)).toEqual(["y@h", "a@h", "b@h", "c@h"]);
    expect((await store.list("room", ROOM, NOW, 2)).map((r) => r.user)).toEqual(["b@h", "c@h"]);
  });

  it("reads what may apply in a room: its room bans, its App's all bans and those of users with no App", async () => {
    await store.upsert(rec("inroom@h"));
    await store.upsert(rec("other@h", { scope: "65f0a1_other@conference.h" }));
    await store.upsert(rec("app@h", { type: "all", scope: "65f0a1" }));
    await store.upsert(rec("noapp@h", { type: "all", scope: "" }));
    await store.upsert(rec("otherapp@h", { type: "all", scope: "77aa00" }));
    await store.upsert(rec("expired@h", { expiresAt: NOW - 1 }));
    const users = async (app: string | undefined) => (await store.forRoom(ROOM, app, NOW)).map((r) => `${r.user}:${r.type}`).sort();
    expect(await users("65f0a1")).toEqual(["app@h:all", "inroom@h:room", "noapp@h:all"]);
    expect(await users(undefined)).toEqual(["inroom@h:room", "noapp@h:all"]);
  });

  it("deletes a user's bans, a room's room bans, and expired rows", async () => {
    await store.upsert(rec("b@h"));
    await store.upsert(rec("b@h", { type: "all", scope: "65f0a1" }));
    await store.upsert(rec("c@h", { by: "b@h" }));
    await store.upsert(rec("d@h", { expiresAt: NOW - 1 }));
    await store.upsert(rec("e@h", { type: "all", scope: "65f0a1", expiresAt: NOW + 10 }));
    await store.deleteUser("b@h");
    expect((await store.list("room", ROOM, 0)).map((r) => r.user)).toEqual(["c@h", "d@h"]);
    expect(await store.purgeExpired(NOW)).toBe(1);
    await store.deleteRoom(ROOM);
    expect(await store.list("room", ROOM, 0)).toEqual([]);
    expect((await store.list("all", undefined, NOW)).map((r) => r.user)).toEqual(["e@h"]);
  });
});
