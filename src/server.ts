/**
 * The composition root (DESIGN §2.1): builds one server instance from a config. The pipeline reads
 * top to bottom: transport → XML stream → c2s session → `client.stanza-sent` hooks → router →
 * delivery hooks → session or IQ handler. Nothing here is global; tests build as many as they like.
 */
import { pino, type Logger } from "pino";
import { startAdminApi, type AdminApi } from "./admin/admin-api.js";
import { C2sSession } from "./c2s/c2s-session.js";
import type { C2sDeps } from "./c2s/c2s-deps.js";
import { KeepaliveSweeper } from "./c2s/keepalive.js";
import { AuthThrottle } from "./c2s/sasl/auth-throttle.js";
import { offeredMechanisms } from "./c2s/sasl/sasl-mechanism.js";
import type { Config } from "./config/load-config.js";
import { ArchiveIdAllocator } from "./core/archive-ids.js";
import { Hooks } from "./core/hooks.js";
import { loadModules, type LoadedModules } from "./core/module-loader.js";
import type { ServerModule } from "./core/module.js";
import { LocalSessionDirectory } from "./core/session-directory.js";
import { serverModules } from "./modules/index.js";
import { accountsModule } from "./modules/accounts/accounts.module.js";
import { IqRouter } from "./router/iq-router.js";
import { Router } from "./router/stanza-router.js";
import { openDatabase, type OpenedDatabase } from "./storage/open-database.js";
import { runMigrations } from "./storage/migrator.js";
import { startListeners, type RunningListeners } from "./listeners.js";
import { parseJid, type Jid } from "./xmpp/jid.js";

export interface RtcServer {
  readonly config: Config;
  readonly log: Logger;
  readonly sessions: LocalSessionDirectory;
  readonly router: Router;
  readonly modules: LoadedModules;
  readonly admin: AdminApi;
  /** Bound ports, known after start (useful with port 0). */
  readonly ports: Readonly<Record<"c2s" | "c2s_tls" | "http" | "https", number | null>>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface BuildOptions {
  readonly logger?: Logger;
  readonly modules?: readonly ServerModule<unknown>[];
}

export async function buildServer(config: Config, options: BuildOptions = {}): Promise<RtcServer> {
  const log = options.logger ?? pino({ level: config.log.level, base: null });
  const database: OpenedDatabase = await openDatabase(config.database.url, { log });
  const hosts = new Set(config.hosts);
  const hooks = new Hooks();
  const iq = new IqRouter(log);
  const sessions = new LocalSessionDirectory();
  let userExists: (user: Jid) => Promise<boolean> = async () => false;
  const router = new Router({ hosts, sessions, iq, hooks, log, userExists: (u) => userExists(u) });
  const archiveIds = new ArchiveIdAllocator();

  const modules = loadModules(options.modules ?? serverModules, {
    config,
    hosts: config.hosts,
    db: database.db,
    dialect: database.dialect,
    sessions,
    router: { route: (stanza) => router.route(stanza), broadcast: (stanza, recipients) => router.broadcast(stanza, recipients) },
    archiveIds,
    iq: { handle: (type, codec, handler, options) => void iq.handle(type, codec, handler, options) },
    hooks: { on: (name, handler, phase) => void hooks.on(name, handler, phase), run: (name, payload) => hooks.run(name, payload) },
    services: { register: (service) => router.registerService(service) },
  }, log);
  const accounts = modules.api(accountsModule);
  userExists = (u) => accounts.exists(u);

  const keepalive = new KeepaliveSweeper({
    intervalMs: config.c2s.keepalive_interval_s * 1000,
    timeoutMs: config.c2s.keepalive_timeout_s * 1000,
    authTimeoutMs: config.c2s.idle_timeout_s * 1000,
  });
  const c2sDeps: C2sDeps = {
    config,
    hosts,
    log: log.child({ component: "c2s" }),
    router,
    sessions,
    hooks,
    throttle: new AuthThrottle(),
    keepalive,
    resumable: new Map(),
    streams: new Set(),
    auth: {
      saslBackend: (host) => accounts.saslBackend(host),
      mechanisms: (listenerOffer, secure) =>
        offeredMechanisms({ mechanisms: listenerOffer, jwtConfigured: config.auth.jwt.key !== null, anonymous: config.auth.anonymous }).filter(
          (m) => secure || !config.auth.plain_requires_tls || m !== "PLAIN",
        ),
      async accountReady(user, viaToken, anonymous) {
        if (anonymous) return true;
        if (viaToken) await accounts.materialize(user);
        return true;
      },
    },
  };
  const admin = await startAdminApi({ config, log: log.child({ component: "api" }), commands: modules.commands, accounts, sessions, router });

  let listeners: RunningListeners | undefined;
  const ports = { c2s: null, c2s_tls: null, http: null, https: null } as Record<"c2s" | "c2s_tls" | "http" | "https", number | null>;

  return {
    config,
    log,
    sessions,
    router,
    modules,
    admin,
    ports,
    async start() {
      await runMigrations(database, modules.migrations, { log });
      for (const task of modules.startTasks) await task();
      hooks.freeze();
      iq.freeze();
      await bootstrapAdmin(config, accounts.register, accounts.setPassword, log);
      keepalive.start();
      listeners = await startListeners(config, log, {
        // PROTOCOL §2.2: `auth.mechanisms` can be set per listener (resolved with the global default).
        onConnection: (conn, listener) => void new C2sSession(c2sDeps, conn, config.listeners[listener].mechanisms),
        onApi: (req, res) => admin.handle(req, res),
      });
      Object.assign(ports, listeners.ports);
    },
    async stop() {
      // Graceful stop (issue #2): stop accepting, end streams with system-shutdown, flush writes.
      listeners?.stopAccepting();
      keepalive.stop();
      // Every stream gets system-shutdown; session.closed hooks (offline re-routing) finish before the database closes.
      await Promise.all([...c2sDeps.streams].map((stream) => stream.shutdown()));
      await new Promise((resolve) => setTimeout(resolve, 50)); // let the stream errors reach the sockets
      await listeners?.close();
      for (const task of modules.stopTasks) await task();
      await database.close();
    },
  };
}

async function bootstrapAdmin(
  config: Config,
  register: (u: Jid, p: string) => Promise<"created" | "exists">,
  setPassword: (u: Jid, p: string) => Promise<boolean>,
  log: Logger,
): Promise<void> {
  if (config.bootstrap_admin_jid === null || config.bootstrap_admin_password === null) return;
  const admin = parseJid(config.bootstrap_admin_jid);
  if ((await register(admin, config.bootstrap_admin_password)) === "exists") await setPassword(admin, config.bootstrap_admin_password);
  log.info({ admin: admin.bareString }, "admin account ready");
}
