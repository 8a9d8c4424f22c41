/**
 * Slows down repeated SASL failures from one address (PROTOCOL §2.2, "many failures from one address are
 * slowed down"). Each failure adds 1 to a per-address score that decays linearly over time; the first few
 * failures cost nothing, later ones wait exponentially longer, up to a cap. Memory is bounded: past
 * `maxEntries` addresses the least recently failed one is forgotten. IPv6 addresses count per /64, since one
 * host usually controls a whole /64.
 */
import { isIPv6 } from "node:net";

export interface AuthThrottleOptions {
  /** Failures within the decay window that cost no delay. Default 3. */
  readonly freeFailures?: number;
  /** Delay for the first failure past the free ones; doubles per further failure. Default 500 ms. */
  readonly baseDelayMs?: number;
  /** Default 5000 ms. */
  readonly maxDelayMs?: number;
  /** Time after which one recorded failure is forgotten. Default 60 s. */
  readonly decayMs?: number;
  /** Default 10 000 addresses. */
  readonly maxEntries?: number;
  /** Clock in ms; injectable for tests. */
  readonly now?: () => number;
}

interface Entry {
  score: number;
  at: number;
}

export class AuthThrottle {
  readonly #free: number;
  readonly #base: number;
  readonly #max: number;
  readonly #decay: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  /** Map iteration order is insertion order; entries are re-inserted on update, so the first is the oldest. */
  readonly #entries = new Map<string, Entry>();

  constructor(options: AuthThrottleOptions = {}) {
    this.#free = options.freeFailures ?? 3;
    this.#base = options.baseDelayMs ?? 500;
    this.#max = options.maxDelayMs ?? 5000;
    this.#decay = options.decayMs ?? 60_000;
    this.#maxEntries = Math.max(1, options.maxEntries ?? 10_000);
    this.#now = options.now ?? Date.now;
  }

  /**
   * Milliseconds to wait before answering a failure from this address. Call after recordFailure for the
   * failure being answered: with the defaults, failures 1–3 get 0, then 500, 1000, 2000, 4000, 5000, 5000…
   */
  delayFor(address: string): number {
    const score = this.#score(throttleKey(address));
    if (score <= this.#free) return 0;
    return Math.min(this.#max, Math.round(this.#base * 2 ** (score - this.#free - 1)));
  }

  recordFailure(address: string): void {
    const key = throttleKey(address);
    const score = this.#score(key) + 1;
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) this.#evictOldest();
    this.#entries.set(key, { score, at: this.#now() });
  }

  /** A successful login clears the address, so one mistyped password in a shared NAT does not linger. */
  recordSuccess(address: string): void {
    this.#entries.delete(throttleKey(address));
  }

  /** Number of addresses currently tracked. */
  get size(): number {
    return this.#entries.size;
  }

  #score(key: string): number {
    const entry = this.#entries.get(key);
    if (entry === undefined) return 0;
    const elapsed = Math.max(0, this.#now() - entry.at);
    const score = entry.score - elapsed / this.#decay;
    if (score <= 0) {
      this.#entries.delete(key);
      return 0;
    }
    return score;
  }

  #evictOldest(): void {
    const oldest = this.#entries.keys().next();
    if (oldest.done !== true) this.#entries.delete(oldest.value);
  }
}

/** The key an address is counted under: IPv4 as is (also when IPv4-mapped), IPv6 by its /64 prefix. */
export function throttleKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  const zoneless = address.split("%")[0] ?? address;
  if (!isIPv6(zoneless)) return address.toLowerCase();
  return `${ipv6Groups(zoneless).slice(0, 4).join(":")}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, as lowercase hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  const [headPart = "", tailPart] = address.split("::");
  const head = headPart === "" ? [] : headPart.split(":");
  const tail = tailPart === undefined || tailPart === "" ? [] : tailPart.split(":");
  // An embedded dotted IPv4 address occupies two groups; it can only be last, so it never reaches the /64.
  const width = (groups: string[]): number => groups.reduce((n, g) => n + (g.includes(".") ? 2 : 1), 0);
  const fill = tailPart === undefined ? [] : Array<string>(8 - width(head) - width(tail)).fill("0");
  return [...head, ...fill, ...tail].map((g) => (g.includes(".") ? g : parseInt(g, 16).toString(16)));
}
