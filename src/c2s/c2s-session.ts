/**
 * One client stream (RFC 6120): the state machine from stream open through TLS, SASL and bind to
 * a bound session, with XEP-0198 stream management. Everything the parser produces (headers,
 * elements, the close, errors) is handled strictly in order, one item at a time (RFC 6120 §10.1);
 * a client that sends faster than that is paused, not buffered. The negotiation, bound-stanza and
 * lifecycle steps live in their own files.
 */
import type { Session } from "../core/session.js";
import type { SharedStanza } from "../router/shared-stanza.js";
import { isFramedConnection, type Connection } from "../transport/connection.js";
import { Element } from "../xml/element.js";
import { serializeTopLevel } from "../xml/serialize.js";
import { XmlStreamParser, type ParseErrorCondition } from "../xml/stream-parser.js";
import type { Jid } from "../xmpp/jid.js";
import { NS } from "../xmpp/namespaces.js";
import { StreamError } from "../xmpp/stream-error.js";
import { handleBound, handleAuthedBeforeBind } from "./c2s-bound.js";
import type { C2sDeps } from "./c2s-deps.js";
import { closeForGood, hibernate } from "./c2s-lifecycle.js";
import { handlePreAuth } from "./c2s-negotiation.js";
import { defaultHost, openFailed, openStream, writeHeader } from "./c2s-stream-open.js";
import type { KeepaliveTarget } from "./keepalive.js";
import { StreamSink, type SinkTarget } from "./parser-sink.js";
import type { SaslExchange } from "./sasl/sasl-mechanism.js";
import { keepalivePing, queueForAck, writeStanza } from "./session-output.js";
import { legacyWebSocketFraming, webSocketFraming, xmlStreamFraming, type StreamFraming } from "./stream-framing.js";
import type { StreamManagementState } from "./stream-management.js";

export type C2sState = "await-open" | "pre-auth" | "await-restart" | "authed" | "bound" | "hibernated" | "closed" | "transferred";

/** What the parser hands over besides elements; kept in the same queue so order holds. */
type StreamEvent = { readonly open: Record<string, string>; readonly name: string; readonly ns: string } | StreamError | typeof CLOSED_BY_PEER;
const CLOSED_BY_PEER = "closed-by-peer";

/** Read is paused past this many queued items and resumed at half (RFC 6120 §13.12 item 4: flooding). */
const MAX_INBOX = 64;

export class C2sSession implements Session, KeepaliveTarget, SinkTarget {
  readonly id: number;
  state: C2sState = "await-open";
  conn: Connection;
  framing: StreamFraming;
  parser: XmlStreamParser;
  sink: StreamSink;
  host = "";
  streamId = "";
  /** The authenticated account (bare), set at SASL success. */
  user: Jid | undefined;
  #jid: Jid | undefined;
  isAnonymous = false;
  boundAt = 0;
  isAvailable = false;
  priority = 0;
  presence: Element | undefined;
  sm: StreamManagementState | undefined;
  saslFailures = 0;
  saslExchange: { readonly mechanism: string; readonly exchange: SaslExchange } | undefined;
  hibernateTimer: NodeJS.Timeout | undefined;
  lastActivity: number;
  keepaliveSentAt = 0;
  readonly openedAt: number;
  /** A stream header went out on the current stream (RFC 6120 §4.9.1.2: errors need one first). */
  headerSent = false;
  #inbox: (Element | StreamEvent)[] = [];
  #pumping = false;
  #readPaused = false;
  #keepaliveSeq = 0;
  #closed: Promise<void> | undefined;

  constructor(
    readonly deps: C2sDeps,
    conn: Connection,
    /** The SASL mechanisms offered on the listener this stream came in on (PROTOCOL §2.2). */
    readonly mechanisms: readonly string[],
  ) {
    this.id = conn.id;
    this.conn = conn;
    this.framing = isFramedConnection(conn) ? webSocketFraming : xmlStreamFraming;
    this.sink = new StreamSink(this, conn);
    this.parser = new XmlStreamParser(this.sink, {
      maxStanzaSize: deps.config.c2s.max_stanza_size,
      fragment: isFramedConnection(conn),
      defaultNs: NS.client,
    });
    this.openedAt = this.lastActivity = Date.now();
    conn.setHandlers(this.sink);
    if (isFramedConnection(conn)) {
      const sink = this.sink;
      conn.onActivity = () => sink.touch();
    }
    deps.keepalive.add(this);
    deps.streams.add(this);
  }

