/**
 * A test server that is stopped and started again on the same data dir and database (restart tests on
 * SQLite and PostgreSQL). The first start creates the database; later starts reuse it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SqlDialectName } from "../../src/storage/open-database.js";
import { dropTestSchema } from "./test-database.js";
import { startTestServer, type TestServer, type TestServerOptions } from "./test-server.js";

export interface RestartableServer {
  readonly dataDir: string;
  /** Known after the first start. */
  readonly databaseUrl: string | undefined;
  /** Starts the server; only a `fresh` start registers `users`. Stop it with `stop({ keepData: true })`. */
  start(fresh: boolean): Promise<TestServer>;
  /** Removes the data dir and the PostgreSQL schema (afterAll). */
  cleanup(): Promise<void>;
}

export function restartableServer(
  backend: SqlDialectName,
  options: Omit<TestServerOptions, "dataDir" | "database" | "databaseUrl"> = {},
): RestartableServer {
  const dataDir = mkdtempSync(join(tmpdir(), "rtc-restart-"));
  let databaseUrl: string | undefined;
  return {
    dataDir,
    get databaseUrl() {
      return databaseUrl;
    },
    async start(fresh) {
      const server = await startTestServer({
        ...options,
        dataDir,
        ...(backend === "postgres" ? (databaseUrl === undefined ? { database: "postgres" as const } : { databaseUrl }) : {}),
        users: fresh ? (options.users ?? []) : [],
      });
      databaseUrl ??= server.databaseUrl;
      return server;
    },
    async cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
      const schema = databaseUrl === undefined ? null : new URL(databaseUrl).searchParams.get("schema");
      if (schema !== null) await dropTestSchema(schema);
    },
  };
}
