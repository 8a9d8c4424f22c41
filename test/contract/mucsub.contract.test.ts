// Contract of the MucSub subscription store (PROTOCOL §5.2 "Stored", §5.8) on every backend (DESIGN.md §2.7).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqlMucSubStore, mucsubMigrations, type StoredSubscription } from "../../src/modules/mucsub/mucsub.store.js";
import type { OpenedDatabase } from "../../src/storage/open-database.js";
import { backendsUnderTest, openTestDatabase } from "../harness/test-database.js";

const SERVICE = "conference.chat.example.com";

function sub(room: string, jid: string, overrides: Partial<StoredSubscription> = {}): StoredSubscription {
  return { service: SERVICE, room, jid, nick: jid.split("@")[0] ?? "", nodes: "messages", createdAt: 1_717_000_000_000, ...overrides };
}

const byKey = (a: StoredSubscription, b: StoredSubscription) => (a.room + a.jid < b.room + b.jid ? -1 : 1);

describe.each(backendsUnderTest())("SqlMucSubStore on %s", (backend) => {
  let opened: OpenedDatabase;
  let store: SqlMucSubStore;
  beforeEach(async () => {
    opened = await openTestDatabase(backend, mucsubMigrations);
    store = new SqlMucSubStore(opened.db);
  });
  afterEach(() => opened.close());

  it("saves subscriptions and loads them back with every field", async () => {
    await store.save(sub("65f0a1_lobby", "65f0a1_alice@chat.example.com", { nodes: "messages,presence" }));
    await store.save(sub("65f0a1_lobby", "65f0a1_bob@chat.example.com", { nick: "Bob", nodes: "" }));
    await store.save(sub("65f0a1_other", "65f0a1_alice@chat.example.com", { service: "conference.other.example.com" }));
    expect((await store.loadAll()).sort(byKey)).toEqual(
      [
        sub("65f0a1_lobby", "65f0a1_alice@chat.example.com", { nodes: "messages,presence" }),
        sub("65f0a1_lobby", "65f0a1_bob@chat.example.com", { nick: "Bob", nodes: "" }),
        sub("65f0a1_other", "65f0a1_alice@chat.example.com", { service: "conference.other.example.com" }),
      ].sort(byKey),
    );
  });

  it("replaces nick and nodes on a second save but keeps the creation time", async () => {
    await store.save(sub("r", "a@h", { nick: "A", nodes: "messages", createdAt: 5 }));
    await store.save(sub("r", "a@h", { nick: "A2", nodes: "subject,system", createdAt: 9 }));
    expect(await store.loadAll()).toEqual([sub("r", "a@h", { nick: "A2", nodes: "subject,system", createdAt: 5 })]);
  });

  it("deletes one subscription, a room's, and a user's", async () => {
    await store.save(sub("r1", "a@h"));
    await store.save(sub("r1", "b@h"));
    await store.save(sub("r2", "a@h"));
    await store.save(sub("r2", "b@h"));
    await store.save(sub("r3", "a@h"));
    await store.delete(SERVICE, "r1", "b@h");
    await store.delete(SERVICE, "r1", "nobody@h");
    expect((await store.loadAll()).map((s) => s.room + " " + s.jid).sort()).toEqual(["r1 a@h", "r2 a@h", "r2 b@h", "r3 a@h"]);
    await store.deleteRoom(SERVICE, "r2");
    expect((await store.loadAll()).map((s) => s.room + " " + s.jid).sort()).toEqual(["r1 a@h", "r3 a@h"]);
    await store.deleteUser("a@h");
    expect(await store.loadAll()).toEqual([]);
  });
});
