// Recognises driver errors that stores turn into domain outcomes, for both SQLite and PostgreSQL (DESIGN.md §2.7).

/** PostgreSQL SQLSTATE unique_violation (Appendix A, class 23). */
const PG_UNIQUE_VIOLATION = "23505";
/** better-sqlite3 extended result codes: a duplicate in a UNIQUE constraint or index, or in the PRIMARY KEY. */
const SQLITE_UNIQUE_CODES: ReadonlySet<string> = new Set(["SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"]);

/**
 * True when `error` is a duplicate-key error from either driver (pg's DatabaseError with SQLSTATE 23505,
 * or better-sqlite3's SqliteError). Kysely rethrows driver errors unwrapped, so this works on what a query rejects with.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Error) || !("code" in error) || typeof error.code !== "string") return false;
  return error.code === PG_UNIQUE_VIOLATION || SQLITE_UNIQUE_CODES.has(error.code);
}
