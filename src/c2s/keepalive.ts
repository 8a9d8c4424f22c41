/**
 * One sweep for all streams instead of a timer per connection (PROTOCOL §2.10): idle streams get a
 * WebSocket ping frame or an XEP-0199 ping, and those silent past the timeout are closed.
 */
export interface KeepaliveTarget {
  /** Last inbound traffic (ms, from the shared clock). */
  readonly lastActivity: number;
  /** When the unanswered keepalive was sent, 0 if none. */
  keepaliveSentAt: number;
  /** Streams that have not authenticated yet are closed at `authTimeoutMs` instead. */
  readonly isAuthenticated: boolean;
  readonly openedAt: number;
  sendKeepalive(): void;
  timeOut(): void;
}

export interface KeepaliveOptions {
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
    const every = this.options.sweepMs ?? Math.max(1000, Math.min(this.options.intervalMs, this.options.timeoutMs) / 4);
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

  sweep(now: number): void {
    const { intervalMs, timeoutMs, authTimeoutMs } = this.options;
    for (const t of this.#targets) {
      if (!t.isAuthenticated && now - t.openedAt > authTimeoutMs) {
        t.timeOut();
      } else if (t.keepaliveSentAt !== 0) {
        if (t.lastActivity > t.keepaliveSentAt) t.keepaliveSentAt = 0;
        else if (now - t.keepaliveSentAt > timeoutMs) t.timeOut();
      } else if (now - t.lastActivity > intervalMs) {
        t.keepaliveSentAt = now;
        t.sendKeepalive();
      }
    }
  }
}