  get jid(): Jid {
    if (this.#jid === undefined) throw new Error("session is not bound");
    return this.#jid;
  }

  set boundJid(jid: Jid) {
    this.#jid = jid;
  }

  get isBound(): boolean {
    return this.#jid !== undefined && (this.state === "bound" || this.state === "hibernated");
  }

  get isHibernated(): boolean {
    return this.state === "hibernated";
  }

  get remoteAddress(): string {
    return this.conn.remoteAddress;
  }

  /** Parsed items waiting to be handled (diagnostics and tests: it stays bounded). */
  get inboxLength(): number {
    return this.#inbox.length;
  }

  /** Whether reading from the connection is paused because the inbox is full. */
  get isReadPaused(): boolean {
    return this.#readPaused;
  }

  // ---- input ----

  onData(chunk: string): void {
    this.lastActivity = Date.now();
    if (this.state === "closed" || this.state === "transferred") return;
    this.parser.write(chunk);
    // RFC 7395 §3.3.3 / PROTOCOL §1.4: a frame must hold complete elements only.
    if (this.framing.isFramed && !this.parser.hasFailed && !this.parser.isAtElementBoundary) {
      this.#enqueue(new StreamError("not-well-formed", "WebSocket frame with an incomplete element"));
    }
    if (!this.#pumping && this.#inbox.length > 0) {
      this.#pumping = true;
      void this.#pump();
    }
  }

  onStreamOpen(name: string, ns: string, attrs: Record<string, string>): void {
    this.#enqueue({ open: attrs, name, ns });
  }

  onElement(element: Element): void {
    this.#enqueue(element);
  }

  onStreamClose(): void {
    this.#enqueue(CLOSED_BY_PEER);
  }

  onParseError(condition: ParseErrorCondition, text: string): void {
    this.#enqueue(new StreamError(condition, condition === "policy-violation" ? text : undefined));
  }

  #enqueue(item: Element | StreamEvent): void {
    this.#inbox.push(item);
    if (this.#inbox.length >= MAX_INBOX && !this.#readPaused) {
      this.#readPaused = true;
      this.conn.pause();
    }
  }

  async #pump(): Promise<void> {
    try {
      for (let item = this.#inbox.shift(); item !== undefined; item = this.#inbox.shift()) {
        if (this.state === "closed" || this.state === "transferred") break;
        await this.#handle(item);
        if (this.#readPaused && this.#inbox.length <= MAX_INBOX / 2) this.#resumeReading();
      }
    } finally {
      this.#pumping = false;
      // Let an idle stream drop its grown queue storage.
      if (this.#inbox.length === 0) this.#inbox = [];
      if (this.#readPaused) this.#resumeReading();
    }
  }

  #resumeReading(): void {
    this.#readPaused = false;
    if (this.state !== "closed" && this.state !== "transferred") this.conn.resume();
  }

  /** Items of a stream that was resumed into this session (XEP-0198 §5) continue here, in order. */
  adoptInbox(from: C2sSession): void {
    this.#inbox = from.#inbox;
    from.#inbox = [];
    if (!this.#pumping && this.#inbox.length > 0) {
      this.#pumping = true;
      void this.#pump();
    }
  }

  async #handle(item: Element | StreamEvent): Promise<void> {
    try {
      if (item instanceof Element) return await this.#handleElement(item);
      if (item instanceof StreamError) return this.close(item);
      if (item === CLOSED_BY_PEER) return this.#closedByPeer();
      if (item.name !== "stream" || item.ns !== NS.stream) return openFailed(this, item.open, new StreamError("invalid-namespace"));
      // A legacy `<stream:stream>` header over WebSocket is answered in the same style (PROTOCOL §1.4).
      if (this.conn.kind === "websocket") this.framing = legacyWebSocketFraming;
      openStream(this, item.open);
    } catch (error) {
      if (error instanceof StreamError) return this.close(error);
      this.deps.log.error({ err: error, session: this.id }, "c2s handling failed");
      this.close(new StreamError("internal-server-error"));
    }
  }

