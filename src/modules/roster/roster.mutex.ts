/**
 * Serialises read-modify-write of one account's roster rows (RFC 6121 Appendix A transitions must
 * not interleave). Hold it only around storage, never around routing: routing a subscription
 * stanza can come back to the same account (an automatic `subscribed` reply) and would deadlock.
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.catch(() => undefined);
    this.#tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
