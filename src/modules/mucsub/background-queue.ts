/**
 * Work that must not hold up a room's sender (PROTOCOL §5.5: offline subscribers cost a database
 * write each): tasks run one after the other, in the order queued, so offline queues keep the room's
 * order; a full queue makes the producer wait (backpressure) instead of growing without bound.
 */
export class BackgroundQueue {
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;

  constructor(
    private readonly log: { error(fields: object, message: string): void },
    private readonly limit = 64,
  ) {}

  get pending(): number {
    return this.#pending;
  }

  /** Queues a task; resolves at once, or once the queue has room again. */
  async push(task: () => Promise<void>): Promise<void> {
    this.#pending++;
    const run = async (): Promise<void> => {
      try {
        await task();
      } catch (err) {
        this.log.error({ err }, "MucSub background task failed");
      } finally {
        this.#pending--;
      }
    };
    this.#tail = this.#tail.then(run);
    if (this.#pending > this.limit) await this.#tail;
  }

  /** Resolves once every task queued so far has run. */
  async idle(): Promise<void> {
    let tail: Promise<void>;
    do {
      tail = this.#tail;
      await tail;
    } while (tail !== this.#tail);
  }
}
