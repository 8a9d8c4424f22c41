// Connection over an RFC 7395 WebSocket (PROTOCOL §1.4 framing, §2.10 ping-frame keepalive).
//
// One write() is one text frame. Frames written in the same event-loop iteration leave in one socket write: ws has
// no batching option of its own, so we cork the underlying socket on the first frame and uncork once per iteration
// (ws corks/uncorks around each frame itself; cork is counted, so its uncork does not flush ours early).
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, type RawData } from "ws";
import {
  nextConnectionId,
  normalizeRemoteAddress,
  type Connection,
  type ConnectionHandlers,
} from "./connection.js";
import { scheduleFlush, type Flushable } from "./write-coalescer.js";

const OPEN = 0;
const ENDING = 1;
const CLOSED = 2;
type State = typeof OPEN | typeof ENDING | typeof CLOSED;

/** RFC 6455 §7.4.1: normal closure. */
const CLOSE_NORMAL = 1000;

const kConn = Symbol("rtc.webSocketConnection");
interface OwnedWebSocket extends WebSocket {
  [kConn]?: WebSocketConnection | undefined;
}

// Shared listeners (`this` is the WebSocket) instead of per-connection closures.
function onMessage(this: OwnedWebSocket, data: RawData): void {
  this[kConn]?.receive(data);
}
function onControlFrame(this: OwnedWebSocket): void {
  this[kConn]?.onActivity?.();
}
function onError(this: OwnedWebSocket): void {
  // ws follows every error with 'close' (e.g. 1009 for an oversize frame, 1007 for invalid UTF-8 in a text frame).
  this[kConn]?.markError();
}
function onClose(this: OwnedWebSocket): void {
  this[kConn]?.socketClosed();
}

/** The error ws raises when a frame exceeds `maxPayload` (it then closes with 1009 at once). */
const OVERSIZE_ERROR = "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH";

/**
 * §9.1: the stream error must precede the close. ws's receiver reports an oversize frame through its 'error'
 * event and closes in the same call, so a listener placed before ws's own is the only moment the socket is
 * still open. The receiver is not public API: without it (another ws major), ws's plain 1009 close remains.
 */
function watchOversize(ws: WebSocket, conn: WebSocketConnection): void {
  const receiver = (ws as unknown as { _receiver?: { prependListener(event: "error", listener: (err: { code?: string }) => void): void } })._receiver;
  receiver?.prependListener("error", (err) => {
    if (err.code === OVERSIZE_ERROR) conn.oversize();
  });
}

function toText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString("utf8");
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return Buffer.from(data).toString("utf8");
}

export class WebSocketConnection implements Connection, Flushable {
  readonly id = nextConnectionId();
  readonly remoteAddress: string;
  readonly isSecure: boolean;
  onActivity: (() => void) | undefined = undefined;
  private readonly ws: OwnedWebSocket;
  private readonly socket: Duplex;
  private handlers: ConnectionHandlers | null = null;
  private state: State = OPEN;
  private corked = false;
  private hadError = false;

  /** `request` is the upgrade request; its socket is the one ws now drives. */
  constructor(ws: WebSocket, request: IncomingMessage) {
    this.ws = ws;
    this.socket = request.socket;
    this.remoteAddress = normalizeRemoteAddress(request.socket.remoteAddress);
    this.isSecure = "encrypted" in request.socket && request.socket.encrypted === true;
    this.ws[kConn] = this;
    ws.on("message", onMessage);
    ws.on("ping", onControlFrame);
    ws.on("pong", onControlFrame);
    ws.on("error", onError);
    ws.on("close", onClose);
    watchOversize(ws, this);
  }

  get kind(): "websocket" {
    return "websocket";
  }

  get canStartTls(): boolean {
    return false;
  }

  get bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  setHandlers(handlers: ConnectionHandlers): void {
    if (this.handlers !== null) throw new Error("Connection handlers are already set");
    if (this.state !== CLOSED) this.handlers = handlers;
  }

  /** Internal: one complete frame from ws (text, or binary treated as UTF-8 text). */
  receive(data: RawData): void {
    if (this.state !== OPEN || this.handlers === null) return;
    this.onActivity?.();
    this.handlers.data(toText(data));
  }

  write(text: string): void {
    if (this.state !== OPEN || this.ws.readyState !== WebSocket.OPEN) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      scheduleFlush(this);
    }
    this.ws.send(text);
  }

  flushPending(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  sendPing(): void {
    if (this.state === OPEN && this.ws.readyState === WebSocket.OPEN) this.ws.ping();
  }

  startTls(): Promise<void> {
    return Promise.reject(new Error("STARTTLS is not available on WebSocket connections"));
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  end(): void {
    if (this.state !== OPEN) return;
    this.state = ENDING;
    this.flushPending();
    // ws sends the close frame, waits for the peer's, and destroys the socket itself after 30 s without one.
    this.ws.close(CLOSE_NORMAL);
  }

  destroy(): void {
    if (this.state === CLOSED) return;
    this.state = ENDING;
    this.flushPending();
    this.ws.terminate();
  }

  /** Internal: a frame over the limit; the handlers may still write their last frames. */
  oversize(): void {
    if (this.state === OPEN) this.handlers?.oversize?.();
  }

  /** Internal: ws reported an error; 'close' follows. */
  markError(): void {
    this.hadError = true;
  }

  /** Internal: ws emitted 'close'. */
  socketClosed(): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.corked = false;
    const handlers = this.handlers;
    this.handlers = null;
    handlers?.close(this.hadError);
  }
}
