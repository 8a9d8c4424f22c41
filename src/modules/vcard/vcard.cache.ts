/**
 * A bounded least-recently-used map of vCard summaries, so the presence path (XEP-0153 hash) and
 * profile readers (PROTOCOL §7.5) rarely touch the database. `null` remembers "no vCard".
 */
import type { Jid } from "../../xmpp/jid.js";
import { EMPTY_SUMMARY, type VcardProfile, type VcardSummary } from "./vcard.profile.js";
import type { SqlVcardStore } from "./vcard.store.js";

export class SummaryCache {
  readonly #entries = new Map<string, VcardSummary | null>();

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.#entries.size;
  }

  /** undefined: not cached; null: cached as having no vCard. */
  get(bare: string): VcardSummary | null | undefined {
    const value = this.#entries.get(bare);
    if (value === undefined) return undefined;
    // Map iteration order is insertion order: re-inserting marks the entry most recently used.
    this.#entries.delete(bare);
    this.#entries.set(bare, value);
    return value;
  }

  set(bare: string, value: VcardSummary | null): void {
    this.#entries.delete(bare);
    if (this.#entries.size >= this.limit) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(bare, value);
  }

  delete(bare: string): void {
    this.#entries.delete(bare);
  }
}

/** The vCard store behind the summary cache: every write goes through here, so the cache stays current. */
export class CachedVcards {
  readonly #cache: SummaryCache;

  constructor(
    readonly store: SqlVcardStore,
    limit: number,
  ) {
    this.#cache = new SummaryCache(limit);
  }

  async summary(user: Jid): Promise<VcardSummary> {
    const cached = this.#cache.get(user.bareString);
    if (cached !== undefined) return cached ?? EMPTY_SUMMARY;
    const stored = (await this.store.summary(user)) ?? null;
    this.#cache.set(user.bareString, stored);
    return stored ?? EMPTY_SUMMARY;
  }

  /** Profiles of the accounts that have a vCard, keyed by bare JID; one query for all cache misses. */
  async profiles(users: readonly Jid[]): Promise<Map<string, VcardProfile>> {
    const out = new Map<string, VcardProfile>();
    const misses: Jid[] = [];
    for (const u of users) {
      const cached = this.#cache.get(u.bareString);
      if (cached === undefined) misses.push(u.bare());
      else if (cached !== null) out.set(u.bareString, cached.profile);
    }
    if (misses.length === 0) return out;
    const found = await this.store.summaries(misses);
    for (const u of misses) {
      const summary = found.get(u.bareString) ?? null;
      this.#cache.set(u.bareString, summary);
      if (summary !== null) out.set(u.bareString, summary.profile);
    }
    return out;
  }

  async set(user: Jid, xml: string, summary: VcardSummary): Promise<void> {
    await this.store.set(user, xml, summary);
    this.#cache.set(user.bareString, summary);
  }

  async delete(user: Jid): Promise<void> {
    await this.store.delete(user);
    this.#cache.delete(user.bareString);
  }
}
