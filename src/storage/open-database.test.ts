import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "./open-database.js";
import type { OpenedDatabase } from "./open-database.js";

describe("openDatabase", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function openFile(): Promise<{ opened: OpenedDatabase; path: string }> {
    const dir = mkdtempSync(join(tmpdir(), "rtc-open-db-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, "nested", "deeper", "rtc.db");
    const opened = await openDatabase(`sqlite:${path}`);
    cleanups.push(() => opened.close());
    return { opened, path };
  }

  /** The single value a `pragma name` query returns (its column is not always named after the pragma). */
  async function pragma(opened: OpenedDatabase, name: string): Promise<unknown> {
    const { rows } = await sql<Record<string, unknown>>`${sql.raw(`pragma ${name}`)}`.execute(opened.db);
    return Object.values(rows[0] ?? {})[0];
  }

  it("creates the SQLite file's missing parent directories", async () => {
    const { opened, path } = await openFile();
    expect(opened.dialect).toBe("sqlite");
    expect(existsSync(path)).toBe(true);
  });

  it("opens SQLite files in WAL mode with synchronous=NORMAL, foreign keys and a busy timeout", async () => {
    const { opened } = await openFile();
    expect(await pragma(opened, "journal_mode")).toBe("wal");
    expect(await pragma(opened, "synchronous")).toBe(1); // NORMAL
    expect(await pragma(opened, "foreign_keys")).toBe(1);
    expect(await pragma(opened, "busy_timeout")).toBe(5000);
  });

  it("enforces foreign keys on SQLite", async () => {
    const opened = await openDatabase("sqlite::memory:");
    cleanups.push(() => opened.close());
    await sql`create table parent (id text primary key)`.execute(opened.db);
    await sql`create table child (parent text not null references parent (id))`.execute(opened.db);
    await expect(sql`insert into child (parent) values ('missing')`.execute(opened.db)).rejects.toThrow(/FOREIGN KEY/);
  });

  it("logs the opened database through a pino logger", async () => {
    const lines: string[] = [];
    const log = pino({ base: null }, { write: (line: string) => void lines.push(line) });
    const opened = await openDatabase("sqlite::memory:", { log });
    cleanups.push(() => opened.close());
    expect(lines.map((l) => JSON.parse(l) as { msg: string; dialect: string })).toMatchObject([{ msg: "database opened", dialect: "sqlite" }]);
  });

  it("rejects an unknown scheme without echoing its password", async () => {
    const failure = openDatabase("mysql://root:hunter2@127.0.0.1/test");
    await expect(failure).rejects.toThrow(/unsupported database URL/);
    await expect(failure).rejects.not.toThrow(/hunter2/);
  });

  it("rejects a sqlite: URL without a path", async () => {
    await expect(openDatabase("sqlite:")).rejects.toThrow(/no path/);
  });

  it("rejects the schema option on SQLite", async () => {
    await expect(openDatabase("sqlite::memory:", { schema: "x" })).rejects.toThrow(/PostgreSQL only/);
  });

  it("rejects schema names that would need quoting, and a URL and option that disagree", async () => {
    await expect(openDatabase("postgres://127.0.0.1:1/test?schema=Bad-Name")).rejects.toThrow(/invalid PostgreSQL schema/);
    await expect(openDatabase("postgres://127.0.0.1:1/test", { schema: "x; drop" })).rejects.toThrow(/invalid PostgreSQL schema/);
    await expect(openDatabase("postgresql://127.0.0.1:1/test?schema=a", { schema: "b" })).rejects.toThrow(/schema=a/);
  });

  it("fails at open, not at the first query, when PostgreSQL does not answer", async () => {
    await expect(openDatabase("postgres://postgres@127.0.0.1:1/test")).rejects.toThrow(/ECONNREFUSED/);
  });
});
