/**
 * XEP-0198 stream management state of one session: inbound count, outbound queue of stanzas the
 * client has not acknowledged, and the ack arithmetic (PROTOCOL §2.11). Pure, no I/O.
 */
import type { Element } from "../xml/element.js";

const MAX_H = 2 ** 32;
/** Stanzas sent between two ack requests (XEP-0198 §4 leaves the rate to the server). */
const ACK_REQUEST_EVERY = 5;
/**
 * No `<r/>` in the first second after `<enabled/>`. @xmpp/client resets its inbound count a few microtasks
 * after it reads `<enabled/>`; an `<r/>` that arrives in the same TCP read is answered with the count of every
 * stanza since the stream began, which is more than we sent, and §2.11 then ends the stream. Waiting keeps the
 * `<r/>` out of that window without weakening the §2.11 check.
 */
export const ACK_REQUEST_GRACE_MS = 1000;

export class StreamManagementState {
  /** Stanzas received from the client since `<enable/>` (the `h` we report). */
  inbound = 0;
  /** Stanzas sent to the client since `<enable/>`. */
  #outbound = 0;
  /** Sent but not acknowledged, oldest first; `#outbound - queue.length` have been acked. */
  readonly #queue: Element[] = [];

  #sinceRequest = 0;

  constructor(
    readonly resumable: boolean,
    readonly resumeId: string | undefined,
    readonly enabledAt: number = Date.now(),
  ) {}

  /** Called per stanza written: true when an `<r/>` should follow it. */
  wantsAckRequest(now: number): boolean {
    if (this.#sinceRequest < ACK_REQUEST_EVERY || now - this.enabledAt < ACK_REQUEST_GRACE_MS) return false;
    this.#sinceRequest = 0;
    return true;
  }

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
    this.#sinceRequest += 1;
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
