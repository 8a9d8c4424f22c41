/**
 * Write-behind batching for archive entries (DESIGN §2.7 "the write path is the hot path", ADR 0002):
 * rows are queued in memory and written in one statement every few milliseconds or N rows, so message
 * delivery never waits for the disk. Rows leave the queue only once written (or refused by the
 * database as invalid, which is logged row by row); a failed write is retried with backoff.
 */

export interface WriterLog {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface ArchiveWriterOptions<T> {
  /** Writes a batch in one transaction; must be idempotent (a batch may be written again after an unclear failure). */
  readonly write: (rows: readonly T[]) => Promise<void>;
  readonly log: WriterLog;
  /** True for errors caused by the rows themselves (constraint, bad data): such rows are isolated and dropped, loudly. */
  readonly isPermanent?: (error: unknown) => boolean;
  /** What to log about a dropped row. */
  readonly describe?: (row: T) => object;
  /** How long the first queued row may wait for company (ms). */
  readonly flushIntervalMs?: number;
  /** A queue this long is written at once, without waiting for the interval. */
  readonly batchRows?: number;
  /** Most rows per write. */
  readonly maxBatchRows?: number;
  /** Past this many queued rows `push` asks the caller to wait (`ready()`): backpressure. */
  readonly highWaterRows?: number;
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
  /** Write attempts made by `stop()` before it gives up on the remaining rows (and says how many). */
  readonly stopAttempts?: number;
}

export interface WriterStats {
  readonly queued: number;
  readonly written: number;
  readonly dropped: number;
  readonly writes: number;
  readonly failures: number;
}

interface FlushWaiter {
  readonly target: number;
  resolve(): void;
  reject(error: unknown): void;
}

export class ArchiveWriter<T> {
  readonly #o: Required<Omit<ArchiveWriterOptions<T>, "describe" | "isPermanent">> & Pick<ArchiveWriterOptions<T>, "describe" | "isPermanent">;
  #queue: T[] = [];
  #pushed = 0;
  #done = 0;
  #written = 0;
  #dropped = 0;
  #writes = 0;
  #failures = 0;
  #running: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryDelay: number;
  #stopped = false;
  #flushWaiters: FlushWaiter[] = [];
  #readyWaiters: (() => void)[] = [];

  constructor(options: ArchiveWriterOptions<T>) {
    this.#o = {
      flushIntervalMs: 5,
      batchRows: 1000,
      maxBatchRows: 5000,
      highWaterRows: 50_000,
      retryMinMs: 20,
      retryMaxMs: 5000,
      stopAttempts: 5,
      ...options,
    };
    this.#retryDelay = this.#o.retryMinMs;
  }

