import { describe, expect, it } from "vitest";
import { AuthThrottle, throttleKey } from "./auth-throttle.js";

function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

function failTimes(throttle: AuthThrottle, address: string, n: number): number[] {
  const delays: number[] = [];
  for (let i = 0; i < n; i++) {
    throttle.recordFailure(address);
    delays.push(throttle.delayFor(address));
  }
  return delays;
}

describe("AuthThrottle", () => {
  it("lets the first 3 failures through, then doubles up to the 5 s cap", () => {
    const clock = fakeClock();
    const t = new AuthThrottle({ now: clock.now });
    expect(t.delayFor("192.0.2.1")).toBe(0);
    expect(failTimes(t, "192.0.2.1", 9)).toEqual([0, 0, 0, 500, 1000, 2000, 4000, 5000, 5000]);
  });

  it("keeps addresses apart", () => {
    const t = new AuthThrottle({ now: fakeClock().now });
    failTimes(t, "192.0.2.1", 6);
    expect(t.delayFor("192.0.2.1")).toBeGreaterThan(0);
    expect(t.delayFor("192.0.2.2")).toBe(0);
  });

  it("decays: one failure is forgotten per decay interval, and entries vanish when fully decayed", () => {
    const clock = fakeClock();
    const t = new AuthThrottle({ now: clock.now, decayMs: 60_000 });
    failTimes(t, "192.0.2.1", 5); // score 5 → 1000 ms
    clock.advance(60_000); // score 4 → 500 ms
    expect(t.delayFor("192.0.2.1")).toBe(500);
    clock.advance(30_000); // score 3.5 → between 0 and 500
    const mid = t.delayFor("192.0.2.1");
    expect(mid).toBeGreaterThan(0);
    expect(mid).toBeLessThan(500);
    clock.advance(30_000); // score 3
    expect(t.delayFor("192.0.2.1")).toBe(0);
    clock.advance(10 * 60_000);
    expect(t.delayFor("192.0.2.1")).toBe(0);
    expect(t.size).toBe(0);
  });

  it("failures no faster than the decay never cause a delay; sustained faster ones do", () => {
    const clock = fakeClock();
    const t = new AuthThrottle({ now: clock.now });
    for (let i = 0; i < 20; i++) {
      t.recordFailure("192.0.2.1");
      expect(t.delayFor("192.0.2.1")).toBe(0);
      clock.advance(60_000);
    }
    const delays: number[] = [];
    for (let i = 0; i < 20; i++) {
      t.recordFailure("192.0.2.1");
      delays.push(t.delayFor("192.0.2.1"));
      clock.advance(30_000);
    }
    expect(delays.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(delays[19]).toBe(5000);
  });

  it("a success clears the address", () => {
    const t = new AuthThrottle({ now: fakeClock().now });
    failTimes(t, "192.0.2.1", 6);
    t.recordSuccess("192.0.2.1");
    expect(t.delayFor("192.0.2.1")).toBe(0);
    expect(failTimes(t, "192.0.2.1", 4)).toEqual([0, 0, 0, 500]);
  });

  it("bounds memory by evicting the least recently failed address", () => {
    const clock = fakeClock();
    const t = new AuthThrottle({ now: clock.now, maxEntries: 3 });
    for (const a of ["10.0.0.1", "10.0.0.2", "10.0.0.3"]) failTimes(t, a, 5);
    failTimes(t, "10.0.0.1", 1); // refreshes 10.0.0.1, so 10.0.0.2 is now the oldest
    failTimes(t, "10.0.0.4", 1);
    expect(t.size).toBe(3);
    expect(t.delayFor("10.0.0.2")).toBe(0);
    expect(t.delayFor("10.0.0.1")).toBeGreaterThan(0);
    expect(t.delayFor("10.0.0.3")).toBeGreaterThan(0);
  });

  it("counts IPv6 addresses per /64 and IPv4-mapped addresses as IPv4", () => {
    const t = new AuthThrottle({ now: fakeClock().now });
    failTimes(t, "2001:db8:1:2::1", 2);
    failTimes(t, "2001:db8:1:2:ffff::9", 2);
    expect(t.delayFor("2001:0db8:0001:0002:0:0:0:42")).toBe(500);
    expect(t.delayFor("2001:db8:1:3::1")).toBe(0);
    failTimes(t, "::ffff:192.0.2.7", 4);
    expect(t.delayFor("192.0.2.7")).toBe(500);
  });
});

describe("throttleKey", () => {
  it("normalises addresses", () => {
    expect(throttleKey("192.0.2.1")).toBe("192.0.2.1");
    expect(throttleKey("::FFFF:192.0.2.1")).toBe("192.0.2.1");
    expect(throttleKey("2001:DB8::1")).toBe("2001:db8:0:0::/64");
    expect(throttleKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(throttleKey("::1")).toBe("0:0:0:0::/64");
    expect(throttleKey("1:2:3:4:5:6:7:8")).toBe("1:2:3:4::/64");
    expect(throttleKey("::ffff:1:2")).toBe("0:0:0:0::/64");
    expect(throttleKey("unix:/tmp/sock")).toBe("unix:/tmp/sock");
  });
});
