import { describe, expect, it } from "vitest";
import { RetentionPurge } from "./mam.retention.js";

describe("RetentionPurge", () => {
  it("deletes below now − retention (in µs), batch after batch until a batch comes back short", async () => {
    const calls: [number, number][] = [];
    const results = [2000, 2000, 17];
    const store = { purgeBefore: async (id: number, limit: number) => (calls.push([id, limit]), results.shift() ?? 0) };
    const logged: object[] = [];
    const purge = new RetentionPurge(store, 30, { info: (f) => logged.push(f), error: () => undefined });
    const now = Date.UTC(2024, 8, 24);
    expect(await purge.purge(now)).toBe(4017);
    const cutoff = (now - 30 * 86_400_000) * 1000;
    expect(calls).toEqual([[cutoff, 2000], [cutoff, 2000], [cutoff, 2000]]);
    expect(logged).toEqual([{ deleted: 4017, retentionDays: 30 }]);
  });
});
