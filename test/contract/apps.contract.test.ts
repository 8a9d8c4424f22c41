// Contract of the App registry store and the pinned-room job cursors (PROTOCOL §1.7, §8.6), and of the
// accounts paging the job walks, on every backend (DESIGN.md §2.7).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqlAccountStore, accountsMigrations } from "../../src/modules/accounts/accounts.store.js";
import { SqlAppStore, appsMigrations, type AppRecord } from "../../src/modules/apps/apps.store.js";
import type { OpenedDatabase } from "../../src/storage/open-database.js";
import { backendsUnderTest, openTestDatabase } from "../harness/test-database.js";

const app = (appId: string, overrides: Partial<AppRecord> = {}): AppRecord => ({ appId, name: "", owners: [], pinnedRooms: [], createdAt: 1_717_000_000_000, ...overrides });

describe.each(backendsUnderTest())("SqlAppStore on %s", (backend) => {
  let opened: OpenedDatabase;
  let store: SqlAppStore;
  beforeEach(async () => {
    opened = await openTestDatabase(backend, appsMigrations);
    store = new SqlAppStore(opened.db);
  });
  afterEach(() => opened.close());

  it("saves, replaces and deletes App records (the creation time is kept)", async () => {
    await store.saveApp(app("65f0a1", { name: "Acme", owners: ["o@h"], pinnedRooms: ["65f0a1_lobby@conference.h"] }));
    await store.saveApp(app("77aa00"));
    await store.saveApp(app("65f0a1", { name: "Acme 2", owners: [], pinnedRooms: ["65f0a1_a@c", "65f0a1_b@c"], createdAt: 5 }));
    const loaded = (await store.loadApps()).sort((a, b) => (a.appId < b.appId ? -1 : 1));
    expect(loaded).toEqual([app("65f0a1", { name: "Acme 2", owners: [], pinnedRooms: ["65f0a1_a@c", "65f0a1_b@c"] }), app("77aa00")]);
    await store.saveJob({ appId: "65f0a1", room: "65f0a1_a@c", host: "h", after: "", createdAt: 1 });
    await store.deleteApp("65f0a1");
    expect((await store.loadApps()).map((a) => a.appId)).toEqual(["77aa00"]);
    expect(await store.loadJobs()).toEqual([]);
  });

  it("keeps job cursors, oldest job first; a job saved again moves its cursor", async () => {
    await store.saveJob({ appId: "a", room: "a_r2@c", host: "h1", after: "", createdAt: 20 });
    await store.saveJob({ appId: "a", room: "a_r1@c", host: "h1", after: "", createdAt: 10 });
    await store.saveJob({ appId: "a", room: "a_r2@c", host: "h2", after: "a_bob", createdAt: 99 });
    expect(await store.loadJobs()).toEqual([
      { appId: "a", room: "a_r1@c", host: "h1", after: "", createdAt: 10 },
      { appId: "a", room: "a_r2@c", host: "h2", after: "a_bob", createdAt: 20 },
    ]);
    await store.deleteJob("a", "a_r1@c");
    expect((await store.loadJobs()).map((j) => j.room)).toEqual(["a_r2@c"]);
  });
});

describe.each(backendsUnderTest())("SqlAccountStore.listPage on %s", (backend) => {
  let opened: OpenedDatabase;
  let store: SqlAccountStore;
  beforeEach(async () => {
    opened = await openTestDatabase(backend, accountsMigrations);
    store = new SqlAccountStore(opened.db);
  });
  afterEach(() => opened.close());

  it("pages through the localparts with a prefix, neither skipping nor repeating", async () => {
    const names = ["65f0a1_zed", "65f0a1_alice", "65f0a1_bob", "65f0a1x_no", "77aa00_alice", "65f0a1_carol", "65f0a1_dave", "admin", "65f0a1_widget-1"];
    for (const n of names) await store.create("h", n, null);
    await store.create("other", "65f0a1_eve", null);
    const seen: string[] = [];
    let after = "";
    for (;;) {
      const page = await store.listPage("h", "65f0a1_", after, 2);
      seen.push(...page);
      if (page.length < 2) break;
      after = page[page.length - 1] ?? "";
    }
    expect([...seen].sort()).toEqual(["65f0a1_alice", "65f0a1_bob", "65f0a1_carol", "65f0a1_dave", "65f0a1_widget-1", "65f0a1_zed"]);
    expect(new Set(seen).size).toBe(seen.length);
  });
});
