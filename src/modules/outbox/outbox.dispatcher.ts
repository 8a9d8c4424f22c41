/**
 * The background sender of the outbox (PROTOCOL §7.8 "Delivery", §7.9 "Retries", "Ordering and blocking"): claims
 * due rows per endpoint up to `hooks.concurrency`, POSTs them with a timeout and records the outcome. It wakes on
 * enqueue (in process), when a request ends, and on one timer set for the earliest due row.
 */
import type { Logger } from "pino";
import { backoffDelayMs, describeFetchError, retryAfterMs, verdictForStatus } from "./outbox.retry.js";
import type { OutboxRow, SqlOutboxStore } from "./outbox.store.js";

export const DEFAULT_TIMEOUT_MS = 10_000;
/**
 * The list of endpoints is re-read from the database, and every endpoint looked at, at least this often: rows of
 * another (crashed) node sharing the database are found this way.
 */
const IDLE_POLL_MS = 30_000;
/** A wake-up never comes sooner than this after the last pass (no busy loop on a race). */
const MIN_TIMER_MS = 10;
const DEFAULT_STOP_GRACE_MS = 3_000;

export interface DispatcherOptions {
  readonly store: SqlOutboxStore;
  readonly log: Logger;
  /** Parallel requests per endpoint on this node (`hooks.concurrency`). */
  readonly concurrency: number;
  /** First retry delay (`outbox.retry_base_ms`, 1000 in production). */
  readonly retryBaseMs: number;
  readonly userAgent: () => string;
  readonly timeoutMs?: number;
  /** How long a claim holds a row: longer than any request may take. */
  readonly leaseMs?: number;
  readonly stopGraceMs?: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

type AttemptResult =
  | { readonly kind: "delivered" }
  | { readonly kind: "retry" | "reject"; readonly error: string; readonly retryAfterMs?: number | undefined }
  | { readonly kind: "aborted" };

export class OutboxDispatcher {
  private readonly inFlight = new Map<string, number>();
  /** Endpoints with stored rows, as far as this node knows. */
  private known = new Set<string>();
  /** Endpoints to look at in the next pass (all known ones when `dirtyAll`). */
  private readonly dirty = new Set<string>();
  private dirtyAll = true;
  private lastRefresh = Number.NEGATIVE_INFINITY;
  private readonly running = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly timeoutMs: number;
  private readonly leaseMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  /** When `timer` fires (undefined when none is set). */
  private timerAt: number | undefined;
  private pumping: Promise<void> | undefined;
  private again = false;
  private started = false;
  private stopped = false;

  constructor(private readonly options: DispatcherOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.leaseMs = options.leaseMs ?? this.timeoutMs + 30_000;
    this.now = options.now ?? Date.now;
  }

  /** Starts dispatching: every stored row is due for a look, including those left by an earlier run. */
  start(): void {
    this.started = true;
    this.wake();
  }

  /**
   * Looks for due rows soon: of `endpoint` only (an enqueue, a finished request) or of every endpoint. Cheap to call
   * on every enqueue: passes are coalesced.
   */
  wake(endpoint?: string): void {
    if (!this.started || this.stopped) return;
    if (endpoint === undefined) {
      this.dirtyAll = true;
    } else {
      this.known.add(endpoint);
      // A saturated endpoint is looked at again when one of its requests ends.
      if (this.busy(endpoint)) return;
      this.dirty.add(endpoint);
    }
    if (this.pumping !== undefined) {
      this.again = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
    });
  }

  inFlightCount(): number {
    let n = 0;
    for (const count of this.inFlight.values()) n += count;
    return n;
  }

  /** Stops claiming, waits a little for requests in flight, then aborts the rest and gives their rows back. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pumping;
    const grace = this.options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, grace)));
    await Promise.race([Promise.allSettled([...this.running]), bound]);
    clearTimeout(timer);
    this.abort.abort();
    await Promise.allSettled([...this.running]);
  }

  private busy(endpoint: string): boolean {
    return (this.inFlight.get(endpoint) ?? 0) >= this.options.concurrency;
  }

  private async pump(): Promise<void> {
    try {
      do {
        this.again = false;
        const { passedAt, full } = await this.pass();
        if (!this.stopped) await this.scheduleTimer(passedAt, full);
      } while (this.again && !this.stopped);
    } catch (error) {
      this.options.log.error({ err: error }, "outbox dispatch failed; retrying shortly");
      this.setTimer(1_000);
    }
  }

  /** Claims and launches what is due; returns the time it looked at, and whether it looked at every endpoint. */
  private async pass(): Promise<{ passedAt: number; full: boolean }> {
    const now = this.now();
    if (now - this.lastRefresh >= IDLE_POLL_MS) {
      this.known = new Set([...(await this.options.store.endpoints()), ...this.inFlight.keys()]);
      this.lastRefresh = now;
      this.dirtyAll = true;
    }
    const full = this.dirtyAll;
    const endpoints = full ? [...this.known] : [...this.dirty];
    this.dirtyAll = false;
    this.dirty.clear();
    for (const endpoint of endpoints) {
      const free = this.options.concurrency - (this.inFlight.get(endpoint) ?? 0);
      if (free <= 0 || this.stopped) continue;
      const lease = now + this.leaseMs;
      const rows = await this.options.store.claim(endpoint, now, lease, free);
      for (const row of rows) this.launch(row, lease);
    }
    return { passedAt: now, full };
  }

