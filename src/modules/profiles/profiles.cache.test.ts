import { describe, expect, it } from "vitest";
import { CachedProfileData, LruMap, mergeHint } from "./profiles.cache.js";
import type { DataProfile, SqlProfileStore } from "./profiles.store.js";

/** An in-memory stand-in for the SQL store that counts reads and writes. */
class FakeStore {
  readonly rows = new Map<string, DataProfile>();
  reads = 0;
  writes = 0;
  async get(bare: string): Promise<DataProfile | undefined> {
    this.reads++;
    return this.rows.get(bare);
  }
  async getMany(bares: readonly string[]): Promise<Map<string, DataProfile>> {
    this.reads++;
    const out = new Map<string, DataProfile>();
    for (const b of bares) {
      const r = this.rows.get(b);
      if (r !== undefined) out.set(b, r);
    }
    return out;
  }
  async set(bare: string, profile: DataProfile): Promise<void> {
    this.writes++;
    this.rows.set(bare, profile);
  }
  async delete(bare: string): Promise<void> {
    this.rows.delete(bare);
  }
}

function cached(limit = 100): { store: FakeStore; data: CachedProfileData } {
  const store = new FakeStore();
  return { store, data: new CachedProfileData(store as unknown as SqlProfileStore, limit) };
}

describe("mergeHint", () => {
  it("keeps known values for empty hint fields and returns the same object when nothing changed", () => {
    const known = { name: "A", photo: "p" };
    expect(mergeHint(known, { name: "", photo: "q" })).toEqual({ name: "A", photo: "q" });
    expect(mergeHint(known, { name: "B", photo: "" })).toEqual({ name: "B", photo: "p" });
    expect(mergeHint(known, { name: "A", photo: "" })).toBe(known);
  });
});

describe("LruMap", () => {
  it("evicts the least recently used entry", () => {
    const m = new LruMap<number>(2);
    m.set("a", 1);
    m.set("b", 2);
    m.get("a");
    m.set("c", 3);
    expect(m.size).toBe(2);
    expect(m.get("b")).toBeUndefined();
    expect(m.get("a")).toBe(1);
  });
});

describe("CachedProfileData", () => {
  it("writes only when the name or photo changes", async () => {
    const { store, data } = cached();
    await data.observe("a@x", { name: "Alice", photo: "" });
    await data.observe("a@x", { name: "Alice", photo: "" });
    await data.observe("a@x", { name: "", photo: "" });
    expect(store.writes).toBe(1);
    await data.observe("a@x", { name: "", photo: "https://p" });
    expect(store.writes).toBe(2);
    expect(store.rows.get("a@x")).toEqual({ name: "Alice", photo: "https://p" });
  });

  it("reads the store once per user, then serves from memory", async () => {
    const { store, data } = cached();
    store.rows.set("a@x", { name: "Alice", photo: "" });
    await Promise.all([data.get("a@x"), data.get("a@x")]);
    await data.observe("a@x", { name: "Alice", photo: "" });
    expect(await data.get("a@x")).toEqual({ name: "Alice", photo: "" });
    expect(store.reads).toBe(1);
    expect(store.writes).toBe(0);
  });

  it("merges with the stored row after an eviction", async () => {
    const { store, data } = cached(1);
    await data.observe("a@x", { name: "Alice", photo: "https://a" });
    await data.observe("b@x", { name: "Bob", photo: "" });
    await data.observe("a@x", { name: "", photo: "https://a2" });
    expect(store.rows.get("a@x")).toEqual({ name: "Alice", photo: "https://a2" });
  });

  it("reads many users in one query and knows the ones without a row", async () => {
    const { store, data } = cached();
    store.rows.set("a@x", { name: "Alice", photo: "" });
    const got = await data.getMany(["a@x", "b@x"]);
    expect(got.get("a@x")).toEqual({ name: "Alice", photo: "" });
    expect(got.get("b@x")).toEqual({ name: "", photo: "" });
    await data.getMany(["a@x", "b@x"]);
    expect(store.reads).toBe(1);
  });

  it("the last of concurrent observations ends up stored", async () => {
    const { store, data } = cached();
    await Promise.all([data.observe("a@x", { name: "One", photo: "" }), data.observe("a@x", { name: "Two", photo: "" })]);
    expect(store.rows.get("a@x")).toEqual({ name: "Two", photo: "" });
    expect(await data.get("a@x")).toEqual({ name: "Two", photo: "" });
  });

  it("delete forgets the user in memory and in the store", async () => {
    const { store, data } = cached();
    await data.observe("a@x", { name: "Alice", photo: "" });
    await data.delete("a@x");
    expect(store.rows.has("a@x")).toBe(false);
    expect(await data.get("a@x")).toEqual({ name: "", photo: "" });
  });
});