  async #handleElement(element: Element): Promise<void> {
    if (this.framing.isFramed && element.ns === NS.framing) {
      if (element.name === "open") return openStream(this, element.attrs);
      if (element.name === "close") return this.#closedByPeer();
    }
    switch (this.state) {
      case "pre-auth":
        return handlePreAuth(this, element);
      case "authed":
        return handleAuthedBeforeBind(this, element);
      case "bound":
        return handleBound(this, element);
      case "await-open":
      case "await-restart":
        // RFC 6120 §6.4.1 / PROTOCOL §2.1: nothing but a stream header may come now.
        throw new StreamError("not-authorized");
      default:
        return;
    }
  }

  // ---- stream close and restart ----

  /** RFC 6120 §4.4 / RFC 7395 §3.6: answer the peer's close with ours; a clean end (no hibernation). */
  #closedByPeer(): void {
    if (this.state === "closed" || this.state === "transferred") return;
    this.conn.write(this.framing.close());
    this.conn.end();
    this.#closed = closeForGood(this);
  }

  /** After STARTTLS and SASL success the stream restarts from a fresh parser (RFC 6120 §5.4.3.3, §6.4.6). */
  restartStream(): void {
    this.parser.reset();
    this.headerSent = false;
    if (this.conn.kind === "websocket") this.framing = webSocketFraming;
  }

  // ---- output ----

  /** Writes a stream-level element (features, SASL, SM nonzas, replies during negotiation). */
  send(element: Element): void {
    if (this.state === "closed" || this.state === "hibernated" || this.state === "transferred") return;
    this.conn.write(serializeTopLevel(element, this.framing.stanzaNs));
  }

  /** Session.deliver: the router hands a stanza to this client. */
  deliver(stanza: Element): void {
    if (this.state === "closed" || this.state === "transferred") return;
    if (this.sm !== undefined && !queueForAck(this, this.sm, stanza)) return;
    if (this.state === "hibernated") return; // kept in the SM queue until resumed or timed out
    writeStanza(this, serializeTopLevel(stanza, this.framing.stanzaNs));
  }

  /** Session.deliverShared: one recipient's copy of a broadcast, from bytes serialised once. */
  deliverShared(shared: SharedStanza): void {
    if (this.state === "closed" || this.state === "transferred") return;
    const to = this.jid.toString();
    if (this.sm !== undefined && !queueForAck(this, this.sm, shared.elementFor(to))) return;
    if (this.state === "hibernated") return;
    writeStanza(this, shared.bytesFor(to, this.framing.stanzaNs));
  }

  setPresence(presence: Element | undefined, priority: number): void {
    const wasAvailable = this.isAvailable;
    this.presence = presence;
    this.priority = priority;
    this.isAvailable = presence !== undefined;
    if (!wasAvailable && this.isAvailable) {
      this.deps.hooks.run("session.available", { session: this }).catch((err: unknown) => {
        this.deps.log.error({ err }, "session.available hook failed");
      });
    }
  }

  // ---- keepalive (PROTOCOL §2.10) ----

  sendKeepalive(): void {
    if (this.conn.sendPing) return this.conn.sendPing();
    // On TCP an XEP-0199 ping; any inbound data, the answer included, resets the timer. It is a stanza like any
    // other: with XEP-0198 on, the client counts it, so it must be counted here too (else its `h` runs ahead, §2.11).
    this.deliver(keepalivePing(this.host, this.jid, ++this.#keepaliveSeq));
  }

  timeOut(): void {
    this.close(new StreamError("connection-timeout"));
  }

  // ---- closing ----

  /**
   * Ends the stream; with an error, the stream error goes first, after a header if none was sent
   * (RFC 6120 §4.9.1.2), and on WebSocket as its own frame before `<close/>` (PROTOCOL §1.4).
   */
  close(error?: StreamError): void {
    if (this.state === "closed" || this.state === "transferred") return;
    if (this.state !== "hibernated") {
      if (error !== undefined) {
        if (!this.headerSent) writeHeader(this, defaultHost(this), undefined);
        this.conn.write(this.framing.error(error.condition, error.text));
      }
      this.conn.write(this.framing.close());
      this.conn.end();
    }
    this.#closed = closeForGood(this);
  }

  /** Graceful stop: `system-shutdown`; resolves once the session's teardown hooks have run. */
  shutdown(): Promise<void> {
    this.close(new StreamError("system-shutdown"));
    return this.#closed ?? Promise.resolve();
  }

  onConnectionClosed(conn: Connection): void {
    if (conn !== this.conn || this.state === "closed" || this.state === "transferred") return;
    // PROTOCOL §2.10/§2.11: an unclean close hibernates a resumable session, else it ends now.
    if (this.state === "bound" && this.sm?.resumable === true) return hibernate(this);
    this.#closed = closeForGood(this);
  }
}
