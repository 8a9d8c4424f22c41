/**
 * One client stream (RFC 6120): the state machine from stream open through TLS, SASL and bind to
 * a bound session, with XEP-0198 stream management. Inbound elements are handled strictly in order
 * (RFC 6120 §10.1); the negotiation and bound-stanza steps live in their own files.
 */
import { randomBytes } from "node:crypto";
import type { Session } from "../core/session.js";
import type { Connection } from "../transport/connection.js";
import type { Element } from "../xml/element.js";
import { serialize } from "../xml/serialize.js";
import { XmlStreamParser, type ParseErrorCondition } from "../xml/stream-parser.js";
import type { Jid } from "../xmpp/jid.js";
import { NS } from "../xmpp/namespaces.js";
import { StreamError } from "../xmpp/stream-error.js";
import { handleBound, handleAuthedBeforeBind } from "./c2s-bound.js";
import type { C2sDeps } from "./c2s-deps.js";
import { handlePreAuth, preAuthFeatures, postAuthFeatures } from "./c2s-negotiation.js";
import type { KeepaliveTarget } from "./keepalive.js";
import { legacyWebSocketFraming, webSocketFraming, xmlStreamFraming, type StreamFraming } from "./stream-framing.js";
import type { StreamManagementState } from "./stream-management.js";
import { ParserSink } from "./parser-sink.js";
import { hibernate, closeForGood } from "./c2s-lifecycle.js";

export type C2sState = "await-open" | "pre-auth" | "await-restart" | "authed" | "bound" | "hibernated" | "closed" | "transferred";

