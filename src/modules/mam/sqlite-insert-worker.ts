/**
 * Archive inserts on a SQLite file, run by a worker thread with its own connection (ADR 0002): the
 * statement, the WAL appends and any checkpoint (fsync) it triggers then cost the event loop nothing,
 * and routing keeps one core while the other writes. WAL lets the server's connection read meanwhile;
 * writers take turns on the file lock (busy_timeout). An in-memory database cannot be shared, so it
 * keeps in-thread inserts.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** What the worker runs: plain JS (no transform needed under tsx, vitest or a build). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
db.pragma("busy_timeout = " + workerData.busyTimeoutMs);
db.pragma("synchronous = NORMAL");
const insert = db.prepare(workerData.sql);
const insertAll = db.transaction((rows) => { for (const row of rows) insert.run(row); });
parentPort.on("message", (m) => {
  if (m.close) { db.close(); parentPort.postMessage({ closed: true }); return; }
  try {
    insertAll(JSON.parse(m.payload));
    parentPort.postMessage({ id: m.id, ok: true });
  } catch (e) {
    parentPort.postMessage({ id: m.id, ok: false, code: e && e.code, message: String(e && e.message) });
  }
});
`;

/** An error from the worker's statement, with the driver's `code` (so data errors can be told apart). */
export class WorkerSqlError extends Error {
  override readonly name = "WorkerSqlError";
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

interface Pending {
  resolve(): void;
  reject(error: Error): void;
}

export class SqliteInsertWorker {
  #worker: Worker | undefined;
  #nextId = 0;
  readonly #pending = new Map<number, Pending>();

  /** `sql` inserts one row from positional parameters; `run(payload)` inserts every tuple of a JSON array, in one transaction. */
  constructor(
    private readonly path: string,
    private readonly sql: string,
    private readonly busyTimeoutMs = 5000,
  ) {}

  /** Inserts the tuples of `payload` (a JSON array of parameter arrays) in one transaction; resolves once committed. */
  run(payload: string): Promise<void> {
    const worker = (this.#worker ??= this.#spawn());
    const id = ++this.#nextId;
    // Referenced only while it holds work: an idle worker must not keep the process alive.
    if (this.#pending.size === 0) worker.ref();
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, payload });
    });
  }

  /** Closes the worker's connection; pending runs finish first (messages are handled in order). */
  async close(): Promise<void> {
    const worker = this.#worker;
    if (worker === undefined) return;
    this.#worker = undefined;
    worker.ref();
    const closed = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    worker.postMessage({ close: true });
    await closed;
  }

  #spawn(): Worker {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path: this.path, sql: this.sql, driver, busyTimeoutMs: this.busyTimeoutMs } });
    worker.on("message", (m: { id?: number; ok?: boolean; code?: string; message?: string; closed?: boolean }) => {
      if (m.closed === true) return void worker.terminate();
      const pending = m.id === undefined ? undefined : this.#pending.get(m.id);
      if (pending === undefined || m.id === undefined) return;
      this.#pending.delete(m.id);
      if (this.#pending.size === 0) worker.unref();
      if (m.ok === true) pending.resolve();
      else pending.reject(new WorkerSqlError(m.message ?? "archive insert failed", m.code));
    });
    // A dead worker fails what it held; the next run starts a new one (the writer retries the rows).
    const fail = (error: Error) => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const p of this.#pending.values()) p.reject(error);
      this.#pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`archive insert worker exited (code ${code})`)));
    worker.unref();
    return worker;
  }
}
