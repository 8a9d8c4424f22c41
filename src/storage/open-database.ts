// Opens the server's SQL database (SQLite or PostgreSQL) behind one Kysely instance (DESIGN.md §2.7).
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect } from "kysely";
import type { DatabaseConnection } from "kysely";
import pg from "pg";
import type { Database } from "./database.js";
import { isUniqueViolation } from "./sql-errors.js";

export type SqlDialectName = "sqlite" | "postgres";

/**
 * An open database; `close()` ends every connection and must be awaited before exit.
 * Inside `db.transaction().execute(trx => …)` use only `trx`: SQLite has one connection, held by the transaction,
 * so a query on `db` there waits forever (on PostgreSQL it would silently run outside the transaction).
 */
export interface OpenedDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: SqlDialectName;
  close(): Promise<void>;
}

/** The part of a pino logger that storage writes to. */
export interface StorageLog {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface OpenDatabaseOptions {
  readonly log?: StorageLog;
  /** PostgreSQL only: the schema to create (if missing) and put on `search_path`; same as `?schema=`. */
  readonly schema?: string;
}

const POOL_SIZE = 10;
const BUSY_TIMEOUT_MS = 5_000;
const INT8_OID = 20;
// Unquoted-identifier syntax, so the name needs no escaping anywhere it is used.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens `sqlite:<path>`, `sqlite::memory:`, `postgres://…` or `postgresql://…`.
 * Connects eagerly, so a wrong URL fails at startup rather than on the first query.
 */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<OpenedDatabase> {
  if (url.startsWith("sqlite:")) {
    if (options.schema !== undefined) throw new Error("the schema option applies to PostgreSQL only");
    return openSqlite(url.slice("sqlite:".length), options.log);
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) return openPostgres(url, options);
  throw new Error(`unsupported database URL ${JSON.stringify(redactUrl(url))}: expected sqlite:<path>, sqlite::memory: or postgres://…`);
}

function openSqlite(path: string, log: StorageLog | undefined): OpenedDatabase {
  if (path === "") throw new Error("sqlite: URL has no path (use sqlite::memory: for an in-memory database)");
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const connection = new SqliteDatabase(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    // WAL lets readers run beside the writer and makes commits cheap (DESIGN.md §2.7, the write path);
    // with WAL, synchronous=NORMAL stays consistent after a crash and only risks the last commits on power loss.
    // An in-memory database keeps journal_mode=memory, which is fine.
    connection.pragma("journal_mode = WAL");
    connection.pragma("synchronous = NORMAL");
    connection.pragma("foreign_keys = ON");
    connection.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  } catch (error) {
    connection.close();
    throw error;
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(connection) }) });
  log?.info({ dialect: "sqlite", path }, "database opened");
  return { db, dialect: "sqlite", close: () => db.destroy() };
}

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  const { connectionString, schema } = splitSchemaParameter(url, options.schema);
  const pool = new pg.Pool({ connectionString, max: POOL_SIZE, types: { getTypeParser } });
  // Without a listener, an idle client's error (server restart, network drop) would crash the process.
  pool.on("error", (error) => reportPoolError(error, options.log));
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool,
      ...(schema === undefined ? {} : { onCreateConnection: (c) => setSearchPath(c, schema) }),
    }),
  });
  try {
    await ensureSchema(db, schema);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  options.log?.info({ dialect: "postgres", url: redactUrl(connectionString), schema }, "database opened");
  return { db, dialect: "postgres", close: () => db.destroy() };
}

/** Creates the schema if missing; without one, just proves the server answers. */
async function ensureSchema(db: Kysely<Database>, schema: string | undefined): Promise<void> {
  try {
    await db.executeQuery(CompiledQuery.raw(schema === undefined ? "select 1" : `create schema if not exists ${schema}`));
  } catch (error) {
    // Two nodes creating the same schema at once: the loser gets a duplicate key in pg_namespace, not "exists".
    if (!isUniqueViolation(error)) throw error;
  }
}

/** Takes `?schema=` off the URL (pg would ignore it) and reconciles it with the option. */
function splitSchemaParameter(url: string, option: string | undefined): { connectionString: string; schema: string | undefined } {
  const parsed = new URL(url);
  const fromUrl = parsed.searchParams.get("schema") ?? undefined;
  parsed.searchParams.delete("schema");
  if (fromUrl !== undefined && option !== undefined && fromUrl !== option) {
    throw new Error(`database URL says schema=${fromUrl} but the schema option says ${option}`);
  }
  const schema = option ?? fromUrl;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(schema)}: use lower-case letters, digits and _`);
  }
  return { connectionString: parsed.toString(), schema };
}

async function setSearchPath(connection: DatabaseConnection, schema: string): Promise<void> {
  await connection.executeQuery(CompiledQuery.raw(`set search_path to ${schema}`));
}

/**
 * int8 (bigint, count(*)) arrives as a string by default. Our bigint columns hold millisecond and
 * microsecond timestamps (archive ids), far below 2^53, so numbers are exact; a value that is not
 * throws instead of silently losing digits. numeric (OID 1700) stays a string on purpose.
 */
function getTypeParser(oid: number, format?: "text" | "binary"): (value: string) => unknown {
  if (oid === INT8_OID && format !== "binary") return parseInt8;
  return pg.types.getTypeParser(oid, format ?? "text") as (value: string) => unknown;
}

function parseInt8(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new RangeError(`int8 value ${value} is beyond Number.MAX_SAFE_INTEGER`);
  return parsed;
}

function reportPoolError(error: Error, log: StorageLog | undefined): void {
  if (log !== undefined) log.error({ err: error }, "idle PostgreSQL connection failed");
  else console.error(`idle PostgreSQL connection failed: ${error.message}`);
}

/** The URL without its password, for logs and error messages. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ":***@");
  }
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every query anew; compiling the SQL was ~10% of the event loop in a
 * login storm (docs/benchmarks.md). Statements are reusable and the driver runs one query at a time on
 * this connection, so a bounded cache keyed by SQL text is safe.
 */
function withStatementCache(connection: SqliteDatabase.Database): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const prepare = connection.prepare.bind(connection);
  return new Proxy(connection, {
    get(target, property, receiver) {
      if (property !== "prepare") {
        const value = Reflect.get(target, property, receiver) as unknown;
        // Native methods must run on the real connection, not on the proxy.
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      return (source: string) => {
        let statement = cache.get(source);
        if (statement === undefined) {
          statement = prepare(source);
          if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
          cache.set(source, statement);
        }
        return statement;
      };
    },
  });
}
