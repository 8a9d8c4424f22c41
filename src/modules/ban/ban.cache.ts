/**
 * The per-room view of §7.6 bans that enforcement reads on every groupchat message (§3.6 step 3): one
 * store round trip per room per TTL, answered synchronously while fresh. This node's own changes
 * invalidate at once; another node's are seen within the TTL (docs/plugins/ban.md, "Several nodes").
 * Expiry needs no refresh: every hit carries its `expiresAt`, compared with the clock at check time.
 */
import type { RoomBan } from "./ban.store.js";

/** The bans that may apply in one room, by banned bare JID. */
export type RoomBans = ReadonlyMap<string, readonly RoomBan[]>;

interface Entry {
  readonly bans: RoomBans;
  readonly loadedAt: number;
}

const EMPTY: RoomBans = new Map();

export class BanCache {
  readonly #entries = new Map<string, Entry>();
  readonly #loading = new Map<string, Promise<RoomBans>>();
  /** Bumped by every invalidation: a load that started before one does not fill the cache. */
  #generation = 0;

  constructor(
    private readonly load: (room: string) => Promise<readonly RoomBan[]>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The room's bans: synchronous while the entry is fresh, else one (shared) store read. */
  get(room: string): RoomBans | Promise<RoomBans> {
    const entry = this.#entries.get(room);
    if (entry !== undefined && this.now() - entry.loadedAt < this.ttlMs) return entry.bans;
    return this.#loading.get(room) ?? this.#fetch(room);
  }

  /** This node changed a `room` ban: the next check reads the store. */
  invalidate(room: string): void {
    this.#generation++;
    this.#entries.delete(room);
    this.#loading.delete(room);
  }

  /** This node changed an `all` ban (it may cover any room) or deleted an account. */
  invalidateAll(): void {
    this.#generation++;
    this.#entries.clear();
    this.#loading.clear();
  }

  /** Drops entries past their TTL, so rooms that went quiet do not hold memory. */
  sweep(): void {
    const now = this.now();
    for (const [room, entry] of this.#entries) if (now - entry.loadedAt >= this.ttlMs) this.#entries.delete(room);
  }

  get size(): number {
    return this.#entries.size;
  }

  #fetch(room: string): Promise<RoomBans> {
    const generation = this.#generation;
    const loadedAt = this.now();
    const promise = this.load(room).then(
      (rows) => {
        const bans = group(rows);
        if (this.#loading.get(room) === promise) this.#loading.delete(room);
        if (generation === this.#generation) this.#entries.set(room, { bans, loadedAt });
        return bans;
      },
      (err: unknown) => {
        if (this.#loading.get(room) === promise) this.#loading.delete(room);
        throw err;
      },
    );
    this.#loading.set(room, promise);
    return promise;
  }
}

function group(rows: readonly RoomBan[]): RoomBans {
  if (rows.length === 0) return EMPTY;
  const map = new Map<string, RoomBan[]>();
  for (const r of rows) {
    const list = map.get(r.user);
    if (list === undefined) map.set(r.user, [r]);
    else list.push(r);
  }
  return map;
}
