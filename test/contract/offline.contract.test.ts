// Contract of the offline queue store (PROTOCOL §9.4) on every backend.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqlOfflineStore, offlineMigrations } from "../../src/modules/offline/offline.store.js";
import type { OpenedDatabase } from "../../src/storage/open-database.js";
import { backendsUnderTest, openTestDatabase } from "../harness/test-database.js";

describe.each(backendsUnderTest())("offline store on %s", (backend) => {
  let opened: OpenedDatabase;
  let store: SqlOfflineStore;

  beforeEach(async () => {
    opened = await openTestDatabase(backend, offlineMigrations);
    store = new SqlOfflineStore(opened.db);
  });
  afterEach(() => opened.close());

  it("keeps each owner's queue apart, in arrival order, with its timestamp", async () => {
    const a1 = await store.add("a@h", 1_700_000_000_001, "<message>1</message>");
    await store.add("b@h", 1_700_000_000_002, "<message>other</message>");
    const a2 = await store.add("a@h", 1_700_000_000_003, "<message>2</message>");
    expect(a2).toBeGreaterThan(a1);
    expect(await store.count("a@h")).toBe(2);
    expect(await store.count("b@h")).toBe(1);
    expect(await store.count("c@h")).toBe(0);
    expect(await store.list("a@h")).toEqual([
      { id: a1, owner: "a@h", storedAt: 1_700_000_000_001, stanza: "<message>1</message>" },
      { id: a2, owner: "a@h", storedAt: 1_700_000_000_003, stanza: "<message>2</message>" },
    ]);
  });

  it("keeps text byte for byte (non-ASCII, quotes, long payloads)", async () => {
    const xml = `<message><body>héllo — 😀 &amp; "q"</body><data x="${"z".repeat(70_000)}"/></message>`;
    await store.add("a@h", 1, xml);
    expect((await store.list("a@h"))[0]?.stanza).toBe(xml);
  });

  it("takes the whole queue at once, oldest first, and leaves nothing behind", async () => {
    for (let i = 0; i < 5; i++) await store.add("a@h", 100 + i, `<m>${i}</m>`);
    await store.add("b@h", 1, "<m>b</m>");
    const taken = await store.takeAll("a@h");
    expect(taken.map((r) => r.stanza)).toEqual(["<m>0</m>", "<m>1</m>", "<m>2</m>", "<m>3</m>", "<m>4</m>"]);
    expect(taken.map((r) => r.storedAt)).toEqual([100, 101, 102, 103, 104]);
    expect(await store.count("a@h")).toBe(0);
    expect(await store.takeAll("a@h")).toEqual([]);
    expect(await store.count("b@h")).toBe(1);
  });

  it("gives two concurrent takes disjoint rows", async () => {
    for (let i = 0; i < 20; i++) await store.add("a@h", i, `<m>${i}</m>`);
    const [x, y] = await Promise.all([store.takeAll("a@h"), store.takeAll("a@h")]);
    expect(x.length + y.length).toBe(20);
    const ids = new Set([...x, ...y].map((r) => r.id));
    expect(ids.size).toBe(20);
  });

  it("restores a taken row under its own id, before later messages, and only once", async () => {
    await store.add("a@h", 1, "<m>old</m>");
    const [taken] = await store.takeAll("a@h");
    if (taken === undefined) throw new Error("nothing taken");
    const newer = await store.add("a@h", 2, "<m>new</m>");
    await store.restore(taken);
    await store.restore(taken);
    const rows = await store.list("a@h");
    expect(rows.map((r) => r.stanza)).toEqual(["<m>old</m>", "<m>new</m>"]);
    expect(rows[0]).toEqual(taken);
    expect(rows[1]?.id).toBe(newer);
    // New ids keep growing after a restore.
    expect(await store.add("a@h", 3, "<m>newest</m>")).toBeGreaterThan(newer);
  });

  it("deletes one owner's queue", async () => {
    await store.add("a@h", 1, "<m/>");
    await store.add("a@h", 2, "<m/>");
    await store.add("b@h", 3, "<m/>");
    expect(await store.deleteOwner("a@h")).toBe(2);
    expect(await store.deleteOwner("a@h")).toBe(0);
    expect(await store.count("a@h")).toBe(0);
    expect(await store.count("b@h")).toBe(1);
  });
});
