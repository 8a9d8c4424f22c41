/**
 * Tells errors caused by the rows being written (constraint, bad data) from errors of the database
 * itself (down, locked, busy): the writer drops the former row by row, loudly, and retries the latter.
 */

/** PostgreSQL SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation). */
const PG_DATA_CLASSES = /^2[23][0-9A-Z]{3}$/;
const SQLITE_DATA_CODES: ReadonlySet<string> = new Set(["SQLITE_TOOBIG", "SQLITE_MISMATCH"]);

export function isDataError(error: unknown): boolean {
  if (!(error instanceof Error) || !("code" in error) || typeof error.code !== "string") return false;
  const code = error.code;
  return PG_DATA_CLASSES.test(code) || code.startsWith("SQLITE_CONSTRAINT") || SQLITE_DATA_CODES.has(code);
}
