/**
 * XEP-0198 stream management state of one session: inbound count, outbound queue of stanzas the
 * client has not acknowledged, and the ack arithmetic (PROTOCOL §2.11). Pure, no I/O.
 */
import type { Element } from "../xml/element.js";

const MAX_H = 2 ** 32;

export class StreamManagementState {
  /** Stanzas received from the client since `<enable/>` (the `h` we report). */
  inbound = 0;
  /** Stanzas sent to the client since `<enable/>`. */
  #outbound = 0;
  /** Sent but not acknowledged, oldest first; `#outbound - queue.length` have been acked. */
  readonly #queue: Element[] = [];

  constructor(
    readonly resumable: boolean,
    readonly resumeId: string | undefined,
  ) {}

  get unackedCount(): number {
    return this.#queue.length;
  }

  get outbound(): number {
    return this.#outbound;
  }

  countInbound(): void {
    this.inbound = (this.inbound + 1) % MAX_H;
  }

  sent(stanza: Element): void {
    this.#outbound = (this.#outbound + 1) % MAX_H;
    this.#queue.push(stanza);
  }

  /**
   * Applies a client `<a h/>`; returns false when h acknowledges more than was sent (the caller then
   * ends the stream with `undefined-condition`, PROTOCOL §2.11).
   */
  ack(h: number): boolean {
    const acked = this.#outbound - this.#queue.length;
    const newly = (h - acked + MAX_H) % MAX_H;
    if (newly > this.#queue.length) return false;
    this.#queue.splice(0, newly);
    return true;
  }

  /** Stanzas not yet acknowledged, oldest first. */
  unacked(): readonly Element[] {
    return this.#queue;
  }

  /** Removes and returns every unacknowledged stanza. */
  drain(): Element[] {
    return this.#queue.splice(0, this.#queue.length);
  }
}
