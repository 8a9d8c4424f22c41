// Contract of the push store (PROTOCOL §7.12 mutes, §7.13 XEP-0357 registrations) and of the mute cache
// over it (limit, expiry, forever), on every backend (DESIGN.md §2.7).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_MUTES, MuteCache, parseUntil } from "../../src/modules/push/push.mutes.js";
import { SqlPushStore, pushMigrations, type Registration } from "../../src/modules/push/push.store.js";
import type { OpenedDatabase } from "../../src/storage/open-database.js";
import { backendsUnderTest, openTestDatabase } from "../harness/test-database.js";

const reg = (node: string, createdAt: number, options: string | null = null): Registration => ({ owner: "u@h", service: "push@h/app", node, options, createdAt });

describe("parseUntil (§7.12)", () => {
  it.each<[string | undefined, number | undefined]>([
    [undefined, 0],
    ["0", 0],
    ["1893456000", 1893456000],
    ["-1", undefined],
    ["1.5", undefined],
    ["", undefined],
    ["soon", undefined],
    ["1e9", undefined],
    ["9999999999999999", undefined],
  ])("%s -> %s", (raw, expected) => {
    expect(parseUntil(raw)).toBe(expected);
  });
});

describe.each(backendsUnderTest())("push store on %s", (backend) => {
  let opened: OpenedDatabase;
  let store: SqlPushStore;
  beforeEach(async () => {
    opened = await openTestDatabase(backend, pushMigrations);
    store = new SqlPushStore(opened.db);
  });
  afterEach(() => opened.close());

  it("sets, replaces and removes mutes per owner; a destroyed room loses its mutes", async () => {
    await store.setMute("u@h", "r2@c", 0, 1);
    await store.setMute("u@h", "r1@c", 100, 1);
    await store.setMute("u@h", "r1@c", 200, 2);
    await store.setMute("v@h", "r1@c", 0, 1);
    expect(await store.mutes("u@h")).toEqual([
      { room: "r1@c", until: 200 },
      { room: "r2@c", until: 0 },
    ]);
    await store.removeMutes("u@h", ["r2@c", "absent@c"]);
    expect(await store.mutes("u@h")).toEqual([{ room: "r1@c", until: 200 }]);
    expect((await store.removeRoom("r1@c")).sort()).toEqual(["u@h", "v@h"]);
    expect(await store.mutes("u@h")).toEqual([]);
    expect(await store.mutes("v@h")).toEqual([]);
  });

  it("keeps at most `max` registrations, removing the oldest; re-registering refreshes one", async () => {
    for (let i = 1; i <= 3; i++) expect(await store.register(reg(`n${i}`, i), 3)).toEqual([]);
    expect(await store.register(reg("n1", 10, "<x/>"), 3)).toEqual([]);
    expect((await store.registrations("u@h")).map((r) => [r.node, r.options])).toEqual([
      ["n2", null],
      ["n3", null],
      ["n1", "<x/>"],
    ]);
    expect(await store.register(reg("n4", 11), 3)).toEqual([reg("n2", 2)]);
    expect((await store.registrations("u@h")).map((r) => r.node)).toEqual(["n3", "n1", "n4"]);
  });

  it("disables one node or every node of a service; deleting the owner removes everything", async () => {
    await store.register(reg("a", 1), 20);
    await store.register(reg("b", 2), 20);
    await store.register({ ...reg("c", 3), service: "other@h/x" }, 20);
    expect(await store.unregister("u@h", "push@h/app", "a")).toBe(1);
    expect(await store.unregister("u@h", "push@h/app")).toBe(1);
    expect((await store.registrations("u@h")).map((r) => r.node)).toEqual(["c"]);
    await store.setMute("u@h", "r@c", 0, 1);
    await store.deleteOwner("u@h");
    expect(await store.registrations("u@h")).toEqual([]);
    expect(await store.mutes("u@h")).toEqual([]);
  });

  it("the cache: live mutes only, a limit on new ones, expired ones freed, a past `until` unmutes", async () => {
    let now = 1_000;
    const cache = new MuteCache(store, () => now);
    expect(await cache.set("u@h", "r0@c", 0)).toBe("ok");
    expect(await cache.set("u@h", "r1@c", 1_500)).toBe("ok");
    expect(await cache.isMuted("u@h", "r1@c")).toBe(true);
    now = 1_500;
    expect(await cache.isMuted("u@h", "r1@c")).toBe(false);
    expect(await cache.list("u@h")).toEqual([{ room: "r0@c", until: 0 }]);
    expect(await cache.set("u@h", "r0@c", 900)).toBe("ok");
    expect(await cache.isMuted("u@h", "r0@c")).toBe(false);
    expect(await store.mutes("u@h")).toEqual([{ room: "r1@c", until: 1_500 }]);

    const rows = Array.from({ length: MAX_MUTES }, (_, i) => ({ owner: "w@h", room: `r${i}@c`, until: 0, created_at: 1 }));
    await opened.db.insertInto("push_mutes").values(rows).execute();
    const fresh = new MuteCache(store, () => now);
    expect(await fresh.set("w@h", "one-more@c", 0)).toBe("limit");
    expect(await fresh.set("w@h", "r5@c", 2_000)).toBe("ok"); // replacing one is not a new one
    await fresh.remove("w@h", "r6@c");
    expect(await fresh.set("w@h", "one-more@c", 0)).toBe("ok");
    expect(await fresh.isMuted("w@h", "one-more@c")).toBe(true);
    expect((await fresh.list("w@h")).length).toBe(MAX_MUTES);
  });
});
