// HTTP(S) listener, ports 5280/5443 (PROTOCOL §1.3): `/ws` WebSocket (§1.4), `/bosh` (§1.5), `/api` admin API (§8),
// 404 otherwise.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Server } from "node:net";
import type { Duplex } from "node:stream";
import type { SecureContextOptions } from "node:tls";
import { WebSocketServer, type WebSocket } from "ws";
import type { Connection } from "./connection.js";
import { startListening, type Listener } from "./server-lifecycle.js";
import { WebSocketConnection } from "./websocket-connection.js";

export type { Listener } from "./server-lifecycle.js";

export interface HttpListenerOptions {
  host: string;
  port: number;
  /** When present, HTTPS (port 5443). */
  tls?: SecureContextOptions | undefined;
  /** Largest WebSocket frame/message accepted: the stanza limit `c2s.max_stanza_size` (§9.1). */
  maxFrameBytes: number;
  /** Called synchronously per accepted WebSocket; the callee must call setHandlers() before returning. */
  onWebSocket(conn: Connection, request: IncomingMessage): void;
  /** `/api` and `/api/...` requests. */
  onApi(req: IncomingMessage, res: ServerResponse): void;
  /** `/bosh` and `/bosh/` requests (any method: the handler answers OPTIONS and refuses GET). */
  onBosh(req: IncomingMessage, res: ServerResponse): void;
  /** Listener-level errors after startup (e.g. EMFILE on accept). */
  onError?: ((err: Error) => void) | undefined;
}

type Route = "ws" | "api" | "bosh" | "none";

/** Exported for tests. Only the path counts; the query string is ignored. */
export function routeOf(url: string | undefined): Route {
  const path = (url ?? "").split("?", 1)[0] ?? "";
  if (path === "/ws" || path === "/ws/") return "ws";
  if (path === "/bosh" || path === "/bosh/") return "bosh";
  if (path === "/api" || path.startsWith("/api/")) return "api";
  return "none";
}

/** §1.4: `xmpp` wins, then `xmpp-framing`; otherwise accept without a Sec-WebSocket-Protocol header. */
export function selectSubprotocol(offered: ReadonlySet<string>): string | false {
  if (offered.has("xmpp")) return "xmpp";
  if (offered.has("xmpp-framing")) return "xmpp-framing";
  return false;
}

const NOT_FOUND_RESPONSE = "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";

export async function listenHttp(options: HttpListenerOptions): Promise<Listener> {
  const wss = new WebSocketServer({
    noServer: true,
    // §9.1: the library's own frame limit MUST be the stanza limit; the connection sends the stream error before ws closes.
    maxPayload: options.maxFrameBytes,
    perMessageDeflate: false,
    handleProtocols: selectSubprotocol,
    // close() reaches every socket through server-lifecycle; no second registry of clients needed.
    clientTracking: false,
  });
  const onRequest = requestHandler(options);
  const server: Server =
    options.tls === undefined
      ? createHttpServer({ noDelay: true }, onRequest)
      : createHttpsServer({ ...options.tls, noDelay: true }, onRequest);
  server.on("upgrade", upgradeHandler(options, wss));
  const listener = await startListening(server, options.host, options.port, options.onError);
  return {
    port: listener.port,
    stopAccepting: listener.stopAccepting,
    close: async () => {
      await listener.close();
      wss.close();
    },
  };
}

function requestHandler(options: HttpListenerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const route = routeOf(req.url);
    if (route === "api") {
      options.onApi(req, res);
      return;
    }
    if (route === "bosh") {
      options.onBosh(req, res);
      return;
    }
    // A plain GET on /ws is a known path that needs an upgrade; everything else does not exist (§1.3).
    const [status, body] = route === "ws" ? [426, "Upgrade Required"] : [404, "Not Found"];
    res.writeHead(status, { "content-type": "text/plain", "content-length": String(body.length) });
    res.end(body);
  };
}

function upgradeHandler(
  options: HttpListenerOptions,
  wss: WebSocketServer,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const onUpgraded = (ws: WebSocket, request: IncomingMessage): void => {
    options.onWebSocket(new WebSocketConnection(ws, request), request);
  };
  return (req, socket, head) => {
    socket.on("error", ignoreSocketError);
    if (routeOf(req.url) !== "ws") {
      socket.end(NOT_FOUND_RESPONSE);
      return;
    }
    wss.handleUpgrade(req, socket, head, onUpgraded);
  };
}

function ignoreSocketError(): void {}
