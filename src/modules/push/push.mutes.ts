/**
 * Per-user, per-room push mutes (PROTOCOL §7.12): stored in SQL, answered from memory. An owner's mutes
 * are loaded on first use and kept in step by every change made here, so the push path (checked once
 * per push, not per message) costs one Map lookup.
 */
import type { MuteRow, SqlPushStore } from "./push.store.js";

/** §7.12 / §9.1: live mutes per user. */
export const MAX_MUTES = 1000;

/** `until` (Unix seconds, 0 = forever) as sent: a decimal integer ≥ 0, else undefined (bad-request). */
export function parseUntil(raw: string | undefined): number | undefined {
  if (raw === undefined) return 0;
  if (!/^[0-9]{1,15}$/.test(raw)) return undefined;
  return Number(raw);
}

const CACHE_LIMIT = 50_000;

const isLive = (until: number, nowS: number) => until === 0 || until > nowS;

export type SetMuteOutcome = "ok" | "limit";

export class MuteCache {
  readonly #byOwner = new Map<string, Map<string, number>>();
  readonly #loading = new Map<string, Promise<Map<string, number>>>();

  constructor(
    private readonly store: SqlPushStore,
    private readonly nowS: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  async isMuted(owner: string, room: string): Promise<boolean> {
    const until = (await this.#load(owner)).get(room);
    return until !== undefined && isLive(until, this.nowS());
  }

  /** Live mutes, sorted by room. */
  async list(owner: string): Promise<MuteRow[]> {
    const now = this.nowS();
    const out: MuteRow[] = [];
    for (const [room, until] of await this.#load(owner)) if (isLive(until, now)) out.push({ room, until });
    return out.sort((a, b) => (a.room < b.room ? -1 : a.room > b.room ? 1 : 0));
  }

  /** Sets or replaces a mute; a new one beyond MAX_MUTES live mutes is refused. A past `until` unmutes. */
  async set(owner: string, room: string, until: number): Promise<SetMuteOutcome> {
    const mutes = await this.#load(owner);
    const now = this.nowS();
    if (!isLive(until, now)) {
      await this.remove(owner, room);
      return "ok";
    }
    const expired = [...mutes].filter(([, u]) => !isLive(u, now)).map(([r]) => r);
    if (expired.length > 0) await this.#drop(owner, mutes, expired);
    if (!mutes.has(room) && mutes.size >= MAX_MUTES) return "limit";
    await this.store.setMute(owner, room, until, Date.now());
    mutes.set(room, until);
    return "ok";
  }

  async remove(owner: string, room: string): Promise<void> {
    const mutes = await this.#load(owner);
    await this.#drop(owner, mutes, [room]);
  }

  /** A destroyed room: its mutes go for every owner. */
  async removeRoom(room: string): Promise<void> {
    await this.store.removeRoom(room);
    for (const mutes of this.#byOwner.values()) mutes.delete(room);
  }

  async deleteOwner(owner: string): Promise<void> {
    await this.store.deleteOwner(owner);
    this.#byOwner.delete(owner);
  }

  async #drop(owner: string, mutes: Map<string, number>, rooms: readonly string[]): Promise<void> {
    await this.store.removeMutes(owner, rooms);
    for (const r of rooms) mutes.delete(r);
  }

  #load(owner: string): Map<string, number> | Promise<Map<string, number>> {
    const cached = this.#byOwner.get(owner);
    if (cached !== undefined) return cached;
    let loading = this.#loading.get(owner);
    if (loading === undefined) {
      loading = this.store.mutes(owner).then((rows) => {
        // Bounded memory: forgetting every owner only costs a reload on their next push.
        if (this.#byOwner.size >= CACHE_LIMIT) this.#byOwner.clear();
        const map = new Map(rows.map((r) => [r.room, r.until] as const));
        this.#byOwner.set(owner, map);
        this.#loading.delete(owner);
        return map;
      });
      loading.catch(() => this.#loading.delete(owner));
      this.#loading.set(owner, loading);
    }
    return loading;
  }
}
