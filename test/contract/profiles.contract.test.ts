// Contract of the `<data>` profile store (PROTOCOL §7.5 profile cache) on every backend.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqlProfileStore, profilesMigrations } from "../../src/modules/profiles/profiles.store.js";
import type { OpenedDatabase } from "../../src/storage/open-database.js";
import { backendsUnderTest, openTestDatabase } from "../harness/test-database.js";

describe.each(backendsUnderTest())("SqlProfileStore on %s", (backend) => {
  let opened: OpenedDatabase;
  let store: SqlProfileStore;
  let now = 1_000;

  beforeEach(async () => {
    opened = await openTestDatabase(backend, profilesMigrations);
    store = new SqlProfileStore(opened.db, () => now);
  });
  afterEach(() => opened.close());

  it("has nothing for an unknown user", async () => {
    expect(await store.get("alice@example.com")).toBeUndefined();
  });

  it("stores and replaces a user's row", async () => {
    await store.set("alice@example.com", { name: "Alice", photo: "" });
    now = 2_000;
    await store.set("alice@example.com", { name: "Alice Smith", photo: "https://cdn/a.png" });
    expect(await store.get("alice@example.com")).toEqual({ name: "Alice Smith", photo: "https://cdn/a.png" });
    const row = await opened.db.selectFrom("profile_data").selectAll().execute();
    expect(row.map((r) => [r.jid, Number(r.updated_at)])).toEqual([["alice@example.com", 2_000]]);
  });

  it("reads many rows at once, more than fit in one query", async () => {
    const users = Array.from({ length: 1_100 }, (_, i) => `u${i}@example.com`);
    const stored = [0, 499, 500, 1_099].map((i) => users[i]!);
    for (const u of stored) await store.set(u, { name: u, photo: "" });
    const found = await store.getMany(users);
    expect([...found.keys()].sort()).toEqual([...stored].sort());
    expect(found.get(stored[1]!)).toEqual({ name: stored[1], photo: "" });
  });

  it("deletes one user's row only", async () => {
    await store.set("alice@example.com", { name: "Alice", photo: "" });
    await store.set("bob@example.com", { name: "Bob", photo: "" });
    await store.delete("alice@example.com");
    expect(await store.get("alice@example.com")).toBeUndefined();
    expect(await store.get("bob@example.com")).toEqual({ name: "Bob", photo: "" });
  });
});