const MAX_INBOX = 64;
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export class C2sSession implements Session, KeepaliveTarget {
  readonly id: number;
  state: C2sState = "await-open";
  conn: Connection;
  framing: StreamFraming;
  parser: XmlStreamParser;
  readonly sink: ParserSink;
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
  saslExchange: { mechanism: string; step(r: Buffer | null): Promise<import("./sasl/sasl-mechanism.js").SaslStep> } | undefined;
  hibernateTimer: NodeJS.Timeout | undefined;
  lastActivity: number;
  keepaliveSentAt = 0;
  readonly openedAt: number;
  #inbox: Element[] = [];
  #pumping = false;
  #keepaliveSeq = 0;

  constructor(
    readonly deps: C2sDeps,
    conn: Connection,
  ) {
    this.id = conn.id;
    this.conn = conn;
    this.framing = conn.kind === "websocket" ? webSocketFraming : xmlStreamFraming;
    this.sink = new ParserSink(this);
    this.parser = new XmlStreamParser(this.sink, {
      maxStanzaSize: deps.config.c2s.max_stanza_size,
      fragment: conn.kind === "websocket",
      defaultNs: NS.client,
    });
    this.openedAt = this.lastActivity = Date.now();
    this.attach(conn);
    deps.keepalive.add(this);
    deps.streams.add(this);
  }

  /** Points a connection's handlers at this session (also used when a stream is resumed). */
  attach(conn: Connection): void {
    this.conn = conn;
    conn.setHandlers({ data: (chunk) => this.onData(chunk), close: () => this.onConnectionClosed(conn) });
    conn.onActivity = () => {
      this.lastActivity = Date.now();
    };
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

  get isAuthenticated(): boolean {
    return this.user !== undefined;
  }

  get remoteAddress(): string {
    return this.conn.remoteAddress;
  }

  // ---- input ----

  onData(chunk: string): void {
    this.lastActivity = Date.now();
    if (this.state === "closed" || this.state === "transferred") return;
    this.parser.write(chunk);
    // RFC 7395 §3.3.3 / PROTOCOL §1.4: a frame must hold complete elements only.
    if (this.framing.isFramed && !this.parser.hasFailed && !this.parser.isAtElementBoundary) {
      this.close(new StreamError("not-well-formed", "WebSocket frame with an incomplete element"));
    }
  }

  onStreamOpen(name: string, ns: string, attrs: Record<string, string>): void {
    if (this.conn.kind === "websocket") this.framing = legacyWebSocketFraming;
    if (name !== "stream" || ns !== NS.stream) {
      return this.openFailed(attrs, new StreamError("invalid-namespace"));
    }
    this.openStream(attrs);
  }

  onElement(element: Element): void {
    if (this.framing.isFramed && element.ns === NS.framing) {
      if (element.name === "open") return this.openStream(element.attrs);
      if (element.name === "close") return this.onStreamClose();
    }
    if (this.#inbox.length >= MAX_INBOX) this.conn.pause();
    this.#inbox.push(element);
    if (!this.#pumping) {
      this.#pumping = true;
      queueMicrotask(() => void this.#pump());
    }
  }

  onStreamClose(): void {
    // RFC 6120 §4.4: answer the close, then let the socket go; this is a clean end (no hibernation).
    if (this.state === "closed") return;
    this.conn.write(this.framing.close());
    this.conn.end();
    void closeForGood(this);
  }

  onParseError(condition: ParseErrorCondition, text: string): void {
    this.close(new StreamError(condition, condition === "policy-violation" ? text : undefined));
  }

  async #pump(): Promise<void> {
    try {
      for (let e = this.#inbox.shift(); e !== undefined; e = this.#inbox.shift()) {
        if (this.state === "closed" || this.state === "transferred") break;
        await this.#handle(e);
        if (this.#inbox.length === MAX_INBOX / 2) this.conn.resume();
      }
    } finally {
      this.#pumping = false;
      this.conn.resume();
    }
  }

  async #handle(element: Element): Promise<void> {
    try {
      switch (this.state) {
        case "pre-auth":
          return await handlePreAuth(this, element);
        case "authed":
          return await handleAuthedBeforeBind(this, element);
        case "bound":
          return await handleBound(this, element);
        case "await-open":
        case "await-restart":
          throw new StreamError("not-authorized");
        default:
          return;
      }
    } catch (error) {
      if (error instanceof StreamError) return this.close(error);
      this.deps.log.error({ err: error, session: this.id }, "c2s handling failed");
      this.close(new StreamError("internal-server-error"));
    }
  }

  // ---- stream open ----

  openStream(attrs: Record<string, string>): void {
    const to = (attrs["to"] ?? "").toLowerCase();
    if (!this.deps.hosts.has(to)) return this.openFailed(attrs, new StreamError("host-unknown"));
    if (this.host !== "" && to !== this.host) return this.openFailed(attrs, new StreamError("host-unknown"));
    this.host = to;
    this.streamId = randomBytes(8).toString("hex");
    this.conn.write(this.framing.header({ from: to, id: this.streamId, lang: attrs["xml:lang"] ?? "en" }));
    if (this.state === "await-open") {
      this.state = "pre-auth";
      this.conn.write(this.framing.features(preAuthFeatures(this)));
    } else if (this.state === "await-restart") {
      this.state = "authed";
      this.conn.write(this.framing.features(postAuthFeatures()));
    } else {
      this.close(new StreamError("not-authorized", "Unexpected stream restart"));
    }
  }

  /** RFC 6120 §4.9.1.2: a stream error before our header still needs one. */
  openFailed(attrs: Record<string, string>, error: StreamError): void {
    const from = this.deps.hosts.has((attrs["to"] ?? "").toLowerCase()) ? (attrs["to"] ?? "") : [...this.deps.hosts][0] ?? "";
    this.conn.write(this.framing.header({ from, id: randomBytes(8).toString("hex"), lang: "en" }));
    this.close(error);
  }

  /** After STARTTLS and SASL success the stream restarts from a fresh parser (RFC 6120 §5.4.3.3, §6.4.6). */
  restartStream(): void {
    this.parser.reset();
    if (this.conn.kind === "websocket") this.framing = webSocketFraming;
  }

  // ---- output ----

  /** Writes a stream-level element (features, SASL, SM nonzas, replies during negotiation). */
  send(element: Element): void {
    if (this.state === "closed" || this.state === "hibernated" || this.state === "transferred") return;
    this.conn.write(serialize(element, this.framing.stanzaNs));
  }

  /** Session.deliver: the router hands a stanza to this client. */
  deliver(stanza: Element): void {
    if (this.state === "closed" || this.state === "transferred") return;
    if (this.sm !== undefined) this.sm.sent(stanza);
    if (this.state === "hibernated") return; // kept in the SM queue until resumed or timed out
    this.conn.write(serialize(stanza, this.framing.stanzaNs));
    if (this.sm !== undefined && this.sm.unackedCount % 5 === 0) this.conn.write(`<r xmlns="${NS.sm}"/>`);
    if (this.conn.bufferedBytes > MAX_BUFFERED_BYTES) {
      this.close(new StreamError("policy-violation", "Too much data queued for this client"));
    }
  }

  setPresence(presence: Element | undefined, priority: number): void {
    const wasAvailable = this.isAvailable;
    this.presence = presence;
    this.priority = priority;
    this.isAvailable = presence !== undefined;
    if (!wasAvailable && this.isAvailable) void this.deps.hooks.run("session.available", { session: this }).catch((err: unknown) => {
      this.deps.log.error({ err }, "session.available hook failed");
    });
  }

  // ---- keepalive ----

  sendKeepalive(): void {
    if (this.conn.sendPing) return this.conn.sendPing();
    if (this.state !== "bound") return this.conn.write(" ");
    // PROTOCOL §2.10: on TCP an XEP-0199 ping; any inbound data resets the timer.
    const id = `ka-${++this.#keepaliveSeq}`;
    this.conn.write(`<iq type="get" id="${id}" from="${this.host}" to="${this.jid.toString()}"><ping xmlns="${NS.ping}"/></iq>`);
  }

  timeOut(): void {
    this.close(new StreamError("connection-timeout"));
  }

  // ---- closing ----

  /** Ends the stream; with an error, the stream error goes first (PROTOCOL §1.4 for WebSocket). */
  close(error?: StreamError): void {
    if (this.state === "closed" || this.state === "transferred") return;
    if (this.state !== "hibernated") {
      if (error) this.conn.write(this.framing.error(error.condition, error.text));
      this.conn.write(this.framing.close());
      this.conn.end();
    }
    void closeForGood(this);
  }

  shutdown(): void {
    this.close(new StreamError("system-shutdown"));
  }

  onConnectionClosed(conn: Connection): void {
    if (conn !== this.conn || this.state === "closed" || this.state === "transferred") return;
    // PROTOCOL §2.10/§2.11: an unclean close hibernates a resumable session, else it ends now.
    if (this.state === "bound" && this.sm?.resumable === true) return hibernate(this);
    void closeForGood(this);
  }

  setJidForResume(jid: Jid): void {
    this.#jid = jid;
  }
}
