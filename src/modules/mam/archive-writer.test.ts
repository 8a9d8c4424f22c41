import { describe, expect, it } from "vitest";
import { ArchiveWriter, type ArchiveWriterOptions } from "./archive-writer.js";

const NEVER = 1e9; // an interval that never fires during a test

interface Harness {
  readonly writer: ArchiveWriter<number>;
  readonly batches: number[][];
  readonly written: number[];
  readonly errors: { fields: object; message: string }[];
}

function harness(options: Partial<ArchiveWriterOptions<number>> & { fail?: (rows: readonly number[]) => unknown } = {}): Harness {
  const batches: number[][] = [];
  const written: number[] = [];
  const errors: { fields: object; message: string }[] = [];
  const writer = new ArchiveWriter<number>({
    flushIntervalMs: NEVER,
    batchRows: 1000,
    retryMinMs: 1,
    retryMaxMs: 2,
    log: { error: (fields, message) => errors.push({ fields, message }), warn: () => undefined },
    write: async (rows) => {
      batches.push([...rows]);
      const failure = options.fail?.(rows);
      if (failure !== undefined) throw failure;
      written.push(...rows);
    },
    ...options,
  });
  return { writer, batches, written, errors };
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

class DataError extends Error {
  readonly code = "SQLITE_CONSTRAINT_CHECK";
}

describe("ArchiveWriter", () => {
  it("waits for company below batchRows, and writes at once when the queue reaches it", () => {
    const { writer, batches } = harness({ batchRows: 3 });
    writer.push(1);
    writer.push(2);
    expect(batches).toEqual([]);
    writer.push(3);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it("writes a lone row once the interval has passed", async () => {
    let written!: (rows: readonly number[]) => void;
    const done = new Promise<readonly number[]>((resolve) => (written = resolve));
    const writer = new ArchiveWriter<number>({ flushIntervalMs: 1, log: { error: () => undefined, warn: () => undefined }, write: async (rows) => written(rows) });
    writer.push(42);
    expect(await done).toEqual([42]);
  });

  it("keeps order across batches and never runs two writes at once", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const seen: number[] = [];
    const writer = new ArchiveWriter<number>({
      flushIntervalMs: NEVER,
      batchRows: 4,
      maxBatchRows: 3,
      log: { error: () => undefined, warn: () => undefined },
      write: async (rows) => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        seen.push(...rows);
        inFlight--;
      },
    });
    for (const n of range(1, 20)) writer.push(n);
    await writer.flush();
    expect(seen).toEqual(range(1, 20));
    expect(maxInFlight).toBe(1);
  });

  it("flush resolves only once rows pushed during a write in progress are written too", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: number[][] = [];
    const writer = new ArchiveWriter<number>({
      flushIntervalMs: NEVER,
      batchRows: 2,
      log: { error: () => undefined, warn: () => undefined },
      write: async (rows) => {
        seen.push([...rows]);
        if (seen.length === 1) await gate;
      },
    });
    writer.push(1);
    writer.push(2); // first write starts and hangs
    writer.push(3);
    const flushed = writer.flush();
    release();
    await flushed;
    expect(seen).toEqual([[1, 2], [3]]);
  });

  it("stop writes everything queued, then refuses (and logs) late rows", async () => {
    const { writer, written, errors } = harness();
    for (const n of range(1, 5)) writer.push(n);
    expect(written).toEqual([]);
    await writer.stop();
    expect(written).toEqual(range(1, 5));
    writer.push(6);
    expect(written).toEqual(range(1, 5));
    expect(errors.map((e) => e.message)).toEqual(["archive entry dropped: written after the writer stopped"]);
    expect(writer.stats()).toMatchObject({ queued: 0, written: 5, dropped: 1 });
  });

  it("keeps the rows of a failed write, rejects the waiting flush, and writes them on the next attempt", async () => {
    let failures = 2;
    const { writer, written, errors } = harness({ fail: () => (failures-- > 0 ? new Error("database is down") : undefined) });
    for (const n of range(1, 3)) writer.push(n);
    await expect(writer.flush()).rejects.toThrow("database is down");
    expect(writer.stats().queued).toBe(3);
    await expect(writer.flush()).rejects.toThrow("database is down");
    writer.push(4);
    await writer.flush();
    expect(written).toEqual(range(1, 4));
    expect(errors.map((e) => e.message)).toEqual(["archive write failed; retrying", "archive write failed; retrying"]);
  });

  it("retries on its own after a failure (backoff), without anyone flushing", async () => {
    let failures = 1;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const written: number[] = [];
    const writer = new ArchiveWriter<number>({
      flushIntervalMs: 1,
      retryMinMs: 1,
      log: { error: () => undefined, warn: () => undefined },
      write: async (rows) => {
        if (failures-- > 0) throw new Error("busy");
        written.push(...rows);
        done();
      },
    });
    writer.push(1);
    writer.push(2);
    await finished;
    expect(written).toEqual([1, 2]);
  });

  it("isolates rows the database refuses: the others are written, each refused row is dropped with a log line", async () => {
    const { writer, written, errors } = harness({
      isPermanent: (e) => e instanceof DataError,
      describe: (n) => ({ row: n }),
      fail: (rows) => (rows.includes(4) || rows.includes(9) ? new DataError("CHECK constraint failed") : undefined),
    });
    for (const n of range(1, 10)) writer.push(n);
    await writer.flush();
    expect(written.sort((a, b) => a - b)).toEqual([1, 2, 3, 5, 6, 7, 8, 10]);
    expect(errors.map((e) => e.fields)).toEqual([expect.objectContaining({ row: { row: 4 } }), expect.objectContaining({ row: { row: 9 } })]);
    expect(writer.stats()).toMatchObject({ queued: 0, dropped: 2, written: 8 });
  });

  it("asks for backpressure past the high-water mark and releases it once written", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const writer = new ArchiveWriter<number>({ flushIntervalMs: NEVER, batchRows: 2, highWaterRows: 3, log: { error: () => undefined, warn: () => undefined }, write: () => gate });
    expect(writer.push(1)).toBe(true);
    expect(writer.push(2)).toBe(true); // a write of [1, 2] starts and hangs
    expect(writer.push(3)).toBe(false);
    let ready = false;
    const waiting = writer.ready().then(() => (ready = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(ready).toBe(false);
    release();
    await waiting;
    expect(ready).toBe(true);
  });

  it("gives up at stop when the database stays down, and says how many rows were lost", async () => {
    const { writer, errors } = harness({ stopAttempts: 2, fail: () => new Error("down") });
    writer.push(1);
    writer.push(2);
    await writer.stop();
    expect(errors.at(-1)).toEqual({ fields: { lost: 2 }, message: "archive entries lost: the database did not take them before stop" });
    expect(writer.stats()).toMatchObject({ queued: 0, dropped: 2, written: 0 });
  });
});
