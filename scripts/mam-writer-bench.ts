/**
 * Micro-benchmark of the archive write path (ADR 0002): pushes archive entries through the write-behind
 * writer into a fresh SQLite file (WAL, as the server opens it; with the insert worker thread the server
 * uses, and without it) and a throwaway PostgreSQL schema, and prints rows/s (wall clock), rows per
 * CPU-second of the process (all threads) and per busy second of the event loop. Not a test.
 *
 *   npx tsx scripts/mam-writer-bench.ts [--rows 200000] [--backend sqlite|postgres|all] [--chunk 200]
 *
 * Entries come in 1:1 pairs (two archives, one id), 1,000 users, a ~250-byte stanza, like the chat bench.
 * `--chunk` rows are pushed per event-loop turn (the server pushes as messages arrive).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { ArchiveWriter } from "../src/modules/mam/archive-writer.js";
import { SQLITE_INSERT_ROW, SqlArchiveStore, mamMigrations, sqliteInsertPayload } from "../src/modules/mam/mam.store.js";
import { SqliteInsertWorker } from "../src/modules/mam/sqlite-insert-worker.js";
import { EntryKind, type ArchiveEntry } from "../src/modules/mam/mam.types.js";
import { runMigrations } from "../src/storage/migrator.js";
import { openDatabase, type OpenedDatabase } from "../src/storage/open-database.js";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "200000" },
    backend: { type: "string", default: "all" },
    chunk: { type: "string", default: "200" },
    postgres: { type: "string", default: process.env["TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test" },
  },
});
const ROWS = Number(values.rows);
const CHUNK = Number(values.chunk);
const USERS = 1000;

function entries(): ArchiveEntry[] {
  const out: ArchiveEntry[] = [];
  let id = Date.now() * 1000;
  for (let i = 0; out.length < ROWS; i++) {
    id++;
    const a = `user${i % USERS}@bench.local`;
    const b = `user${(i * 7 + 1) % USERS}@bench.local`;
    const stanza = `<message to="${b}" type="chat" id="m${i}" from="${a}/res"><body>${"x".repeat(100)} ${i}</body></message>`;
    out.push({ archive: a, id, peer: b, peerResource: "", nick: null, kind: EntryKind.chat, originId: `m${i}`, stanza });
    out.push({ archive: b, id, peer: a, peerResource: "res", nick: null, kind: EntryKind.chat, originId: `m${i}`, stanza });
  }
  return out.slice(0, ROWS);
}

async function run(name: string, opened: OpenedDatabase, useWorker: boolean): Promise<void> {
  await runMigrations(opened, mamMigrations);
  const store = new SqlArchiveStore(opened.db, opened.dialect);
  const file = useWorker ? await store.sqliteFile() : undefined;
  const worker = file === undefined ? undefined : new SqliteInsertWorker(file, SQLITE_INSERT_ROW);
  const writer = new ArchiveWriter<ArchiveEntry>({
    write: (rows) => (worker === undefined ? store.insertMany(rows) : worker.run(sqliteInsertPayload(rows))),
    log: { error: (f, m) => console.error(m, f), warn: (f, m) => console.error(m, f) },
  });
  const rows = entries();
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  let waits = 0;
  for (let i = 0; i < rows.length; i++) {
    if (!writer.push(rows[i] as ArchiveEntry)) {
      waits++;
      await writer.ready();
    }
    if (i % CHUNK === CHUNK - 1) await new Promise((resolve) => setImmediate(resolve));
  }
  await writer.flush();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const mainS = performance.eventLoopUtilization(elu0).active / 1000;
  const stats = writer.stats();
  await writer.stop();
  await worker?.close();
  const count = Number((await sql<{ n: number }>`select count(*) as n from mam_messages`.execute(opened.db)).rows[0]?.n);
  console.log(
    `${name}: ${ROWS} rows in ${(ms / 1000).toFixed(2)} s = ${Math.round(ROWS / (ms / 1000)).toLocaleString("en")} rows/s ` +
      `(${Math.round(ROWS / cpuS).toLocaleString("en")} rows per CPU-second of the process, ${Math.round(ROWS / mainS).toLocaleString("en")} per busy second of the event loop; ` +
      `${stats.writes} writes, ${Math.round(ROWS / stats.writes)} rows/write, ${waits} backpressure waits, ${count} rows stored)`,
  );
}

if (values.backend === "all" || values.backend === "sqlite") {
  for (const useWorker of [true, false]) {
    const dir = mkdtempSync(join(tmpdir(), "mam-bench-"));
    const opened = await openDatabase(`sqlite:${join(dir, "rtc.sqlite")}`);
    try {
      await run(`SQLite file (WAL, synchronous=NORMAL), ${useWorker ? "insert worker thread (as the server does)" : "inserts on the event loop"}`, opened, useWorker);
    } finally {
      await opened.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
if (values.backend === "all" || values.backend === "postgres") {
  const schema = `mam_bench_${randomBytes(4).toString("hex")}`;
  const opened = await openDatabase(values.postgres, { schema });
  try {
    await run("PostgreSQL", opened, false);
  } finally {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(opened.db);
    await opened.close();
  }
}
