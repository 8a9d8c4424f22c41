/**
 * The background job of PROTOCOL §1.7 "Newly pinned rooms": a room added to an App's pinned rooms is
 * applied to every existing regular user of the App, in batches, walking each host's accounts in the
 * database's order. The cursor is stored after every batch, so a restart resumes where it stopped and
 * the job runs to completion. Jobs run one at a time, oldest first.
 */
import { Jid } from "../../xmpp/jid.js";
import type { PinOutcome } from "../mucsub/mucsub.module.js";
import type { PinJob, SqlAppStore } from "./apps.store.js";

export interface PinJobDeps {
  readonly store: Pick<SqlAppStore, "saveJob" | "deleteJob">;
  /** Localparts of `host` starting with `prefix`, after `after`, at most `limit` (accounts module). */
  readonly listPage: (host: string, prefix: string, after: string, limit: number) => Promise<string[]>;
  readonly isRegular: (localpart: string, appId: string) => boolean;
  readonly apply: (room: Jid, user: Jid) => Promise<PinOutcome>;
  /** Served hosts, walked in this order. */
  readonly hosts: readonly string[];
  readonly log: { info(fields: object, message: string): void; error(fields: object, message: string): void };
  readonly batchSize?: number;
}

interface Entry {
  job: PinJob;
  /** Bumped when the job is queued again (re-run from the start): a running pass notices and restarts. */
  generation: number;
}

export class PinJobRunner {
  readonly #jobs = new Map<string, Entry>();
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(private readonly deps: PinJobDeps) {}

  /** Jobs found in the store at start: resumed from their cursors. */
  resume(jobs: readonly PinJob[]): void {
    for (const job of jobs) this.#jobs.set(key(job.appId, job.room), { job, generation: 0 });
    this.#kick();
  }

  /** Stores new jobs (from the start of the first host) and runs them; resolves once they are stored. */
  async add(appId: string, rooms: readonly string[], now = Date.now()): Promise<void> {
    for (const room of rooms) {
      const job: PinJob = { appId, room, host: this.deps.hosts[0] ?? "", after: "", createdAt: now };
      await this.deps.store.saveJob(job);
      const previous = this.#jobs.get(key(appId, room));
      this.#jobs.set(key(appId, room), { job, generation: (previous?.generation ?? 0) + 1 });
    }
    this.#kick();
  }

  /** Forgets the jobs of rooms no longer pinned (the store rows go with them, see the caller). */
  cancel(appId: string, room?: string): void {
    for (const k of [...this.#jobs.keys()]) {
      const entry = this.#jobs.get(k);
      if (entry !== undefined && entry.job.appId === appId && (room === undefined || entry.job.room === room)) this.#jobs.delete(k);
    }
  }

  get pending(): number {
    return this.#jobs.size;
  }

  /** Resolves once every job queued so far has completed (or the runner stopped). */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  /** Stops after the current batch; unfinished jobs stay stored for the next start. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.idle();
  }

  #kick(): void {
    if (this.#running !== undefined || this.#stopped || this.#jobs.size === 0) return;
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
      this.#kick();
    });
  }

  async #drain(): Promise<void> {
    while (!this.#stopped) {
      const next = this.#jobs.entries().next();
      if (next.done === true) return;
      const [k, entry] = next.value;
      try {
        await this.#run(k, entry);
      } catch (err) {
        // A database failure: the job stays stored and is retried on the next start.
        this.deps.log.error({ err, appId: entry.job.appId, room: entry.job.room }, "pinned-room job failed");
        if (this.#jobs.get(k) === entry) this.#jobs.delete(k);
      }
    }
  }

  async #run(k: string, entry: Entry): Promise<void> {
    const { appId, room } = entry.job;
    const roomJid = parseRoom(room);
    const hosts = this.deps.hosts;
    let { host, after } = entry.job;
    const batch = this.deps.batchSize ?? 200;
    for (;;) {
      if (this.#stopped) return;
      const current = this.#jobs.get(k);
      if (current === undefined) return; // unpinned meanwhile
      if (current !== entry || current.generation !== entry.generation) return this.#run(k, current); // re-queued: start over
      const page = await this.deps.listPage(host, appId + "_", after, batch);
      for (const local of page) {
        if (!this.deps.isRegular(local, appId)) continue;
        if ((await this.deps.apply(roomJid, new Jid(local, host))) === "no-room") return this.#finish(k, entry, "room gone");
      }
      if (page.length === batch) after = page[page.length - 1] ?? after;
      else {
        const i = hosts.indexOf(host);
        if (i < 0 || i + 1 >= hosts.length) return this.#finish(k, entry, "done");
        host = hosts[i + 1] ?? host;
        after = "";
      }
      await this.deps.store.saveJob({ ...entry.job, host, after });
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async #finish(k: string, entry: Entry, outcome: string): Promise<void> {
    if (this.#jobs.get(k) !== entry) return;
    await this.deps.store.deleteJob(entry.job.appId, entry.job.room);
    this.#jobs.delete(k);
    this.deps.log.info({ appId: entry.job.appId, room: entry.job.room, outcome }, "pinned-room job finished");
  }
}

function key(appId: string, room: string): string {
  return appId + "\u0000" + room;
}

function parseRoom(room: string): Jid {
  const at = room.indexOf("@");
  return new Jid(room.slice(0, at), room.slice(at + 1));
}
