import { describe, expect, it } from "vitest";
import { KeepaliveSweeper, type KeepaliveTarget } from "./keepalive.js";

class Target implements KeepaliveTarget {
  keepaliveSentAt = 0;
  pings = 0;
  timedOut = 0;
  constructor(
    public isBound: boolean,
    public lastActivity: number,
    readonly openedAt = lastActivity,
  ) {}
  sendKeepalive(): void {
    this.pings++;
  }
  timeOut(): void {
    this.timedOut++;
  }
}

const options = { intervalMs: 60_000, timeoutMs: 30_000, authTimeoutMs: 120_000 };

describe("KeepaliveSweeper (PROTOCOL §2.10)", () => {
  it("pings a bound stream after the interval of silence, and times it out when nothing comes back", () => {
    const sweeper = new KeepaliveSweeper(options);
    const t = new Target(true, 0);
    sweeper.add(t);
    sweeper.sweep(60_000);
    expect(t.pings).toBe(0);
    sweeper.sweep(60_001);
    expect([t.pings, t.keepaliveSentAt]).toEqual([1, 60_001]);
    sweeper.sweep(90_001);
    expect(t.timedOut).toBe(0);
    sweeper.sweep(90_002);
    expect(t.timedOut).toBe(1);
  });

  it("forgets the ping when any traffic arrives, and pings again after the next silence", () => {
    const sweeper = new KeepaliveSweeper(options);
    const t = new Target(true, 0);
    sweeper.add(t);
    sweeper.sweep(60_001);
    t.lastActivity = 60_001; // in the same millisecond as the ping
    sweeper.sweep(100_000);
    expect([t.timedOut, t.keepaliveSentAt]).toEqual([0, 0]);
    sweeper.sweep(120_002);
    expect(t.pings).toBe(2);
  });

  it("never pings a stream that has not bound, and closes it at the idle timeout after it opened", () => {
    const sweeper = new KeepaliveSweeper(options);
    const t = new Target(false, 119_000, 0);
    sweeper.add(t);
    sweeper.sweep(119_999);
    expect([t.pings, t.timedOut]).toEqual([0, 0]);
    sweeper.sweep(120_001);
    expect([t.pings, t.timedOut]).toEqual([0, 1]);
  });

  it("does not ping at all with an interval of 0, but still closes idle unbound streams", () => {
    const sweeper = new KeepaliveSweeper({ ...options, intervalMs: 0 });
    const boundTarget = new Target(true, 0);
    const idle = new Target(false, 0);
    sweeper.add(boundTarget);
    sweeper.add(idle);
    sweeper.sweep(10_000_000);
    expect([boundTarget.pings, boundTarget.timedOut]).toEqual([0, 0]);
    expect(idle.timedOut).toBe(1);
  });

  it("stops watching removed targets, also when a target removes itself while timing out", () => {
    const sweeper = new KeepaliveSweeper(options);
    const a = new Target(false, 0);
    const b = new Target(false, 0);
    a.timeOut = () => {
      a.timedOut++;
      sweeper.remove(a);
    };
    sweeper.add(a);
    sweeper.add(b);
    sweeper.sweep(200_000);
    sweeper.remove(b);
    sweeper.sweep(400_000);
    expect([a.timedOut, b.timedOut, sweeper.size]).toEqual([1, 1, 0]);
  });
});
