/**
 * Retry policy of the outbox (PROTOCOL §7.8 "Delivery", §7.9 "Retries"): which outcomes are retried, and the
 * exponential backoff (first 1 s, factor 2, capped at 300 s, ±20 % jitter).
 */

/** What to do with a request after one attempt. */
export type AttemptVerdict = "delivered" | "retry" | "reject";

export const BACKOFF_FACTOR = 2;
export const BACKOFF_CAP_MS = 300_000;
export const BACKOFF_JITTER = 0.2;

/** §7.9: 2xx is done; 408, 429 and 5xx are retried; anything else (other 4xx, an unfollowed 3xx) is not. */
export function verdictForStatus(status: number): AttemptVerdict {
  if (status >= 200 && status < 300) return "delivered";
  if (status === 408 || status === 429 || (status >= 500 && status < 600)) return "retry";
  return "reject";
}

/**
 * The wait after failed attempt number `attempt` (1 = the first failure): `baseMs · 2^(attempt−1)`, capped at 300 s,
 * then ±20 % jitter. The jitter applies to the capped value too, so rows failing together spread out even at the cap
 * (a capped wait is 240–360 s).
 */
export function backoffDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const nominal = Math.min(baseMs * BACKOFF_FACTOR ** exponent, BACKOFF_CAP_MS);
  const factor = 1 - BACKOFF_JITTER + 2 * BACKOFF_JITTER * random();
  return Math.round(nominal * factor);
}

/**
 * RFC 9110 §10.2.3 `Retry-After` on a 429 or 503: delay-seconds or an HTTP-date, as milliseconds from `now`, capped
 * at the backoff cap; undefined when absent or unreadable. The dispatcher waits at least this long (never less
 * than its own backoff), so a receiver that asks for time gets it.
 */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  let ms: number;
  if (/^\d{1,10}$/.test(text)) ms = Number(text) * 1000;
  else {
    // An HTTP-date always ends in GMT; Date.parse alone would also read "-5" or "1.5" as dates.
    if (!/^[A-Za-z]{3},? .* GMT$/.test(text)) return undefined;
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(0, ms), BACKOFF_CAP_MS);
}

/** A short description of a failed fetch for the row's `last_error` and the logs (no body, no headers). */
export function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === "TimeoutError") return `timeout after ${timeoutMs} ms`;
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as { code?: unknown }).code;
      return typeof code === "string" ? `network error: ${code}` : `network error: ${cause.message}`;
    }
    return `network error: ${error.message}`;
  }
  return `network error: ${String(error)}`;
}
