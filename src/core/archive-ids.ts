/**
 * The server-wide archive id allocator (PROTOCOL §6.1): id = max(now in µs, previous + 1), so ids are
 * unique, strictly increasing, below 2^53, and readable as timestamps.
 */
export class ArchiveIdAllocator {
  #last = 0;
  constructor(private readonly nowMicros: () => number = defaultNowMicros) {}

  next(): number {
    const now = this.nowMicros();
    this.#last = now > this.#last ? now : this.#last + 1;
    return this.#last;
  }

  /** After a restart, never hand out an id at or below one already stored. */
  observe(id: number): void {
    if (id > this.#last) this.#last = id;
  }
}

const origin = Date.now() * 1000 - Math.floor(performance.now() * 1000);

function defaultNowMicros(): number {
  return origin + Math.floor(performance.now() * 1000);
}
