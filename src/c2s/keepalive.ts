/**
 * One sweep for all streams instead of a timer per connection (PROTOCOL §2.10): idle bound sessions
 * get a WebSocket ping frame or an XEP-0199 ping and are closed when nothing arrives within the
 * timeout; streams that have not bound a resource within `c2s.idle_timeout_s` are closed.
 */
export interface KeepaliveTarget {
  /** Last inbound traffic (ms, from the shared clock). */
  readonly lastActivity: number;
  /** When the unanswered keepalive was sent, 0 if none. */
  keepaliveSentAt: number;
  /** Streams without a bound resource are closed at `authTimeoutMs` after opening, and never pinged. */
  readonly isBound: boolean;
  readonly openedAt: number;
  sendKeepalive(): void;
  timeOut(): void;
}

export interface KeepaliveOptions {
  /** Inbound silence before a ping; 0 turns the keepalive off (idle unbound streams still time out). */
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly authTimeoutMs: number;
  readonly sweepMs?: number;
}

export class KeepaliveSweeper {
  readonly #targets = new Set<KeepaliveTarget>();
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: KeepaliveOptions) {}

  start(): void {
    const { intervalMs, timeoutMs, authTimeoutMs } = this.options;
    const shortest = intervalMs > 0 ? Math.min(intervalMs, timeoutMs, authTimeoutMs) : authTimeoutMs;
    const every = this.options.sweepMs ?? Math.max(250, Math.min(5000, shortest / 4));
    this.#timer = setInterval(() => this.sweep(Date.now()), every);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  add(target: KeepaliveTarget): void {
    this.#targets.add(target);
  }

  remove(target: KeepaliveTarget): void {
    this.#targets.delete(target);
  }

  get size(): number {
    return this.#targets.size;
  }

  sweep(now: number): void {
    const { intervalMs, timeoutMs, authTimeoutMs } = this.options;
    for (const t of this.#targets) {
      if (!t.isBound) {
        if (now - t.openedAt > authTimeoutMs) t.timeOut();
      } else if (t.keepaliveSentAt !== 0) {
        if (t.lastActivity >= t.keepaliveSentAt) t.keepaliveSentAt = 0;
        else if (now - t.keepaliveSentAt > timeoutMs) t.timeOut();
      } else if (intervalMs > 0 && now - t.lastActivity > intervalMs) {
        t.keepaliveSentAt = now;
        t.sendKeepalive();
      }
    }
  }
}
