// The §7.8/§7.9 retry policy: which responses are retried and the backoff bounds (1 s, ×2, cap 300 s, ±20 %).
import { describe, expect, it } from "vitest";
import { backoffDelayMs, BACKOFF_CAP_MS, describeFetchError, retryAfterMs, verdictForStatus } from "./outbox.retry.js";

describe("verdictForStatus (§7.9 Retries)", () => {
  it.each([
    [200, "delivered"],
    [201, "delivered"],
    [204, "delivered"],
    [299, "delivered"],
    [408, "retry"],
    [429, "retry"],
    [500, "retry"],
    [502, "retry"],
    [503, "retry"],
    [504, "retry"],
    [599, "retry"],
    [400, "reject"],
    [401, "reject"],
    [403, "reject"],
    [404, "reject"],
    [409, "reject"],
    [410, "reject"],
    [413, "reject"],
    [422, "reject"],
    [301, "reject"],
    [302, "reject"],
    [307, "reject"],
  ] as const)("HTTP %i -> %s", (status, verdict) => {
    expect(verdictForStatus(status)).toBe(verdict);
  });
});

describe("backoffDelayMs (§7.9: first 1 s, factor 2, capped at 300 s, ±20 % jitter)", () => {
  const fixed = (r: number) => () => r;

  it("without jitter (random 0.5) doubles from the base: 1, 2, 4, 8 … s", () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, 1000, fixed(0.5)))).toEqual([1000, 2000, 4000, 8000, 16000]);
  });

  it("caps the nominal delay at 300 s (attempt 9 would be 256 s, attempt 10 512 s)", () => {
    expect(backoffDelayMs(9, 1000, fixed(0.5))).toBe(256_000);
    expect(backoffDelayMs(10, 1000, fixed(0.5))).toBe(BACKOFF_CAP_MS);
    expect(backoffDelayMs(1000, 1000, fixed(0.5))).toBe(BACKOFF_CAP_MS);
  });

  it("jitter stays within ±20 % at the extremes of random()", () => {
    expect(backoffDelayMs(1, 1000, fixed(0))).toBe(800);
    expect(backoffDelayMs(1, 1000, fixed(0.999999))).toBe(1200);
    expect(backoffDelayMs(3, 1000, fixed(0))).toBe(3200);
    expect(backoffDelayMs(20, 1000, fixed(0))).toBe(240_000);
    expect(backoffDelayMs(20, 1000, fixed(0.999999))).toBe(360_000);
  });

  it("random delays all fall inside the bounds and actually vary", () => {
    const seen = new Set<number>();
    for (let attempt = 1; attempt <= 12; attempt++) {
      const nominal = Math.min(1000 * 2 ** (attempt - 1), BACKOFF_CAP_MS);
      for (let i = 0; i < 200; i++) {
        const d = backoffDelayMs(attempt, 1000);
        expect(d).toBeGreaterThanOrEqual(Math.floor(nominal * 0.8));
        expect(d).toBeLessThanOrEqual(Math.ceil(nominal * 1.2));
        if (attempt === 1) seen.add(d);
      }
    }
    expect(seen.size).toBeGreaterThan(10);
  });

  it("scales with an injected base (outbox.retry_base_ms)", () => {
    expect([1, 2, 3].map((n) => backoffDelayMs(n, 20, fixed(0.5)))).toEqual([20, 40, 80]);
  });
});

describe("retryAfterMs (RFC 9110 §10.2.3)", () => {
  const now = Date.parse("2026-11-25T04:00:00Z");
  it.each([
    ["120", 120_000],
    [" 5 ", 5_000],
    ["0", 0],
    ["99999", 300_000],
    ["Wed, 25 Nov 2026 04:00:30 GMT", 30_000],
    ["Wed, 25 Nov 2026 03:59:00 GMT", 0],
  ])("reads %j as %i ms (capped at the backoff cap, never negative)", (value, ms) => {
    expect(retryAfterMs(value, now)).toBe(ms);
  });

  it.each([null, "", "soon", "-5", "1.5"])("ignores %j", (value) => {
    expect(retryAfterMs(value, now)).toBeUndefined();
  });
});

describe("describeFetchError", () => {
  it("names a timeout, a network error code, and anything else", () => {
    const timeout = Object.assign(new Error("The operation was aborted due to timeout"), { name: "TimeoutError" });
    expect(describeFetchError(timeout, 10_000)).toBe("timeout after 10000 ms");
    const refused = new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
    expect(describeFetchError(refused, 10_000)).toBe("network error: ECONNREFUSED");
    expect(describeFetchError("boom", 10_000)).toBe("network error: boom");
  });
});
