/**
 * Block lists as the rest of the server sees them: the store behind the in-memory cache, the size
 * limit (PROTOCOL §9.1 `block.max_items`) and the XEP-0191 §6 match. Every list kind goes through
 * here, so the XEP-0191 module and the PROTOCOL §7.7 plugin share one answer to "is X blocked by Y".
 * Writes are serialised per owner (the size check holds under concurrent requests) and each is followed,
 * still inside that owner's turn, by the write listeners (the §7.7 reverse index, user-block.index.ts).
 */
import type { Jid } from "../../xmpp/jid.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { KeyedMutex } from "../offline/keyed-mutex.js";
import type { BlocklistCache } from "./blocking.cache.js";
import { isMatchedBy } from "./blocking.match.js";
import type { BlockEntry, BlockListName, BlocklistStore } from "./blocking.store.js";

/**
 * Called after every write for `owner` (whatever the outcome), before the next write for that owner starts.
 * `list` is the list written, undefined when every list of the owner went (account deletion).
 */
export type BlockWriteListener = (owner: Jid, list: BlockListName | undefined) => Promise<void>;

export class BlockLists {
  readonly #writes = new KeyedMutex();
  readonly #listeners: BlockWriteListener[] = [];

  constructor(
    private readonly store: BlocklistStore,
    private readonly cache: BlocklistCache,
    private readonly maxItems: number,
  ) {}

  /**
   * Whether `owner` has blocked `contact` on `list`; synchronous once the owner's lists are cached.
   * A user's own JIDs are never blocked (XEP-0191 §5: not between one user's resources).
   */
  check(owner: Jid, contact: Jid, list: BlockListName): boolean | Promise<boolean> {
    if (contact.bareString === owner.bareString) return false;
    const items = this.cache.items(owner, list);
    if (items instanceof Promise) return items.then((set) => isMatchedBy(set, contact));
    return isMatchedBy(items, contact);
  }

  /** The cached items of one list, for callers that skip work when it is empty. */
  items(owner: Jid, list: BlockListName): ReadonlySet<string> | Promise<ReadonlySet<string>> {
    return this.cache.items(owner, list);
  }

  /** Loads the owner's lists into memory ahead of the first stanza (session start). */
  async warm(owner: Jid): Promise<void> {
    await this.cache.lists(owner);
  }

  async entries(owner: Jid, list: BlockListName): Promise<BlockEntry[]> {
    return (await this.store.entries(owner)).filter((e) => e.list === list);
  }

  /**
   * Adds items (normalised JID strings). Refuses the whole request with `wait`/`resource-constraint`
   * when the list would hold more than `block.max_items` entries (PROTOCOL §9.1). Returns the items
   * that were not on the list before.
   */
  async block(owner: Jid, list: BlockListName, jids: readonly string[]): Promise<string[]> {
    return this.#write(owner, list, async (touch) => {
      const current = await this.cache.items(owner, list);
      const fresh = [...new Set(jids)].filter((j) => !current.has(j));
      if (fresh.length === 0) return fresh;
      if (current.size + fresh.length > this.maxItems) throw new StanzaError("resource-constraint", "The block list is full");
      touch();
      await this.store.block(owner, list, fresh);
      return fresh;
    });
  }

  /** Removes the given items, or the whole list when `jids` is undefined. */
  async unblock(owner: Jid, list: BlockListName, jids?: readonly string[]): Promise<void> {
    await this.#write(owner, list, async (touch) => {
      touch();
      await this.store.unblock(owner, list, jids);
    });
  }

  /** Runs after every write, in the owner's turn (see BlockWriteListener). Register during setup. */
  onWrite(listener: BlockWriteListener): void {
    this.#listeners.push(listener);
  }

  /**
   * One owner's writes run one at a time. Once `op` has touched the store, the cache is invalidated and the
   * listeners run, even when the write failed (the store may have changed anyway).
   */
  async #write<T>(owner: Jid, list: BlockListName | undefined, op: (touch: () => void) => Promise<T>): Promise<T> {
    return this.#writes.run(owner.bareString, async () => {
      let touched = false;
      try {
        return await op(() => (touched = true));
      } finally {
        if (touched) {
          this.cache.invalidate(owner);
          for (const listener of this.#listeners) await listener(owner, list);
        }
      }
    });
  }

  /** Every (owner, item) pair of one list kind (in-memory indexes built at start). */
  allOf(list: BlockListName): Promise<{ readonly owner: string; readonly jid: string }[]> {
    return this.store.allOf(list);
  }

  async deleteOwner(owner: Jid): Promise<void> {
    await this.#write(owner, undefined, async (touch) => {
      touch();
      await this.store.deleteOwner(owner);
    });
  }
}
