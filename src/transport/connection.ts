// The byte-level seam between listeners and the XML stream / c2s session (PROTOCOL §1.3, §1.4, §2.10).
// Transport knows nothing about XML: it moves UTF-8 text in and out of TCP, TLS and WebSocket sockets.

export type ConnectionKind = "tcp" | "tls" | "websocket" | "bosh";

/** RFC 7395 framing (one element per frame, `<open/>`/`<close/>`): WebSocket, and BOSH, which maps onto it. */
export function isFramedConnection(conn: { readonly kind: ConnectionKind }): boolean {
  return conn.kind === "websocket" || conn.kind === "bosh";
}

export interface ConnectionHandlers {
  /**
   * Decoded UTF-8 text. Multi-byte characters split across TCP reads are joined before delivery.
   * WebSocket: exactly one frame (text, or binary decoded as UTF-8) per call. Not called after end()/destroy().
   */
  data(chunk: string): void;
  /** Called exactly once, when the underlying socket has closed (also after end()/destroy()). */
  close(hadError: boolean): void;
  /**
   * WebSocket: a frame over the stanza limit arrived (PROTOCOL §9.1). Called synchronously before the library
   * closes the socket, so the stream error can still go out first; without this handler ws closes with 1009.
   */
  oversize?(): void;
}

export interface Connection {
  readonly kind: ConnectionKind;
  /** Process-unique, increasing. */
  readonly id: number;
  /** Peer IP as seen on the socket (never from forwarding headers, §1.3), without the `::ffff:` prefix. */
  readonly remoteAddress: string;
  /** TLS is active: direct TLS, after STARTTLS, or a WebSocket over HTTPS. */
  readonly isSecure: boolean;
  /** Plain TCP with STARTTLS credentials available and not yet secure. */
  readonly canStartTls: boolean;
  /**
   * Set once, synchronously right after the listener hands the connection over. Reading starts here; nothing is
   * delivered before it.
   */
  setHandlers(handlers: ConnectionHandlers): void;
  /**
   * Queue text. TCP/TLS: everything written within one event-loop iteration goes out as one socket write.
   * WebSocket: one call = one text frame (§1.4); frames of one iteration leave in one socket write too.
   * Writes after end()/destroy() are dropped silently.
   */
  write(text: string): void;
  /**
   * TCP only (rejects otherwise): flush pending writes (the caller has just written `<proceed/>`), then
   * upgrade the socket in place to server-side TLS. Data handlers receive decrypted text afterwards.
   * Resolves when the handshake completes; rejects (and the connection closes) if it fails.
   */
  startTls(): Promise<void>;
  /** Stop / restart reading (backpressure, inbound rate shaping §9.1). */
  pause(): void;
  resume(): void;
  /** Approximate bytes accepted by write() but not yet handed to the kernel (slow-consumer protection). */
  readonly bufferedBytes: number;
  /** Flush pending writes, then close gracefully (WebSocket: close frame 1000). */
  end(): void;
  /** Close immediately, dropping pending writes. */
  destroy(): void;
  /** WebSocket only: send a ping frame (§2.10 server keepalive). */
  sendPing?(): void;
  /**
   * Called on any inbound traffic: data, and on WebSocket also ping/pong frames (§2.10: "no frame of any kind").
   * Assign freely at any time.
   */
  onActivity?: (() => void) | undefined;
}

let lastConnectionId = 0;

/** Next process-unique connection id (shared by every listener kind). */
export function nextConnectionId(): number {
  lastConnectionId += 1;
  return lastConnectionId;
}

/** `::ffff:10.0.0.1` → `10.0.0.1`; a missing address (socket already gone) → `""`. */
export function normalizeRemoteAddress(address: string | undefined): string {
  if (address === undefined) return "";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}
