/**
 * The stats batch (PROTOCOL §7.10 Batching): events accumulate in memory and go out as one outbox request once
 * `stats.batch_size` have accumulated, or at every `stats.flush_interval_ms` tick while the batch is not empty,
 * and at a graceful stop. Decision: the in-memory batch is not persisted, so a crash loses at most one
 * unflushed batch; a batch handed to the outbox is durable (docs/plugins/webhooks.md).
 */
import { PendingSends, type ErrorLog } from "../webhooks/pending-sends.js";

export interface StatsMessage {
  readonly appId: string | null;
  readonly room: string | null;
  readonly from: string;
  readonly to: string | null;
  readonly type: string;
  readonly stanzaId: string | null;
  readonly messageTs: number;
  readonly bodyLength: number;
  readonly media: boolean;
  readonly reaction: boolean;
}

export interface StatsBatcherDeps {
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  /** Hands one batch to the outbox (`stats.messages`); resolves once it is stored. */
  readonly send: (messages: readonly StatsMessage[]) => Promise<unknown>;
  readonly log: ErrorLog;
}

export class StatsBatcher {
  #batch: StatsMessage[] = [];
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  readonly #pending: PendingSends;

  constructor(private readonly deps: StatsBatcherDeps) {
    this.#pending = new PendingSends(deps.log);
  }

  /** Events waiting in memory. */
  get buffered(): number {
    return this.#batch.length;
  }

  add(message: StatsMessage): void {
    this.#batch.push(message);
    if (this.#batch.length >= this.deps.batchSize) this.flush();
  }

  /** Hands the current batch (if any) to the outbox without waiting. */
  flush(): void {
    if (this.#batch.length === 0) return;
    const batch = this.#batch;
    this.#batch = [];
    this.#pending.track(this.deps.send(batch), "stats.messages");
  }

  start(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setInterval(() => this.flush(), this.deps.flushIntervalMs);
    this.#timer.unref();
  }

  /** Graceful stop: the last batch is handed over and every hand-over has been stored. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.flush();
    await this.#pending.drain();
  }
}
