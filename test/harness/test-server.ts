/**
 * A real server on ephemeral ports for integration tests (DESIGN §2.9): SQLite in memory by default,
 * or a throwaway PostgreSQL schema; a temp data dir; users registered up front.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { resolveConfig } from "../../src/config/load-config.js";
import type { Config } from "../../src/config/load-config.js";
import type { ServerModule } from "../../src/core/module.js";
import { serverModules } from "../../src/modules/index.js";
import { buildServer, type RtcServer } from "../../src/server.js";
import type { SqlDialectName } from "../../src/storage/open-database.js";
import { dropTestSchema, postgresTestUrl } from "./test-database.js";
import { connectClient, type TestClient, type ConnectOptions } from "./test-client.js";

// Test clients talk to a self-signed certificate (STARTTLS, direct TLS, wss).
process.env["NODE_TLS_REJECT_UNAUTHORIZED"] = "0";
process.removeAllListeners("warning");

export interface TestServerOptions {
  readonly profile?: "ethora" | "standard";
  readonly database?: SqlDialectName;
  /** Raw config keys (as in the YAML file), merged over the test defaults. */
  readonly config?: Record<string, unknown>;
  /** Accounts to create, all with password "secret" (or `name:password`). */
  readonly users?: readonly string[];
  /** Reuse a data dir (restart tests); by default a fresh temp dir. */
  readonly dataDir?: string;
  /** Reuse a database URL (restart tests). */
  readonly databaseUrl?: string;
  readonly domain?: string;
  /** Extra modules set up after the standard ones (e.g. a test module observing hooks). */
  readonly modules?: readonly ServerModule<unknown>[];
}

export interface ApiReply {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

export interface TestServer {
  readonly server: RtcServer;
  readonly config: Config;
  readonly domain: string;
  readonly dataDir: string;
  readonly databaseUrl: string;
  port(name: "c2s" | "c2s_tls" | "http" | "https"): number;
  /** Connects a registered user with @xmpp/client (STARTTLS over TCP unless told otherwise) and sends initial presence unless `presence: false`. */
  connect(user: string, options?: ConnectOptions): Promise<TestClient>;
  register(user: string, password?: string): Promise<void>;
  /** POSTs to /api/<command> from loopback (trusted, PROTOCOL §8.2) unless headers say otherwise. */
  api(command: string, args?: unknown, headers?: Record<string, string>): Promise<ApiReply>;
  /** Stops the server; `keepData` leaves the database and data dir for a restart. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const domain = options.domain ?? "localhost";
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "rtc-test-"));
  let databaseUrl = options.databaseUrl;
  let schema: string | undefined;
  if (databaseUrl === undefined) {
    if (options.database === "postgres") {
      const base = postgresTestUrl();
      if (base === undefined) throw new Error("PostgreSQL is not reachable: set TEST_DATABASE_URL");
      schema = `rtc_it_${randomBytes(6).toString("hex")}`;
      databaseUrl = `${base}${base.includes("?") ? "&" : "?"}schema=${schema}`;
    } else {
      databaseUrl = options.dataDir === undefined ? "sqlite::memory:" : `sqlite:${join(dataDir, "rtc.sqlite")}`;
    }
  }
  const listener = { host: "127.0.0.1", port: 0 };
  const raw = {
    profile: options.profile ?? "ethora",
    hosts: [domain],
    data_dir: dataDir,
    database: { url: databaseUrl },
    log: { level: process.env["RTC_TEST_LOG"] ?? "silent" },
    listeners: { c2s: listener, c2s_tls: listener, http: listener, https: listener },
    ...options.config,
  };
  const config = resolveConfig(raw, {}, dataDir);
  const modules = options.modules === undefined ? undefined : [...serverModules, ...options.modules];
  const server = await buildServer(config, { logger: pino({ level: config.log.level }), ...(modules === undefined ? {} : { modules }) });
  await server.start();
  const port = (name: "c2s" | "c2s_tls" | "http" | "https") => {
    const p = server.ports[name];
    if (p === null) throw new Error(`listener ${name} is off`);
    return p;
  };
  const api = async (command: string, args: unknown = {}, headers: Record<string, string> = {}): Promise<ApiReply> => {
    const res = await fetch(`http://127.0.0.1:${port("http")}/api/${command}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof args === "string" ? args : JSON.stringify(args),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text === "" ? "" : JSON.parse(text);
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body, text };
  };
  const register = async (user: string, password = "secret") => {
    const reply = await api("register", { user, host: domain, password });
    if (reply.status !== 200) throw new Error(`register ${user} failed: ${reply.status} ${reply.text}`);
  };
  for (const u of options.users ?? []) {
    const [name = u, password = "secret"] = u.split(":");
    await register(name, password);
  }
  const clients: TestClient[] = [];
  return {
    server,
    config,
    domain,
    dataDir,
    databaseUrl,
    port,
    api,
    register,
    async connect(user, connectOptions = {}) {
      const client = await connectClient({ domain, ports: { c2s: port("c2s"), c2s_tls: port("c2s_tls"), http: port("http"), https: port("https") } }, user, connectOptions);
      clients.push(client);
      return client;
    },
    async stop(stopOptions = {}) {
      await Promise.allSettled(clients.map((c) => c.stop()));
      await server.stop();
      if (stopOptions.keepData) return;
      if (schema !== undefined) await dropTestSchema(schema);
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
