/**
 * Coalesced room activity writes (PROTOCOL §7.5 `last_active`): messages, joins and leaves only update memory;
 * `flush` writes what changed since the last flush in one transaction (the module calls it every few seconds and
 * at stop). Reads overlay the unwritten values on the stored rows, so a query always sees the latest activity.
 * The price: a crash (not a clean stop) loses at most one flush interval of activity times.
 */
import type { Activity, ActivityUpdate, SqlRoomActivityStore } from "./room-activity.store.js";

type Pending = Map<string, Map<string, ActivityUpdate>>;

export class ActivityTracker {
  /** room bare JID -> user bare JID -> unwritten change. */
  #pending: Pending = new Map();
  /** The batch being written, still overlaid on reads until the write ends. */
  #inflight: Pending = new Map();
  #flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: SqlRoomActivityStore,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** A groupchat message, join or leave of `user` in `room` at `at` (epoch ms). */
  touch(room: string, user: string, at: number): void {
    const u = this.#entry(room, user);
    if (u.lastActive === undefined || at > u.lastActive) u.lastActive = at;
  }

  /** The user's membership began at `at`, or ended (0). */
  memberSince(room: string, user: string, at: number): void {
    this.#entry(room, user).memberSince = at;
  }

  /** Unwritten changes (tests and stop). */
  get pendingCount(): number {
    let n = 0;
    for (const users of this.#pending.values()) n += users.size;
    return n;
  }

  /** Stored rows of a room with the unwritten changes laid over them. */
  async forRoom(room: string): Promise<Map<string, Activity>> {
    const rows = await this.store.forRoom(room);
    for (const layer of [this.#inflight, this.#pending]) {
      for (const [user, u] of layer.get(room) ?? []) {
        const row = rows.get(user) ?? { lastActive: 0, memberSince: 0 };
        rows.set(user, { lastActive: u.lastActive ?? row.lastActive, memberSince: u.memberSince ?? row.memberSince });
      }
    }
    return rows;
  }

  /** Writes the changes gathered so far; flushes never overlap. A failed batch goes back to pending. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#writeBatch());
    return this.#flushing;
  }

  async #writeBatch(): Promise<void> {
    if (this.#pending.size === 0) return;
    this.#inflight = this.#pending;
    this.#pending = new Map();
    const batch: ActivityUpdate[] = [];
    for (const users of this.#inflight.values()) for (const u of users.values()) batch.push(u);
    try {
      await this.store.apply(batch);
    } catch (err) {
      this.onError(err);
      this.#requeue(this.#inflight);
    } finally {
      this.#inflight = new Map();
    }
  }

  /** Puts a failed batch back under whatever changed meanwhile (newer values win). */
  #requeue(failed: Pending): void {
    for (const [room, users] of failed) {
      for (const [user, u] of users) {
        const now = this.#entry(room, user);
        if (u.lastActive !== undefined && (now.lastActive === undefined || u.lastActive > now.lastActive)) now.lastActive = u.lastActive;
        if (u.memberSince !== undefined && now.memberSince === undefined) now.memberSince = u.memberSince;
      }
    }
  }

  /** §3.14: the room is gone, and so is its activity (after any write in progress, which could bring rows back). */
  async deleteRoom(room: string): Promise<void> {
    await this.#flushing;
    this.#pending.delete(room);
    await this.store.deleteRoom(room);
  }

  /** Account removal. */
  async deleteUser(user: string): Promise<void> {
    await this.#flushing;
    for (const users of this.#pending.values()) users.delete(user);
    await this.store.deleteUser(user);
  }

  #entry(room: string, user: string): ActivityUpdate {
    let users = this.#pending.get(room);
    if (users === undefined) {
      users = new Map();
      this.#pending.set(room, users);
    }
    let u = users.get(user);
    if (u === undefined) {
      u = { room, jid: user };
      users.set(user, u);
    }
    return u;
  }
}
