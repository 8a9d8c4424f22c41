import { describe, expect, it } from "vitest";
import { parseJid, type Jid } from "../../xmpp/jid.js";
import { BlocklistCache } from "./blocking.cache.js";
import { BlockListName, type BlockEntry, type BlocklistStore } from "./blocking.store.js";

/** A store whose loads are released by hand, so interleavings are explicit. */
class ManualStore implements BlocklistStore {
  readonly data = new Map<string, BlockEntry[]>();
  readonly pending: { owner: string; release: () => void }[] = [];
  loads = 0;
  failNext = false;

  entries(owner: Jid): Promise<BlockEntry[]> {
    this.loads++;
    const fail = this.failNext;
    this.failNext = false;
    const snapshot = [...(this.data.get(owner.bareString) ?? [])];
    return new Promise((resolve, reject) => {
      this.pending.push({ owner: owner.bareString, release: () => (fail ? reject(new Error("db down")) : resolve(snapshot)) });
    });
  }
  releaseAll(): void {
    for (const p of this.pending.splice(0)) p.release();
  }
  set(owner: string, jids: string[]): void {
    this.data.set(owner, jids.map((jid) => ({ list: BlockListName.xep0191, jid, createdAt: 1 })));
  }
  isBlocked(): Promise<boolean> {
    throw new Error("unused");
  }
  block(): Promise<number> {
    throw new Error("unused");
  }
  unblock(): Promise<number> {
    throw new Error("unused");
  }
  deleteOwner(): Promise<void> {
    throw new Error("unused");
  }
  allOf(): Promise<{ owner: string; jid: string }[]> {
    throw new Error("unused");
  }
}

const juliet = parseJid("juliet@capulet.lit");
const L = BlockListName.xep0191;

describe("BlocklistCache", () => {
  it("answers synchronously once loaded, with one load for concurrent callers", async () => {
    const store = new ManualStore();
    store.set(juliet.bareString, ["romeo@montague.net"]);
    const cache = new BlocklistCache(store);
    const first = cache.items(juliet, L);
    const second = cache.items(juliet, L);
    expect(first).toBeInstanceOf(Promise);
    store.releaseAll();
    expect([...(await first)]).toEqual(["romeo@montague.net"]);
    expect([...(await second)]).toEqual(["romeo@montague.net"]);
    const third = cache.items(juliet, L);
    expect(third).not.toBeInstanceOf(Promise);
    expect(store.loads).toBe(1);
  });

  it("discards a load that was running when the owner was invalidated", async () => {
    const store = new ManualStore();
    const cache = new BlocklistCache(store);
    const stale = cache.items(juliet, L); // reads the empty list
    store.set(juliet.bareString, ["romeo@montague.net"]);
    cache.invalidate(juliet); // a writer changed the store
    store.releaseAll();
    expect((await stale).size).toBe(0);
    const fresh = cache.items(juliet, L);
    expect(fresh).toBeInstanceOf(Promise); // the stale result was not cached
    store.releaseAll();
    expect([...(await fresh)]).toEqual(["romeo@montague.net"]);
  });

  it("forgets an owner not asked about recently past its bound", async () => {
    const store = new ManualStore();
    const cache = new BlocklistCache(store, 2);
    const a = parseJid("a@x");
    const b = parseJid("b@x");
    const c = parseJid("c@x");
    const loads = [cache.items(a, L), cache.items(b, L)];
    store.releaseAll();
    await Promise.all(loads);
    cache.items(a, L); // a is now more recent than b
    const loadC = cache.items(c, L);
    store.releaseAll();
    await loadC;
    expect(cache.size).toBe(2);
    expect(cache.items(a, L)).not.toBeInstanceOf(Promise);
    expect(cache.items(b, L)).toBeInstanceOf(Promise);
  });

  it("does not cache a failed load", async () => {
    const store = new ManualStore();
    const cache = new BlocklistCache(store);
    store.failNext = true;
    const failing = cache.items(juliet, L);
    store.releaseAll();
    await expect(failing).rejects.toThrow("db down");
    const retry = cache.items(juliet, L);
    expect(retry).toBeInstanceOf(Promise);
    store.releaseAll();
    expect((await retry).size).toBe(0);
  });
});
