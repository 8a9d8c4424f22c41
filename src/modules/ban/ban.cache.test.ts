import { describe, expect, it } from "vitest";
import { BanCache } from "./ban.cache.js";
import type { RoomBan } from "./ban.store.js";

function harness(ttl = 1000) {
  let clock = 0;
  const stored = new Map<string, RoomBan[]>();
  const loads: string[] = [];
  const gates: (() => void)[] = [];
  let gated = false;
  const cache = new BanCache(
    async (room) => {
      loads.push(room);
      const rows = [...(stored.get(room) ?? [])];
      if (gated) await new Promise<void>((r) => gates.push(r));
      return rows;
    },
    ttl,
    () => clock,
  );
  return {
    cache,
    stored,
    loads,
    tick: (ms: number) => (clock += ms),
    gate: (on: boolean) => (gated = on),
    release: () => gates.splice(0).forEach((g) => g()),
  };
}

const ban = (user: string): RoomBan => ({ user, type: "room", expiresAt: 0 });

describe("BanCache", () => {
  it("answers synchronously while fresh and reloads after the TTL", async () => {
    const h = harness();
    h.stored.set("r", [ban("bob")]);
    const first = await h.cache.get("r");
    expect(first.has("bob")).toBe(true);
    h.stored.set("r", []);
    const again = h.cache.get("r");
    expect(again instanceof Promise).toBe(false);
    expect((again as ReadonlyMap<string, unknown>).has("bob")).toBe(true);
    h.tick(1000);
    expect((await h.cache.get("r")).has("bob")).toBe(false);
    expect(h.loads).toEqual(["r", "r"]);
  });

  it("shares one load between concurrent callers", async () => {
    const h = harness();
    const [a, b] = await Promise.all([h.cache.get("r"), h.cache.get("r")]);
    expect(a).toBe(b);
    expect(h.loads).toEqual(["r"]);
  });

  it("invalidation makes the next check read the store, and a load begun before it does not fill the cache", async () => {
    const h = harness();
    h.gate(true);
    const stale = h.cache.get("r");
    h.stored.set("r", [ban("bob")]);
    h.cache.invalidate("r");
    h.gate(false);
    const fresh = await h.cache.get("r");
    h.release();
    expect((await stale).has("bob")).toBe(false);
    expect(fresh.has("bob")).toBe(true);
    expect((h.cache.get("r") as ReadonlyMap<string, unknown>).has("bob")).toBe(true);
  });

  it("invalidateAll drops every room; sweep drops entries past the TTL", async () => {
    const h = harness();
    await h.cache.get("a");
    await h.cache.get("b");
    h.cache.invalidateAll();
    expect(h.cache.size).toBe(0);
    await h.cache.get("a");
    h.tick(999);
    h.cache.sweep();
    expect(h.cache.size).toBe(1);
    h.tick(1);
    h.cache.sweep();
    expect(h.cache.size).toBe(0);
  });

  it("does not keep a failed load", async () => {
    let fail = true;
    const cache = new BanCache(async () => {
      if (fail) throw new Error("db down");
      return [ban("bob")];
    }, 1000);
    await expect(cache.get("r")).rejects.toThrow("db down");
    fail = false;
    expect((await cache.get("r")).has("bob")).toBe(true);
  });
});
