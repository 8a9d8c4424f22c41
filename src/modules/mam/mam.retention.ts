/**
 * `mam.retention_days` (PROTOCOL §6.2, Appendix A): entries older than the retention are deleted,
 * hourly, in small batches by id range (ids are µs timestamps, §6.1), so no batch blocks for long.
 */
import type { SqlArchiveStore } from "./mam.store.js";

const INTERVAL_MS = 60 * 60 * 1000;
const FIRST_RUN_MS = 60 * 1000;
const BATCH = 2000;

export class RetentionPurge {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;

  constructor(
    private readonly store: Pick<SqlArchiveStore, "purgeBefore">,
    private readonly retentionDays: number,
    private readonly log: { info(fields: object, message: string): void; error(fields: object, message: string): void },
  ) {}

  /** Schedules the purge when a retention is configured (0 keeps everything). */
  start(): void {
    if (this.retentionDays <= 0) return;
    const run = (delay: number) => {
      this.#timer = setTimeout(() => {
        this.#running = this.purge().catch((err: unknown) => {
          this.log.error({ err }, "archive retention purge failed");
          return 0;
        });
        void this.#running.finally(() => run(INTERVAL_MS));
      }, delay);
      this.#timer.unref();
    };
    run(FIRST_RUN_MS);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Deletes every entry older than the retention, relative to `nowMs`; returns how many went. */
  async purge(nowMs = Date.now()): Promise<number> {
    const cutoff = (nowMs - this.retentionDays * 86_400_000) * 1000;
    let total = 0;
    for (;;) {
      const deleted = await this.store.purgeBefore(cutoff, BATCH);
      total += deleted;
      if (deleted < BATCH) break;
      await new Promise((resolve) => setImmediate(resolve)); // let routing run between batches
    }
    if (total > 0) this.log.info({ deleted: total, retentionDays: this.retentionDays }, "archive retention purge");
    return total;
  }
}
