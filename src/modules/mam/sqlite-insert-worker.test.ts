import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runMigrations } from "../../storage/migrator.js";
import { openDatabase, type OpenedDatabase } from "../../storage/open-database.js";
import { SQLITE_INSERT_ROW, SqlArchiveStore, mamMigrations, sqliteInsertPayload } from "./mam.store.js";
import { EntryKind, type ArchiveEntry } from "./mam.types.js";
import { isDataError } from "./sql-data-errors.js";
import { SqliteInsertWorker, WorkerSqlError } from "./sqlite-insert-worker.js";

const entry = (id: number, archive = "alice@example.com"): ArchiveEntry => ({
  archive, id, peer: "bob@example.com", peerResource: "", nick: null, kind: EntryKind.chat, originId: null, stanza: `<message><body>${id} é "</body></message>`,
});

describe("SqliteInsertWorker", () => {
  let dir: string;
  let opened: OpenedDatabase;
  let store: SqlArchiveStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "mam-worker-"));
    opened = await openDatabase(`sqlite:${join(dir, "rtc.sqlite")}`);
    await runMigrations(opened, mamMigrations);
    store = new SqlArchiveStore(opened.db, opened.dialect);
  });
  afterEach(async () => {
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("finds the database file, and inserts there what the server's connection then reads", async () => {
    const file = await store.sqliteFile();
    expect(file).toBe(join(dir, "rtc.sqlite"));
    const worker = new SqliteInsertWorker(file as string, SQLITE_INSERT_ROW);
    await Promise.all([worker.run(sqliteInsertPayload([entry(1), entry(2)])), worker.run(sqliteInsertPayload([entry(3)]))]);
    const page = await store.page("alice@example.com", {}, { max: 10 });
    expect(page.entries).toEqual([entry(1), entry(2), entry(3)]);
    await worker.close();
  });

  it("reports the driver's error code, so refused rows are told from an unavailable database", async () => {
    const worker = new SqliteInsertWorker((await store.sqliteFile()) as string, SQLITE_INSERT_ROW);
    const refused = worker.run(JSON.stringify([[null, 1, "p", "", null, 1, null, "<message/>", ""]]));
    await expect(refused).rejects.toBeInstanceOf(WorkerSqlError);
    const error = await refused.catch((e: unknown) => e);
    expect((error as WorkerSqlError).code).toBe("SQLITE_CONSTRAINT_NOTNULL");
    expect(isDataError(error)).toBe(true);
    await worker.close();
  });

  it("is not used for an in-memory database", async () => {
    const memory = await openDatabase("sqlite::memory:");
    expect(await new SqlArchiveStore(memory.db, memory.dialect).sqliteFile()).toBeUndefined();
    await memory.close();
  });
});
