/**
 * The `<data>` profile store behind a bounded least-recently-used cache (PROTOCOL §7.5 "Profile cache"): the room
 * message path only writes when a user's name or photo actually changed, and reads hit the database only for users
 * not seen recently. Writes per user are chained, so the stored row always ends as the latest cached value.
 */
import type { DataHint } from "./profiles.data.js";
import type { DataProfile, SqlProfileStore } from "./profiles.store.js";

const NOTHING: DataProfile = { name: "", photo: "" };

/** A bounded map that forgets the least recently used entry first. */
export class LruMap<V> {
  readonly #entries = new Map<string, V>();

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    // Map iteration order is insertion order: re-inserting marks the entry most recently used.
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.limit) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, value);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}

/** The latest non-empty values win (§7.5): an empty field of the hint keeps the known one. */
export function mergeHint(known: DataProfile, hint: DataHint): DataProfile {
  const name = hint.name === "" ? known.name : hint.name;
  const photo = hint.photo === "" ? known.photo : hint.photo;
  return name === known.name && photo === known.photo ? known : { name, photo };
}

export class CachedProfileData {
  readonly #cache: LruMap<DataProfile>;
  readonly #loading = new Map<string, Promise<DataProfile>>();
  readonly #writes = new Map<string, Promise<void>>();
  /** Writes issued to the store (tests check that unchanged values cost none). */
  writes = 0;

  constructor(
    readonly store: SqlProfileStore,
    limit: number,
  ) {
    this.#cache = new LruMap(limit);
  }

  /** The user's `<data>` profile; "" fields when nothing was seen. */
  async get(bare: string): Promise<DataProfile> {
    const cached = this.#cache.get(bare);
    if (cached !== undefined) return cached;
    let loading = this.#loading.get(bare);
    if (loading === undefined) {
      loading = this.store.get(bare).then((row) => {
        this.#loading.delete(bare);
        // A value cached meanwhile (a message observed during the read) is newer than the row.
        const current = this.#cache.get(bare) ?? row ?? NOTHING;
        this.#cache.set(bare, current);
        return current;
      });
      loading.catch(() => this.#loading.delete(bare));
      this.#loading.set(bare, loading);
    }
    return loading;
  }

  /** Many users; one store query for all cache misses. */
  async getMany(bares: readonly string[]): Promise<Map<string, DataProfile>> {
    const out = new Map<string, DataProfile>();
    const misses: string[] = [];
    for (const b of bares) {
      const cached = this.#cache.get(b);
      if (cached === undefined) misses.push(b);
      else out.set(b, cached);
    }
    if (misses.length === 0) return out;
    const rows = await this.store.getMany(misses);
    for (const b of misses) {
      const value = this.#cache.get(b) ?? rows.get(b) ?? NOTHING;
      this.#cache.set(b, value);
      out.set(b, value);
    }
    return out;
  }

  /** Folds a message's hint into the user's profile; writes only when something changed. */
  async observe(bare: string, hint: DataHint): Promise<void> {
    let known = this.#cache.get(bare);
    if (known === undefined) {
      const loaded = await this.get(bare);
      // Re-read after the await: a concurrent observe may have moved the value on.
      known = this.#cache.get(bare) ?? loaded;
    }
    const merged = mergeHint(known, hint);
    if (merged === known) return;
    this.#cache.set(bare, merged);
    await this.#write(bare, merged);
  }

  async delete(bare: string): Promise<void> {
    this.#cache.delete(bare);
    await this.#writes.get(bare);
    await this.store.delete(bare);
    this.#cache.delete(bare);
  }

  #write(bare: string, value: DataProfile): Promise<void> {
    const previous = this.#writes.get(bare) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => {
        this.writes++;
        return this.store.set(bare, value);
      });
    this.#writes.set(bare, next);
    const cleanup = () => {
      if (this.#writes.get(bare) === next) this.#writes.delete(bare);
    };
    next.then(cleanup, cleanup);
    return next;
  }
}
