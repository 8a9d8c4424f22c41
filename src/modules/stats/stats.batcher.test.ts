import { afterEach, describe, expect, it, vi } from "vitest";
import { StatsBatcher, type StatsMessage } from "./stats.batcher.js";

const entry = (n: number): StatsMessage => ({ appId: null, room: null, from: `u${n}@x`, to: "v@x", type: "chat", stanzaId: String(n), messageTs: n, bodyLength: 1, media: false, reaction: false });

function batcher(batchSize: number, flushIntervalMs = 1000) {
  const sent: (readonly StatsMessage[])[] = [];
  const releases: (() => void)[] = [];
  const errors: unknown[] = [];
  const b = new StatsBatcher({
    batchSize,
    flushIntervalMs,
    send: (messages) => {
      sent.push(messages);
      return new Promise<void>((resolve) => releases.push(resolve));
    },
    log: { error: (fields) => void errors.push(fields) },
  });
  return { b, sent, releases, errors };
}

describe("stats batching (PROTOCOL §7.10)", () => {
  afterEach(() => void vi.useRealTimers());

  it("sends a batch as soon as batch_size events have accumulated", () => {
    const { b, sent } = batcher(3);
    for (let i = 1; i <= 7; i++) b.add(entry(i));
    expect(sent.map((batch) => batch.map((m) => m.stanzaId))).toEqual([
      ["1", "2", "3"],
      ["4", "5", "6"],
    ]);
    expect(b.buffered).toBe(1);
  });

  it("flushes a non-empty batch at every interval tick, and nothing when empty", () => {
    vi.useFakeTimers();
    const { b, sent } = batcher(100, 500);
    b.start();
    vi.advanceTimersByTime(1500);
    expect(sent).toEqual([]);
    b.add(entry(1));
    b.add(entry(2));
    vi.advanceTimersByTime(500);
    expect(sent.map((batch) => batch.length)).toEqual([2]);
    vi.advanceTimersByTime(500);
    expect(sent.length).toBe(1);
  });

  it("stop hands over the last batch and waits until the outbox has stored every batch", async () => {
    const { b, sent, releases } = batcher(2);
    b.start();
    b.add(entry(1));
    b.add(entry(2));
    b.add(entry(3));
    let stopped = false;
    const stopping = b.stop().then(() => (stopped = true));
    expect(sent.map((batch) => batch.length)).toEqual([2, 1]);
    await Promise.resolve();
    expect(stopped).toBe(false);
    for (const release of releases) release();
    await stopping;
    expect(stopped).toBe(true);
  });

  it("logs a failed hand-over instead of throwing", async () => {
    const errors: unknown[] = [];
    const b = new StatsBatcher({ batchSize: 1, flushIntervalMs: 1000, send: () => Promise.reject(new Error("db down")), log: { error: (f) => void errors.push(f) } });
    b.add(entry(1));
    await b.stop();
    expect(errors).toHaveLength(1);
  });
});
