// Connection over a TCP or direct-TLS socket, with in-place STARTTLS upgrade (PROTOCOL §1.3; RFC 6120 §5).
//
// Memory matters here (target: well under 12 KB per idle client for the whole server), so socket events go to
// shared module-level functions that find their connection through a symbol on the socket: no per-connection
// closures. Outbound text is joined into one string per event-loop iteration (write-coalescer.ts).
import type { Socket } from "node:net";
import { StringDecoder } from "node:string_decoder";
import { TLSSocket, type SecureContext } from "node:tls";
import {
  nextConnectionId,
  normalizeRemoteAddress,
  type Connection,
  type ConnectionHandlers,
  type ConnectionKind,
} from "./connection.js";
import { scheduleFlush, type Flushable } from "./write-coalescer.js";

/** A peer that never answers our FIN is dropped after this long (end() is graceful, not unbounded). */
const END_GRACE_MS = 10_000;
/** STARTTLS and direct-TLS handshakes must finish within this long. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 30_000;

const OPEN = 0;
const ENDING = 1;
const CLOSED = 2;
type State = typeof OPEN | typeof ENDING | typeof CLOSED;

const kConn = Symbol("rtc.tcpConnection");
interface OwnedSocket extends Socket {
  [kConn]?: TcpConnection | undefined;
}

function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[kConn]?.receive(chunk);
}

function onSocketClose(this: OwnedSocket, hadError: boolean): void {
  this[kConn]?.socketClosed(hadError);
}

// Socket errors (ECONNRESET, EPIPE, TLS alerts) always end in 'close' with hadError = true; that is where the
// session learns about them. The listener only has to exist so that the error never becomes an uncaught exception.
function ignoreSocketError(): void {}

function destroySocket(socket: Socket): void {
  socket.destroy();
}

export class TcpConnection implements Connection, Flushable {
  readonly id = nextConnectionId();
  readonly kind: ConnectionKind;
  readonly remoteAddress: string;
  onActivity: (() => void) | undefined = undefined;
  private socket: OwnedSocket;
  private handlers: ConnectionHandlers | null = null;
  private decoder: StringDecoder | null = null;
  private pending = "";
  private state: State = OPEN;
  private secure: boolean;
  private paused = false;
  /** STARTTLS credentials; null once used, or when none are configured. */
  private starttlsContext: SecureContext | null;
  private graceTimer: NodeJS.Timeout | null = null;

  /** `socket` is a plain TCP socket, or a TLSSocket whose handshake has completed (kind "tls"). */
  constructor(socket: Socket, kind: "tcp" | "tls", starttlsContext: SecureContext | null) {
    this.kind = kind;
    this.socket = socket;
    this.secure = kind === "tls";
    this.starttlsContext = kind === "tcp" ? starttlsContext : null;
    this.remoteAddress = normalizeRemoteAddress(socket.remoteAddress);
    this.socket[kConn] = this;
    socket.on("error", ignoreSocketError);
    socket.on("close", onSocketClose);
  }

  get isSecure(): boolean {
    return this.secure;
  }

  get canStartTls(): boolean {
    return this.starttlsContext !== null && this.state === OPEN;
  }

  get bufferedBytes(): number {
    // String lengths (UTF-16 units) stand in for bytes: exact for ASCII, close enough for a slow-consumer check.
    return this.pending.length + this.socket.writableLength;
  }

  setHandlers(handlers: ConnectionHandlers): void {
    if (this.handlers !== null) throw new Error("Connection handlers are already set");
    if (this.state === CLOSED) return;
    this.handlers = handlers;
    // Our own decoder rather than socket.setEncoding(): on STARTTLS, TLSSocket takes over bytes already read
    // from the plain socket, and those must still be raw Buffers.
    this.decoder = new StringDecoder("utf8");
    this.socket.on("data", onSocketData);
  }

  /** Internal: a chunk read from the active socket. */
  receive(chunk: Buffer): void {
    if (this.state !== OPEN || this.handlers === null || this.decoder === null) return;
    const text = this.decoder.write(chunk);
    this.onActivity?.();
    if (text !== "") this.handlers.data(text);
  }

  write(text: string): void {
    if (this.state !== OPEN || text === "") return;
    if (this.pending === "") {
      this.pending = text;
      scheduleFlush(this);
    } else {
      this.pending += text;
    }
  }

  flushPending(): void {
    const text = this.pending;
    if (text === "") return;
    this.pending = "";
    if (!this.socket.destroyed) this.socket.write(text);
  }

  startTls(): Promise<void> {
    const context = this.starttlsContext;
    if (context === null) return Promise.reject(new Error("STARTTLS is not available on this connection"));
    this.starttlsContext = null;
    this.flushPending(); // <proceed/> goes out in clear text before the handshake (RFC 6120 §5.4.2.3)
    const raw = this.socket;
    // The client's ClientHello may already be on its way: stop delivering plain data. Bytes read meanwhile stay
    // in raw's buffer, and TLSSocket feeds them to the handshake (node's initRead), as well as any queued write.
    raw.pause();
    raw.removeListener("data", onSocketData);
    raw.removeListener("close", onSocketClose);
    raw[kConn] = undefined;
    const secured: OwnedSocket = new TLSSocket(raw, {
      isServer: true,
      secureContext: context,
      requestCert: false,
      rejectUnauthorized: false,
    });
    this.socket = secured;
    this.decoder?.end(); // a partial plain-text character can never be completed now
    secured[kConn] = this;
    secured.on("error", ignoreSocketError);
    secured.on("close", onSocketClose);
    if (this.handlers !== null) secured.on("data", onSocketData);
    if (this.paused) secured.pause();
    return this.awaitHandshake(secured, raw);
  }

  private awaitHandshake(secured: Socket, raw: Socket): Promise<void> {
    return new Promise((resolve, reject) => {
      let failure: Error | undefined;
      const onError = (err: Error): void => {
        failure = err;
      };
      const onTimeout = (): void => {
        failure = new Error("TLS handshake timed out");
        secured.destroy();
      };
      const onClose = (): void => {
        raw.destroy(); // the handshake never completed; make sure the descriptor goes too
        secured.removeListener("secure", onSecure);
        secured.removeListener("error", onError);
        secured.removeListener("timeout", onTimeout);
        reject(failure ?? new Error("Connection closed during the TLS handshake"));
      };
      const onSecure = (): void => {
        this.secure = true;
        secured.setTimeout(0);
        secured.removeListener("timeout", onTimeout);
        secured.removeListener("error", onError);
        secured.removeListener("close", onClose);
        resolve();
      };
      secured.once("secure", onSecure);
      secured.on("error", onError);
      secured.once("close", onClose);
      secured.setTimeout(TLS_HANDSHAKE_TIMEOUT_MS, onTimeout);
    });
  }

  pause(): void {
    this.paused = true;
    this.socket.pause();
  }

  resume(): void {
    this.paused = false;
    this.socket.resume();
  }

  end(): void {
    if (this.state !== OPEN) return;
    this.flushPending();
    this.state = ENDING;
    this.socket.end();
    this.graceTimer = setTimeout(destroySocket, END_GRACE_MS, this.socket);
    this.graceTimer.unref();
  }

  destroy(): void {
    if (this.state === CLOSED) return;
    this.state = ENDING;
    this.pending = "";
    this.socket.destroy();
  }

  /** Internal: the active socket emitted 'close'. */
  socketClosed(hadError: boolean): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.pending = "";
    this.starttlsContext = null;
    if (this.graceTimer !== null) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    const handlers = this.handlers;
    this.handlers = null; // let the session be collected even if someone keeps the connection
    handlers?.close(hadError);
  }
}
