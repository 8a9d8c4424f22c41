import { describe, expect, it } from "vitest";
import { ActivityTracker } from "./activity-tracker.js";
import type { Activity, ActivityUpdate, SqlRoomActivityStore } from "./room-activity.store.js";

/** An in-memory stand-in for the SQL store; `fail` makes the next apply throw, `gate` holds applies open. */
class FakeStore {
  readonly rows = new Map<string, Activity>();
  batches: ActivityUpdate[][] = [];
  fail = false;
  gate: Promise<void> | undefined;
  async forRoom(room: string): Promise<Map<string, Activity>> {
    const out = new Map<string, Activity>();
    for (const [k, v] of this.rows) if (k.startsWith(room + " ")) out.set(k.slice(room.length + 1), v);
    return out;
  }
  async apply(updates: readonly ActivityUpdate[]): Promise<void> {
    await this.gate;
    if (this.fail) {
      this.fail = false;
      throw new Error("down");
    }
    this.batches.push(updates.map((u) => ({ ...u })));
    for (const u of updates) {
      const key = `${u.room} ${u.jid}`;
      const row = this.rows.get(key) ?? { lastActive: 0, memberSince: 0 };
      this.rows.set(key, { lastActive: u.lastActive ?? row.lastActive, memberSince: u.memberSince ?? row.memberSince });
    }
  }
  async deleteRoom(room: string): Promise<void> {
    for (const k of [...this.rows.keys()]) if (k.startsWith(room + " ")) this.rows.delete(k);
  }
  async deleteUser(jid: string): Promise<void> {
    for (const k of [...this.rows.keys()]) if (k.endsWith(" " + jid)) this.rows.delete(k);
  }
}

function tracker(): { store: FakeStore; t: ActivityTracker; errors: unknown[] } {
  const store = new FakeStore();
  const errors: unknown[] = [];
  return { store, errors, t: new ActivityTracker(store as unknown as SqlRoomActivityStore, (e) => errors.push(e)) };
}

describe("ActivityTracker", () => {
  it("coalesces many touches into one row per user and one batch per flush", async () => {
    const { store, t } = tracker();
    for (let i = 1; i <= 100; i++) t.touch("r@c", "a@x", i);
    t.touch("r@c", "b@x", 7);
    t.touch("r@c", "a@x", 50); // an older time never moves last_active back
    expect(store.batches).toEqual([]);
    await t.flush();
    expect(store.batches).toHaveLength(1);
    expect(store.batches[0]).toHaveLength(2);
    expect(store.rows.get("r@c a@x")).toEqual({ lastActive: 100, memberSince: 0 });
    await t.flush();
    expect(store.batches).toHaveLength(1);
  });

  it("reads the stored rows with unwritten changes laid over them", async () => {
    const { t } = tracker();
    t.memberSince("r@c", "a@x", 5);
    await t.flush();
    t.touch("r@c", "a@x", 9);
    t.touch("r@c", "b@x", 3);
    expect(Object.fromEntries(await t.forRoom("r@c"))).toEqual({ "a@x": { lastActive: 9, memberSince: 5 }, "b@x": { lastActive: 3, memberSince: 0 } });
  });

  it("sees a batch while it is being written", async () => {
    const { store, t } = tracker();
    let open!: () => void;
    store.gate = new Promise((r) => (open = r));
    t.touch("r@c", "a@x", 9);
    const flushing = t.flush();
    expect((await t.forRoom("r@c")).get("a@x")?.lastActive).toBe(9);
    open();
    await flushing;
    expect(store.rows.get("r@c a@x")?.lastActive).toBe(9);
  });

  it("puts a failed batch back and writes it with the next flush, newer values winning", async () => {
    const { store, t, errors } = tracker();
    t.touch("r@c", "a@x", 5);
    t.memberSince("r@c", "b@x", 4);
    store.fail = true;
    await t.flush();
    expect(errors).toHaveLength(1);
    t.touch("r@c", "a@x", 8);
    await t.flush();
    expect(store.rows.get("r@c a@x")).toEqual({ lastActive: 8, memberSince: 0 });
    expect(store.rows.get("r@c b@x")).toEqual({ lastActive: 0, memberSince: 4 });
  });

  it("forgets a destroyed room and a deleted user, pending changes included", async () => {
    const { store, t } = tracker();
    t.touch("r@c", "a@x", 1);
    t.touch("s@c", "a@x", 1);
    t.touch("s@c", "b@x", 1);
    await t.flush();
    t.touch("r@c", "b@x", 2);
    t.touch("s@c", "a@x", 3);
    await t.deleteRoom("r@c");
    await t.deleteUser("a@x");
    await t.flush();
    expect([...store.rows.keys()]).toEqual(["s@c b@x"]);
  });
});
