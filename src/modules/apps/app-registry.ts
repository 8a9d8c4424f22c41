/**
 * The App records (PROTOCOL §1.7 Extension), in memory and written through to the store, and the two
 * moments the pinned-room invariant is enforced: account creation (all pinned rooms, before the
 * account is reported created) and pin addition (a background job over the existing users).
 */
import type { PinnedExclusion } from "../../config/config.types.js";
import type { Jid } from "../../xmpp/jid.js";
import { parseJid } from "../../xmpp/jid.js";
import type { PinOutcome } from "../mucsub/mucsub.module.js";
import { appOf, isRegularUser } from "./app-users.js";
import type { AppRecord, SqlAppStore } from "./apps.store.js";
import type { PinJobRunner } from "./pin-job-runner.js";

export interface RegistryDeps {
  readonly store: SqlAppStore;
  readonly runner: PinJobRunner;
  readonly exclude: ReadonlySet<PinnedExclusion>;
  readonly apply: (room: Jid, user: Jid) => Promise<PinOutcome>;
  readonly log: { error(fields: object, message: string): void };
  readonly now?: () => number;
}

export interface AppChanges {
  readonly name?: string | undefined;
  readonly owners?: readonly string[] | undefined;
}

export class AppRegistry {
  readonly #apps = new Map<string, AppRecord>();

  constructor(private readonly deps: RegistryDeps) {}

  async load(): Promise<void> {
    for (const app of await this.deps.store.loadApps()) this.#apps.set(app.appId, app);
  }

  get(appId: string): AppRecord | undefined {
    return this.#apps.get(appId);
  }

  list(): AppRecord[] {
    return [...this.#apps.values()].sort((a, b) => (a.appId < b.appId ? -1 : a.appId > b.appId ? 1 : 0));
  }

  /** §8.6 create_app: an upsert where the given fields replace the stored ones. */
  async upsert(appId: string, changes: AppChanges): Promise<AppRecord> {
    const previous = this.#apps.get(appId);
    const app: AppRecord = {
      appId,
      name: changes.name ?? previous?.name ?? "",
      owners: changes.owners ?? previous?.owners ?? [],
      pinnedRooms: previous?.pinnedRooms ?? [],
      createdAt: previous?.createdAt ?? this.#now(),
    };
    await this.deps.store.saveApp(app);
    this.#apps.set(appId, app);
    return app;
  }

  /**
   * §8.6 set_app_pinned_rooms: replaces the list (rooms already checked by the caller). Newly pinned rooms
   * start the §1.7 job; unpinned ones stop theirs and change nothing already applied.
   */
  async setPinned(appId: string, rooms: readonly string[]): Promise<void> {
    const previous = this.#apps.get(appId) ?? (await this.upsert(appId, {}));
    const before = new Set(previous.pinnedRooms);
    const after = new Set(rooms);
    await this.deps.store.saveApp({ ...previous, pinnedRooms: rooms });
    this.#apps.set(appId, { ...previous, pinnedRooms: rooms });
    for (const room of before) {
      if (after.has(room)) continue;
      this.deps.runner.cancel(appId, room);
      await this.deps.store.deleteJob(appId, room);
    }
    await this.deps.runner.add(
      appId,
      rooms.filter((r) => !before.has(r)),
    );
  }

  /** §8.6 delete_app: the record (and its pending jobs) only; nothing already applied changes. */
  async delete(appId: string): Promise<void> {
    this.deps.runner.cancel(appId);
    await this.deps.store.deleteApp(appId);
    this.#apps.delete(appId);
  }

  /** §8.6 apply_app_pinned_rooms: the §1.7 job again for every pinned room. */
  async reapply(appId: string): Promise<void> {
    await this.deps.runner.add(appId, this.#apps.get(appId)?.pinnedRooms ?? []);
  }

  /** §1.7 "New accounts": every pinned room of the user's App, before the account counts as created. */
  async applyToNewUser(user: Jid): Promise<void> {
    const appId = appOf(user.local);
    if (appId === undefined || !isRegularUser(user.local, appId, this.deps.exclude)) return;
    for (const room of this.#apps.get(appId)?.pinnedRooms ?? []) {
      try {
        await this.deps.apply(parseJid(room), user);
      } catch (err) {
        this.deps.log.error({ err, room, user: user.bareString }, "could not apply a pinned room to a new account");
      }
    }
  }

  #now(): number {
    return (this.deps.now ?? Date.now)();
  }
}
