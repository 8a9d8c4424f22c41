/**
 * Webhook enqueues that run beside stanza processing (PROTOCOL §7.9 "Webhooks never block stanza processing"):
 * each is tracked until the outbox has stored it, so a graceful stop waits for them; a failure is logged.
 */
export interface ErrorLog {
  error(fields: object, message: string): void;
}

export class PendingSends {
  readonly #pending = new Set<Promise<void>>();

  constructor(private readonly log: ErrorLog) {}

  get size(): number {
    return this.#pending.size;
  }

  track(work: Promise<unknown>, what: string): void {
    const tracked: Promise<void> = work.then(
      () => undefined,
      (err: unknown) => this.log.error({ err, what }, "webhook enqueue failed"),
    );
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
  }

  /** Resolves once every tracked enqueue (also those started meanwhile) has settled. */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}