  /** Queues a row. Returns false when the queue is past its high-water mark: the caller should await `ready()`. */
  push(row: T): boolean {
    if (this.#stopped) {
      this.#dropped++;
      this.#o.log.error({ row: this.#o.describe?.(row) }, "archive entry dropped: written after the writer stopped");
      return true;
    }
    this.#queue.push(row);
    this.#pushed++;
    if (this.#running === undefined && this.#retryTimer === undefined) {
      if (this.#queue.length >= this.#o.batchRows) this.#kick();
      else this.#timer ??= setTimeout(() => this.#kick(), this.#o.flushIntervalMs);
    }
    return this.#pending() < this.#o.highWaterRows;
  }

  /** Resolves once the rows not yet written are below the high-water mark. */
  ready(): Promise<void> {
    if (this.#stopped || this.#pending() < this.#o.highWaterRows) return Promise.resolve();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /**
   * Resolves once every row pushed before the call is written, so a query sees everything routed before
   * it. Rejects when a write attempt fails meanwhile (the rows stay queued and are retried).
   */
  flush(): Promise<void> {
    const target = this.#pushed;
    if (this.#done >= target) return Promise.resolve();
    const promise = new Promise<void>((resolve, reject) => this.#flushWaiters.push({ target, resolve, reject }));
    if (this.#retryTimer !== undefined) {
      // Someone is waiting: try now instead of at the end of the backoff.
      clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
    }
    this.#kick();
    return promise;
  }

  /** Writes what is queued (a few attempts), then refuses new rows. Logs how many rows were lost, if any. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    for (let attempt = 0; attempt < this.#o.stopAttempts && this.#pending() > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(this.#o.retryMinMs * 2 ** attempt, 1000));
      await this.flush().catch(() => undefined);
    }
    await this.#running;
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#retryTimer);
    this.#timer = this.#retryTimer = undefined;
    if (this.#queue.length > 0) {
      this.#o.log.error({ lost: this.#queue.length }, "archive entries lost: the database did not take them before stop");
      this.#dropped += this.#queue.length;
      this.#done = this.#pushed;
      this.#queue = [];
    }
    for (const w of this.#flushWaiters.splice(0)) w.reject(new Error("archive writer stopped"));
    for (const r of this.#readyWaiters.splice(0)) r();
  }

  stats(): WriterStats {
    return { queued: this.#pending(), written: this.#written, dropped: this.#dropped, writes: this.#writes, failures: this.#failures };
  }

  #kick(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#running !== undefined || this.#queue.length === 0) return;
    this.#running = this.#drain().finally(() => (this.#running = undefined));
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#take();
      const left = await this.#attempt(batch);
      this.#complete(batch.length - left.length);
      if (left.length > 0) {
        this.#queue = left.concat(this.#queue);
        this.#scheduleRetry();
        return;
      }
      this.#retryDelay = this.#o.retryMinMs;
    }
  }

  #take(): T[] {
    if (this.#queue.length <= this.#o.maxBatchRows) {
      const all = this.#queue;
      this.#queue = [];
      return all;
    }
    return this.#queue.splice(0, this.#o.maxBatchRows);
  }

  /** Writes a batch; returns the rows still to retry (empty on success). */
  async #attempt(batch: T[]): Promise<T[]> {
    try {
      this.#writes++;
      await this.#o.write(batch);
      this.#written += batch.length;
      return [];
    } catch (error) {
      this.#failures++;
      if (this.#o.isPermanent?.(error) === true) return this.#isolate(batch, error);
      this.#o.log.error({ err: error, rows: batch.length, queued: this.#queue.length + batch.length }, "archive write failed; retrying");
      this.#rejectFlushWaiters(error);
      return batch;
    }
  }

  /** Bisects a batch the database refused, writing the good rows and dropping (loudly) the ones it refuses alone. */
  async #isolate(rows: T[], error: unknown): Promise<T[]> {
    if (rows.length === 1) {
      this.#dropped++;
      this.#o.log.error({ err: error, row: this.#o.describe?.(rows[0] as T) }, "archive entry dropped: the database refuses it");
      return [];
    }
    const mid = rows.length >> 1;
    const right = rows.slice(mid);
    const leftRest = await this.#attempt(rows.slice(0, mid));
    if (leftRest.length > 0) return leftRest.concat(right);
    return this.#attempt(right);
  }

  #complete(rows: number): void {
    this.#done += rows;
    while (this.#flushWaiters.length > 0 && (this.#flushWaiters[0] as FlushWaiter).target <= this.#done) {
      (this.#flushWaiters.shift() as FlushWaiter).resolve();
    }
    if (this.#readyWaiters.length > 0 && this.#pending() < this.#o.highWaterRows) {
      for (const r of this.#readyWaiters.splice(0)) r();
    }
  }

  /** Rows pushed and not yet written or dropped: the queue plus the batch being written. */
  #pending(): number {
    return this.#pushed - this.#done;
  }

  #rejectFlushWaiters(error: unknown): void {
    for (const w of this.#flushWaiters.splice(0)) w.reject(error);
  }

  #scheduleRetry(): void {
    const delay = this.#retryDelay;
    this.#retryDelay = Math.min(delay * 2, this.#o.retryMaxMs);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#kick();
    }, delay);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
