// TCP listeners for client streams: port 5222 (plain, STARTTLS when credentials exist) and 5223 (TLS from the
// first byte, XEP-0368) — PROTOCOL §1.3.
import { createServer as createNetServer, type Server, type Socket } from "node:net";
import {
  createSecureContext,
  createServer as createTlsServer,
  type SecureContextOptions,
  type TLSSocket,
} from "node:tls";
import type { Connection } from "./connection.js";
import { startListening, type Listener } from "./server-lifecycle.js";
import { TLS_HANDSHAKE_TIMEOUT_MS, TcpConnection } from "./tcp-connection.js";

export type { Listener } from "./server-lifecycle.js";

export interface TcpListenerOptions {
  host: string;
  port: number;
  /** When present, TLS from the first byte (XEP-0368); `starttls` is then ignored. */
  tls?: SecureContextOptions | undefined;
  /** Credentials offered through STARTTLS on a plain listener. */
  starttls?: SecureContextOptions | undefined;
  /** Called synchronously for each accepted client; the callee must call setHandlers() before returning. */
  onConnection(conn: Connection): void;
  /** Listener-level errors after startup (e.g. EMFILE on accept). Socket errors never get here. */
  onError?: ((err: Error) => void) | undefined;
}

// TCP_NODELAY: stanzas are already coalesced per event-loop turn, Nagle would only add latency.
// SO_KEEPALIVE off: XMPP keepalive (§2.10) detects dead peers.
const SOCKET_OPTIONS = { noDelay: true, keepAlive: false } as const;

export async function listenTcp(options: TcpListenerOptions): Promise<Listener> {
  const { onConnection } = options;
  let server: Server;
  if (options.tls !== undefined) {
    const tlsServer = createTlsServer({
      ...options.tls,
      ...SOCKET_OPTIONS,
      handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
    });
    tlsServer.on("secureConnection", (socket: TLSSocket) => {
      onConnection(new TcpConnection(socket, "tls", null));
    });
    // A failed handshake destroys the socket; without a listener node does exactly that, quietly.
    server = tlsServer;
  } else {
    // One SecureContext for the listener: parsing the key per STARTTLS would cost CPU and memory per client.
    const context = options.starttls === undefined ? null : createSecureContext(options.starttls);
    server = createNetServer(SOCKET_OPTIONS, (socket: Socket) => {
      onConnection(new TcpConnection(socket, "tcp", context));
    });
  }
  return startListening(server, options.host, options.port, options.onError);
}