  /**
   * One timer for the next row due after the pass (rows due by then were claimed or wait for their endpoint). A pass
   * over some endpoints only (a request just ended) did not look at the others' rows that fell due meanwhile, so it
   * may bring the timer forward but never push back one set for them: they would wait for the idle poll.
   */
  private async scheduleTimer(passedAt: number, full: boolean): Promise<void> {
    const at = await this.options.store.nextWakeAt(passedAt);
    const delay = at === undefined ? IDLE_POLL_MS : Math.min(IDLE_POLL_MS, Math.max(MIN_TIMER_MS, at - this.now()));
    if (!full && this.timerAt !== undefined && this.timerAt <= this.now() + delay) return;
    this.setTimer(delay);
  }

  private setTimer(delayMs: number): void {
    clearTimeout(this.timer);
    this.timerAt = undefined;
    if (this.stopped) return;
    this.timerAt = this.now() + delayMs;
    this.timer = setTimeout(() => {
      this.timerAt = undefined;
      this.wake();
    }, delayMs);
    this.timer.unref();
  }

  private launch(row: OutboxRow, lease: number): void {
    this.inFlight.set(row.endpoint, (this.inFlight.get(row.endpoint) ?? 0) + 1);
    const task = this.deliver(row, lease)
      .catch((error: unknown) => this.options.log.error({ err: error, id: row.id, endpoint: row.endpoint }, "outbox row bookkeeping failed"))
      .finally(() => {
        this.running.delete(task);
        const left = (this.inFlight.get(row.endpoint) ?? 1) - 1;
        if (left > 0) this.inFlight.set(row.endpoint, left);
        else this.inFlight.delete(row.endpoint);
        this.wake(row.endpoint);
      });
    this.running.add(task);
  }

  private expired(row: OutboxRow, now: number): boolean {
    return now - row.created_at >= row.max_age_s * 1000;
  }

  private async deliver(row: OutboxRow, lease: number): Promise<void> {
    const { store, log } = this.options;
    if (this.stopped) return store.release(row.id, lease);
    if (this.expired(row, this.now())) return this.kill(row, lease, row.attempts, row.last_error, "expired");
    const result = await this.attempt(row);
    const attempts = row.attempts + 1;
    switch (result.kind) {
      case "delivered":
        log.debug({ id: row.id, endpoint: row.endpoint, attempts }, "outbox request delivered");
        return store.remove(row.id);
      case "aborted":
        return store.release(row.id, lease);
      case "reject":
        return this.kill(row, lease, attempts, result.error, "rejected");
      case "retry": {
        const now = this.now();
        if (this.expired(row, now)) return this.kill(row, lease, attempts, result.error, "expired");
        const delay = Math.max(backoffDelayMs(attempts, this.options.retryBaseMs, this.options.random), result.retryAfterMs ?? 0);
        const level = attempts === 1 ? "warn" : "debug";
        log[level]({ id: row.id, endpoint: row.endpoint, attempts, error: result.error, retryInMs: delay }, "outbox request failed; will retry");
        await store.reschedule(row.id, lease, attempts, now + delay, result.error);
        return;
      }
    }
  }

  /** §7.9: a rejected request is logged as an error; an expired one goes to the dead-letter log. Both are kept. */
  private async kill(row: OutboxRow, lease: number, attempts: number, lastError: string | null, reason: "expired" | "rejected"): Promise<void> {
    const moved = await this.options.store.deadLetter(row.id, lease, { attempts, lastError, reason, now: this.now() });
    if (!moved) return;
    this.options.log.error(
      { id: row.id, endpoint: row.endpoint, url: row.url, attempts, reason, error: lastError, ageMs: this.now() - row.created_at },
      reason === "rejected" ? "outbox request rejected by the receiver; dead-lettered" : "outbox request expired undelivered; dead-lettered",
    );
  }

  private async attempt(row: OutboxRow): Promise<AttemptResult> {
    const headers = new Headers(JSON.parse(row.headers) as Record<string, string>);
    if (!headers.has("user-agent")) headers.set("user-agent", this.options.userAgent());
    headers.set("content-type", row.content_type);
    try {
      const response = await fetch(row.url, {
        method: "POST",
        headers,
        body: row.body,
        // A redirect would turn the POST into a GET: report it instead of following it.
        redirect: "manual",
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.abort.signal]),
      });
      // Drain the body so the connection can be reused; its content does not matter, nor does a failure to read it.
      await response.arrayBuffer().catch(() => undefined);
      const verdict = verdictForStatus(response.status);
      if (verdict === "delivered") return { kind: verdict };
      const error = `HTTP ${response.status}`;
      if (verdict === "retry" && (response.status === 429 || response.status === 503)) {
        return { kind: verdict, error, retryAfterMs: retryAfterMs(response.headers.get("retry-after"), this.now()) };
      }
      return { kind: verdict, error };
    } catch (error) {
      if (this.abort.signal.aborted) return { kind: "aborted" };
      return { kind: "retry", error: describeFetchError(error, this.timeoutMs) };
    }
  }
}
