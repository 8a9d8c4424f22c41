/**
 * Opens the four listeners of PROTOCOL §1.3 (c2s with STARTTLS, direct TLS, HTTP, HTTPS) with the
 * configured or generated certificate, and closes them in two steps for a graceful stop.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Config } from "./config/load-config.js";
import type { Connection } from "./transport/connection.js";
import { BoshService } from "./transport/bosh/bosh-service.js";
import { listenHttp } from "./transport/http-listener.js";
import type { Listener } from "./transport/server-lifecycle.js";
import { listenTcp } from "./transport/tcp-listener.js";
import { loadOrCreateTlsCredentials } from "./transport/tls-credentials.js";

export interface RunningListeners {
  readonly ports: Record<"c2s" | "c2s_tls" | "http" | "https", number | null>;
  stopAccepting(): void;
  close(): Promise<void>;
}

export type ListenerName = keyof RunningListeners["ports"];

export interface ListenerHandlers {
  /** `listener` names the listener the client came in on (per-listener settings, PROTOCOL §2.2). */
  onConnection(conn: Connection, listener: ListenerName): void;
  onApi(req: IncomingMessage, res: ServerResponse): void;
}

export async function startListeners(config: Config, log: Logger, handlers: ListenerHandlers): Promise<RunningListeners> {
  const { listeners } = config;
  const hostnames = [...config.hosts, ...Object.values(config.muc.service_hosts)];
  const tls = await loadOrCreateTlsCredentials({ certFile: config.tls.cert_file ?? undefined, keyFile: config.tls.key_file ?? undefined, dataDir: config.data_dir, hostnames });
  if (tls.generated) log.info({ path: tls.path }, "generated a self-signed TLS certificate");
  const credentials = { cert: tls.cert, key: tls.key };
  const onError = (err: Error) => log.error({ err }, "listener error");
  // §1.5: one BOSH session table per HTTP listener (a session is bound to the listener it was created on).
  const boshServices: BoshService[] = [];
  const boshFor = (listener: "http" | "https"): BoshService => {
    const service = new BoshService({ maxBodyBytes: config.c2s.max_stanza_size, onConnection: (c) => handlers.onConnection(c, listener) });
    boshServices.push(service);
    return service;
  };
  const open: Partial<Record<keyof RunningListeners["ports"], Listener>> = {};
  const ports: RunningListeners["ports"] = { c2s: null, c2s_tls: null, http: null, https: null };
  try {
    if (listeners.c2s.port !== null) {
      open.c2s = await listenTcp({ host: listeners.c2s.host, port: listeners.c2s.port, starttls: credentials, onConnection: (c) => handlers.onConnection(c, "c2s"), onError });
    }
    if (listeners.c2s_tls.port !== null) {
      open.c2s_tls = await listenTcp({ host: listeners.c2s_tls.host, port: listeners.c2s_tls.port, tls: credentials, onConnection: (c) => handlers.onConnection(c, "c2s_tls"), onError });
    }
    const http = { maxFrameBytes: config.c2s.max_stanza_size, onApi: handlers.onApi, onError };
    if (listeners.http.port !== null) {
      const bosh = boshFor("http");
      const onBosh = bosh.handle.bind(bosh);
      open.http = await listenHttp({ ...http, host: listeners.http.host, port: listeners.http.port, onWebSocket: (c) => handlers.onConnection(c, "http"), onBosh });
    }
    if (listeners.https.port !== null) {
      const onWebSocket = (c: Connection) => handlers.onConnection(c, "https");
      const bosh = boshFor("https");
      const onBosh = bosh.handle.bind(bosh);
      open.https = await listenHttp({ ...http, host: listeners.https.host, port: listeners.https.port, tls: credentials, onWebSocket, onBosh });
    }
  } catch (error) {
    await Promise.all(Object.values(open).map((l) => l.close()));
    throw error;
  }
  for (const [name, listener] of Object.entries(open)) ports[name as keyof typeof ports] = listener.port;
  return {
    ports,
    stopAccepting: () => Object.values(open).forEach((l) => l.stopAccepting()),
    close: async () => {
      for (const bosh of boshServices) bosh.closeAll();
      await Promise.all(Object.values(open).map((l) => l.close()));
    },
  };
}
