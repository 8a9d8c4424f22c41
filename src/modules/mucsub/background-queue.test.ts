import { describe, expect, it } from "vitest";
import { BackgroundQueue } from "./background-queue.js";

describe("BackgroundQueue", () => {
  it("runs tasks one after the other in order, survives a failing task, and reports idle", async () => {
    const errors: unknown[] = [];
    const q = new BackgroundQueue({ error: (f) => errors.push(f) }, 100);
    const order: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await q.push(async () => {
      await gate;
      order.push(1);
    });
    await q.push(async () => {
      throw new Error("boom");
    });
    await q.push(async () => {
      order.push(3);
    });
    expect(order).toEqual([]);
    expect(q.pending).toBe(3);
    release();
    await q.idle();
    expect(order).toEqual([1, 3]);
    expect(errors).toHaveLength(1);
    expect(q.pending).toBe(0);
  });

  it("makes the producer wait once more than `limit` tasks are pending", async () => {
    const q = new BackgroundQueue({ error: () => undefined }, 1);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await q.push(() => gate);
    let second = false;
    const pushed = q.push(async () => undefined).then(() => (second = true));
    await new Promise((r) => setImmediate(r));
    expect(second).toBe(false);
    release();
    await pushed;
    expect(second).toBe(true);
  });
});
