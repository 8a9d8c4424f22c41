/**
 * The reverse index of the PROTOCOL §7.7 user block lists: blocked bare JID → the users who blocked it. Room
 * fan-out asks "who must not get what X sends?" once per room message and 1:1 routing asks "did B block X?"
 * once per message, so both are one Map lookup, with no allocation and no database (CONTRIBUTING-features §8);
 * when nobody blocked the sender (the usual case) the answer is `undefined`.
 *
 * Built from the store at start, then kept in step by `replaceOwner` after every write (blocking.lists.ts runs
 * it in the owner's write turn, so concurrent block/unblock requests of one owner leave the index equal to the
 * store). Sets handed out are never changed afterwards (copy on write): an in-flight room message keeps the
 * snapshot it started with. Per node: with several nodes, writes on one node must invalidate the others.
 */
import type { Jid } from "../../xmpp/jid.js";

export class BlockerIndex {
  /** blocked → blockers; a value is replaced, never mutated, once handed out. */
  readonly #blockers = new Map<string, ReadonlySet<string>>();
  /** blocker → blocked: what `replaceOwner` diffs against. */
  readonly #blocked = new Map<string, ReadonlySet<string>>();

  /** The bare JIDs that blocked `sender`, or undefined when none did. */
  blockersOf(sender: Jid): ReadonlySet<string> | undefined {
    return this.#blockers.get(sender.bareString);
  }

  /** Whether `recipient` blocked `sender` (bare JIDs compared). */
  isBlockedBy(sender: Jid, recipient: Jid): boolean {
    const blockers = this.#blockers.get(sender.bareString);
    return blockers !== undefined && blockers.has(recipient.bareString);
  }

  /** What `owner` blocked, as indexed. */
  blockedBy(owner: string): ReadonlySet<string> | undefined {
    return this.#blocked.get(owner);
  }

  /** Replaces everything: the rows of the store at start. */
  load(rows: readonly { readonly owner: string; readonly jid: string }[]): void {
    const blockers = new Map<string, Set<string>>();
    const blocked = new Map<string, Set<string>>();
    for (const { owner, jid } of rows) {
      addTo(blockers, jid, owner);
      addTo(blocked, owner, jid);
    }
    this.#blockers.clear();
    this.#blocked.clear();
    for (const [k, v] of blockers) this.#blockers.set(k, v);
    for (const [k, v] of blocked) this.#blocked.set(k, v);
  }

  /** Sets one owner's list to `now` (the store's content after a write), updating both directions. */
  replaceOwner(owner: string, now: ReadonlySet<string>): void {
    const before = this.#blocked.get(owner);
    for (const jid of now) if (before === undefined || !before.has(jid)) this.#link(jid, owner);
    if (before !== undefined) for (const jid of before) if (!now.has(jid)) this.#unlink(jid, owner);
    if (now.size === 0) this.#blocked.delete(owner);
    else this.#blocked.set(owner, now);
  }

  /** Number of blocked users with at least one blocker (tests, metrics). */
  get size(): number {
    return this.#blockers.size;
  }

  #link(blocked: string, owner: string): void {
    const current = this.#blockers.get(blocked);
    const next = new Set(current);
    next.add(owner);
    this.#blockers.set(blocked, next);
  }

  #unlink(blocked: string, owner: string): void {
    const current = this.#blockers.get(blocked);
    if (current === undefined || !current.has(owner)) return;
    if (current.size === 1) {
      this.#blockers.delete(blocked);
      return;
    }
    const next = new Set(current);
    next.delete(owner);
    this.#blockers.set(blocked, next);
  }
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  set.add(value);
}
