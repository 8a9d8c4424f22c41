// Databases for store tests: SQLite in memory always, PostgreSQL in a throwaway schema when reachable (DESIGN.md §2.7, §2.9).
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { runMigrations } from "../../src/storage/migrator.js";
import type { Migration } from "../../src/storage/migrator.js";
import { openDatabase } from "../../src/storage/open-database.js";
import type { OpenedDatabase, SqlDialectName } from "../../src/storage/open-database.js";

const DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test";
const CONNECT_TIMEOUT_MS = 1_000;

/** Decided once per test file at module load, so `describe.each(backendsUnderTest())` can use it synchronously. */
const postgresUrl = await findPostgres();

/** Every backend the store contract suites run on: "sqlite" always, "postgres" when reachable. */
export function backendsUnderTest(): SqlDialectName[] {
  return postgresUrl === undefined ? ["sqlite"] : ["sqlite", "postgres"];
}

/** The PostgreSQL server tests use, or undefined when it was not reachable (and not required). */
export function postgresTestUrl(): string | undefined {
  return postgresUrl;
}

/**
 * A fresh, empty database: SQLite `:memory:`, or a PostgreSQL schema with a random name that `close()` drops.
 * With `migrations`, they are applied first. Always `close()` it (afterEach), or PostgreSQL keeps the schema.
 */
export async function openTestDatabase(backend: SqlDialectName, migrations?: readonly Migration[]): Promise<OpenedDatabase> {
  const opened = backend === "sqlite" ? await openDatabase("sqlite::memory:") : await openThrowawaySchema();
  if (migrations !== undefined) {
    try {
      await runMigrations(opened, migrations);
    } catch (error) {
      await opened.close();
      throw error;
    }
  }
  return opened;
}

async function openThrowawaySchema(): Promise<OpenedDatabase> {
  if (postgresUrl === undefined) throw new Error("PostgreSQL is not reachable: set TEST_DATABASE_URL");
  const schema = `rtc_test_${randomBytes(6).toString("hex")}`;
  const opened = await openDatabase(postgresUrl, { schema });
  return {
    db: opened.db,
    dialect: opened.dialect,
    close: async () => {
      try {
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(opened.db);
      } finally {
        await opened.close();
      }
    },
  };
}

/**
 * TEST_DATABASE_URL, or the local default when it answers. Unreachable PostgreSQL fails the run when it was asked
 * for (TEST_DATABASE_URL, CI, REQUIRE_POSTGRES=1); otherwise its tests are skipped, said once on stderr.
 */
async function findPostgres(): Promise<string | undefined> {
  const configured = nonEmpty(process.env["TEST_DATABASE_URL"]);
  const url = configured ?? DEFAULT_POSTGRES_URL;
  const failure = await connectionFailure(url);
  if (failure === undefined) return url;
  const requiredBy = configured !== undefined ? "TEST_DATABASE_URL" : isSet("CI") ? "CI" : isSet("REQUIRE_POSTGRES") ? "REQUIRE_POSTGRES" : undefined;
  if (requiredBy !== undefined) {
    throw new Error(`PostgreSQL at ${redact(url)} is not reachable (${failure}) and ${requiredBy} requires it`);
  }
  warnOncePerRun("PostgreSQL not reachable (set TEST_DATABASE_URL): PostgreSQL store tests are SKIPPED");
  return undefined;
}

async function connectionFailure(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on("error", () => undefined); // a failed connect also emits "error"; the rejected promise reports it
  try {
    await client.connect();
    await client.query("select 1");
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Vitest evaluates this module once per test file, each in its own worker process; the workers share a parent,
 * so a marker file named after it keeps the warning to one line per run.
 */
function warnOncePerRun(line: string): void {
  try {
    writeFileSync(join(tmpdir(), `rtc-server-pg-skip-${process.ppid}`), line, { flag: "wx" });
  } catch {
    return; // another test file of this run has said it
  }
  process.stderr.write(`${line}\n`);
}

function isSet(name: string): boolean {
  const value = nonEmpty(process.env[name]);
  return value !== undefined && value !== "0" && value.toLowerCase() !== "false";
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}

/** Drops a throwaway PostgreSQL schema that a test server created (`rtc_it_…`). */
export async function dropTestSchema(schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`not a test schema name: ${schema}`);
  const pool = new pg.Pool({ connectionString: postgresUrl, max: 1 });
  await pool.query(`drop schema if exists ${schema} cascade`).finally(() => pool.end());
}
