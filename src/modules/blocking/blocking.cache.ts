/**
 * Block lists held in memory, because every routed message asks "has the recipient blocked the
 * sender?" (CONTRIBUTING-features §8: no DB round trip per message), and room broadcasts ask it once
 * per recipient. Bounded: past `maxOwners`, owners not asked about recently are forgotten (second
 * chance, so a hit is one Map lookup and a flag, with no reordering). Writers invalidate an owner
 * after changing the store; a load that was running when that happened is discarded, not cached.
 */
import type { Jid } from "../../xmpp/jid.js";
import type { BlockEntry, BlockListName, BlocklistStore } from "./blocking.store.js";

/** One owner's lists: list name → blocked item strings. */
export type OwnerLists = ReadonlyMap<BlockListName, ReadonlySet<string>>;

interface Slot {
  value: OwnerLists | Promise<OwnerLists>;
  /** Asked about since eviction last looked at it. */
  used: boolean;
}

const EMPTY_SET: ReadonlySet<string> = new Set();
const NO_LISTS: OwnerLists = new Map();

export const DEFAULT_CACHED_OWNERS = 50_000;

export class BlocklistCache {
  /** Map order is insertion order: the first slot is the next eviction candidate. */
  readonly #owners = new Map<string, Slot>();

  constructor(
    private readonly store: BlocklistStore,
    private readonly maxOwners = DEFAULT_CACHED_OWNERS,
  ) {}

  /** The owner's lists: synchronously when cached, else a promise of the load. */
  lists(owner: Jid): OwnerLists | Promise<OwnerLists> {
    const key = owner.bareString;
    const hit = this.#owners.get(key);
    if (hit !== undefined) {
      hit.used = true;
      return hit.value;
    }
    const slot: Slot = { value: NO_LISTS, used: false };
    slot.value = this.store.entries(owner).then(
      (entries) => {
        const lists = groupByList(entries);
        if (this.#owners.get(key) === slot) slot.value = lists;
        return lists;
      },
      (error: unknown) => {
        if (this.#owners.get(key) === slot) this.#owners.delete(key);
        throw error;
      },
    );
    this.#makeRoom();
    this.#owners.set(key, slot);
    return slot.value;
  }

  /** The items of one list (empty set when none). */
  items(owner: Jid, list: BlockListName): ReadonlySet<string> | Promise<ReadonlySet<string>> {
    const lists = this.lists(owner);
    if (lists instanceof Promise) return lists.then((l) => l.get(list) ?? EMPTY_SET);
    return lists.get(list) ?? EMPTY_SET;
  }

  /** Call after every write to the store for this owner. */
  invalidate(owner: Jid): void {
    this.#owners.delete(owner.bareString);
  }

  get size(): number {
    return this.#owners.size;
  }

  /** Second chance: a slot used since it was last considered moves to the back instead of going. */
  #makeRoom(): void {
    while (this.#owners.size >= this.maxOwners) {
      const first = this.#owners.entries().next();
      if (first.done === true) return;
      const [key, slot] = first.value;
      this.#owners.delete(key);
      if (!slot.used) return;
      slot.used = false;
      this.#owners.set(key, slot);
    }
  }
}

function groupByList(entries: readonly BlockEntry[]): OwnerLists {
  if (entries.length === 0) return NO_LISTS;
  const lists = new Map<BlockListName, Set<string>>();
  for (const e of entries) {
    let set = lists.get(e.list);
    if (set === undefined) lists.set(e.list, (set = new Set()));
    set.add(e.jid);
  }
  return lists;
}
