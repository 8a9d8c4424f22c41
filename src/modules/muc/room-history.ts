/**
 * The in-memory discussion history of a room (XEP-0045 §7.2.14): a ring of the last `history_size`
 * broadcast messages, served on join only when the room keeps history (PROTOCOL §3.3: none by
 * default). The archive (MAM) stays the clients' real source of history.
 */
import type { Element } from "../../xml/element.js";
import { serialize } from "../../xml/serialize.js";

export interface HistoryEntry {
  /** The broadcast form (no `to`). */
  readonly stanza: Element;
  /** Epoch milliseconds. */
  readonly at: number;
}

/** The `<history/>` request of a join (XEP-0045 §7.2.14); every limit optional. */
export interface HistoryRequest {
  readonly maxstanzas?: number;
  readonly maxchars?: number;
  readonly seconds?: number;
  /** Epoch milliseconds. */
  readonly since?: number;
}

export class HistoryBuffer {
  readonly #items: (HistoryEntry | undefined)[];
  #next = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    this.#items = new Array<HistoryEntry | undefined>(capacity);
  }

  push(entry: HistoryEntry): void {
    this.#items[this.#next] = entry;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size++;
  }

  /** Oldest first. */
  entries(): HistoryEntry[] {
    const out: HistoryEntry[] = [];
    const start = (this.#next - this.#size + this.capacity) % this.capacity;
    for (let i = 0; i < this.#size; i++) {
      const e = this.#items[(start + i) % this.capacity];
      if (e !== undefined) out.push(e);
    }
    return out;
  }

  /** The entries a join asks for: the newest ones within every limit given, oldest first. */
  select(request: HistoryRequest, now: number): HistoryEntry[] {
    const all = this.entries();
    const out: HistoryEntry[] = [];
    let chars = 0;
    for (let i = all.length - 1; i >= 0; i--) {
      const e = all[i] as HistoryEntry;
      if (request.maxstanzas !== undefined && out.length >= request.maxstanzas) break;
      if (request.seconds !== undefined && e.at < now - request.seconds * 1000) break;
      if (request.since !== undefined && e.at < request.since) break;
      if (request.maxchars !== undefined) {
        chars += serialize(e.stanza).length;
        if (chars > request.maxchars) break;
      }
      out.push(e);
    }
    return out.reverse();
  }
}
