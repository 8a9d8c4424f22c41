import { describe, expect, it } from "vitest";
import { KeyedMutex } from "./keyed-mutex.js";

const tick = () => new Promise<void>((r) => setImmediate(r));

describe("KeyedMutex", () => {
  it("runs tasks of one key one after the other, in call order", async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`${name} start`);
      await tick();
      log.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([mutex.run("a", task("1")), mutex.run("a", task("2")), mutex.run("a", task("3"))]);
    expect(results).toEqual(["1", "2", "3"]);
    expect(log).toEqual(["1 start", "1 end", "2 start", "2 end", "3 start", "3 end"]);
    expect(mutex.size).toBe(0);
  });

  it("lets different keys run side by side", async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    let releaseA!: () => void;
    const a = mutex.run("a", () => new Promise<void>((r) => (releaseA = () => (log.push("a end"), r()))));
    await mutex.run("b", async () => void log.push("b ran"));
    releaseA();
    await a;
    expect(log).toEqual(["b ran", "a end"]);
  });

  it("keeps the queue going after a task fails", async () => {
    const mutex = new KeyedMutex();
    const failed = mutex.run("a", async () => {
      throw new Error("boom");
    });
    const next = mutex.run("a", async () => "ok");
    await expect(failed).rejects.toThrow("boom");
    await expect(next).resolves.toBe("ok");
    expect(mutex.size).toBe(0);
  });
});
