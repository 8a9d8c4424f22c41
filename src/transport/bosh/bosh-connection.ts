/**
 * One BOSH session (XEP-0124, XEP-0206; PROTOCOL §1.5: `wait` ≤ 60 s, `inactivity` 60 s, `hold` 1) seen by the
 * c2s stream as a framed Connection: it receives RFC 7395 frames (`<open/>` for the session request and for
 * `xmpp:restart`, one stanza per call, `<close/>` for `type="terminate"`) and writes the same frames, which
 * are collected into held HTTP responses. The c2s state machine never knows it is not a WebSocket.
 */
import type { ServerResponse } from "node:http";
import { NS } from "../../xmpp/namespaces.js";
import { serialize } from "../../xml/serialize.js";
import { escapeAttr } from "../../xml/escape.js";
import { nextConnectionId, type Connection, type ConnectionHandlers } from "../connection.js";
import { scheduleFlush, type Flushable } from "../write-coalescer.js";
import { NS_XBOSH, bodyXml, terminateXml, type BoshCondition, type BoshRequest } from "./bosh-body.js";

export const BOSH_HOLD = 1;
export const BOSH_MAX_WAIT_S = 60;
export const BOSH_INACTIVITY_S = 60;
/** Responses kept for retransmitted rids (§14: at least `requests`). */
const RESPONSE_CACHE = BOSH_HOLD + 1;

interface HeldRequest {
  readonly rid: number;
  readonly res: ServerResponse;
  timer: NodeJS.Timeout | undefined;
}

export interface BoshSessionInfo {
  readonly sid: string;
  readonly wait: number;
  readonly remoteAddress: string;
  readonly isSecure: boolean;
  readonly lang: string;
  readonly to: string;
}

export class BoshConnection implements Connection, Flushable {
  readonly id = nextConnectionId();
  readonly kind = "bosh" as const;
  readonly canStartTls = false;
  onActivity: (() => void) | undefined = undefined;
  #handlers: ConnectionHandlers | null = null;
  #held: HeldRequest[] = [];
  #out: string[] = [];
  #nextRid: number;
  readonly #sent = new Map<number, string>();
  #streamId: string | undefined;
  #creationPending = true;
  #terminate: { condition: BoshCondition | undefined; children: string[] } | undefined;
  #closed = false;
  #scheduled = false;
  #inactivity: NodeJS.Timeout | undefined;

  constructor(
    readonly info: BoshSessionInfo,
    firstRid: number,
    private readonly onGone: (sid: string) => void,
  ) {
    this.#nextRid = firstRid;
  }

  get remoteAddress(): string {
    return this.info.remoteAddress;
  }

  get isSecure(): boolean {
    return this.info.isSecure;
  }

  get bufferedBytes(): number {
    let n = 0;
    for (const s of this.#out) n += s.length;
    return n;
  }

  setHandlers(handlers: ConnectionHandlers): void {
    if (this.#handlers !== null) throw new Error("Connection handlers are already set");
    this.#handlers = handlers;
  }

  /** The session creation request (§7.1): the c2s stream opens, its header and features answer it. */
  start(rid: number, res: ServerResponse): void {
    this.#hold({ rid, res, timer: undefined });
    this.#nextRid = rid + 1;
    this.#handlers?.data(this.#openFrame());
  }

  /** Every later request of the session (§7.2–§7.6, §9, §12, §14). */
  request(req: BoshRequest, res: ServerResponse): void {
    if (this.#closed) return void res.end(terminateXml("item-not-found"));
    if (req.rid < this.#nextRid) return this.#retransmit(req.rid, res);
    // §14.2: a rid beyond the window is a broken client; the session ends.
    if (req.rid !== this.#nextRid) return this.#fail(res, "item-not-found");
    this.#nextRid = req.rid + 1;
    this.onActivity?.();
    const handlers = this.#handlers;
    for (const payload of req.payloads) handlers?.data(serialize(payload, ""));
    if (req.restart) {
      this.#creationPending = false;
      handlers?.data(this.#openFrame());
    }
    if (req.terminate) handlers?.data(`<close xmlns="${NS.framing}"/>`);
    this.#hold({ rid: req.rid, res, timer: undefined });
  }

  write(text: string): void {
    if (this.#closed || this.#terminate !== undefined) return;
    if (text.startsWith("<open ")) {
      this.#streamId = /\sid="([^"]*)"/.exec(text)?.[1];
      return this.#schedule();
    }
    if (text.startsWith("<close ")) this.#terminate = { condition: undefined, children: [] };
    else if (text.startsWith("<stream:error")) this.#terminate = { condition: "remote-stream-error", children: [text] };
    else if (text.trim() !== "") this.#out.push(text);
    this.#schedule();
  }

  flushPending(): void {
    this.#scheduled = false;
    if (this.#terminate !== undefined) return this.#finish();
    // The creation response waits for the stream features (XEP-0206 §6 allows either; clients expect them).
    if (this.#creationPending && this.#out.length === 0) return;
    if (this.#out.length === 0 || this.#held.length === 0) return;
    this.#respond(this.#held.shift() as HeldRequest, this.#out.splice(0));
  }

  startTls(): Promise<void> {
    return Promise.reject(new Error("STARTTLS is not available on BOSH connections"));
  }

  pause(): void {}
  resume(): void {}

  end(): void {
    if (this.#closed) return;
    this.#terminate ??= { condition: undefined, children: [] };
    this.#finish();
  }

  destroy(): void {
    if (this.#closed) return;
    this.#terminate = { condition: "system-shutdown", children: [] };
    this.#finish();
  }

  #openFrame(): string {
    const { to, lang } = this.info;
    return `<open xmlns="${NS.framing}" to="${escapeAttr(to)}" version="1.0" xml:lang="${escapeAttr(lang)}"/>`;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    scheduleFlush(this);
  }

  /** §11: at most `hold` requests wait; the oldest is answered (empty if need be) to make room. */
  #hold(held: HeldRequest): void {
    if (this.#closed) return send(held.res, terminateXml(this.#terminate?.condition));
    this.#stopInactivity();
    this.#held.push(held);
    if (this.#out.length > 0 || this.#terminate !== undefined) this.#schedule();
    while (this.#held.length > BOSH_HOLD) this.#respond(this.#held.shift() as HeldRequest, this.#out.splice(0));
    held.timer = setTimeout(() => this.#expire(held), this.info.wait * 1000);
    held.res.once("close", () => this.#abandoned(held));
  }

  #expire(held: HeldRequest): void {
    const i = this.#held.indexOf(held);
    if (i < 0) return;
    this.#held.splice(i, 1);
    this.#respond(held, this.#out.splice(0));
  }

  /** The client gave up on a held request (network drop): its rid may be retransmitted. */
  #abandoned(held: HeldRequest): void {
    const i = this.#held.indexOf(held);
    if (i < 0) return;
    this.#held.splice(i, 1);
    if (held.timer !== undefined) clearTimeout(held.timer);
    if (this.#held.length === 0) this.#startInactivity();
  }

  #respond(held: HeldRequest, children: readonly string[]): void {
    if (held.timer !== undefined) clearTimeout(held.timer);
    const xml = this.#creationPending ? this.#creationBody(children) : bodyXml({}, children);
    this.#creationPending = false;
    this.#sent.set(held.rid, xml);
    for (const rid of this.#sent.keys()) if (this.#sent.size > RESPONSE_CACHE) this.#sent.delete(rid);
    send(held.res, xml);
    if (this.#held.length === 0 && !this.#closed) this.#startInactivity();
  }

  /** §7.1 and XEP-0206 §6: the session attributes come with the first response. */
  #creationBody(children: readonly string[]): string {
    const attrs: Record<string, string> = {
      sid: this.info.sid,
      wait: String(this.info.wait),
      inactivity: String(BOSH_INACTIVITY_S),
      requests: String(BOSH_HOLD + 1),
      hold: String(BOSH_HOLD),
      ver: "1.11",
      from: this.info.to,
      "xmlns:xmpp": NS_XBOSH,
      "xmpp:version": "1.0",
      "xmpp:restartlogic": "true",
    };
    if (this.#streamId !== undefined) attrs["authid"] = this.#streamId;
    if (this.info.isSecure) attrs["secure"] = "true";
    return bodyXml(attrs, children);
  }

  #retransmit(rid: number, res: ServerResponse): void {
    const cached = this.#sent.get(rid);
    if (cached === undefined) return this.#fail(res, "item-not-found");
    send(res, cached);
  }

  #fail(res: ServerResponse, condition: BoshCondition): void {
    send(res, terminateXml(condition));
    this.#terminate = { condition, children: [] };
    this.#finish();
  }

  /** Answers every held request with the last stanzas and the termination, then ends the stream. */
  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    const end = this.#terminate ?? { condition: undefined, children: [] };
    const held = this.#held.splice(0);
    const first = held.shift();
    if (first !== undefined) {
      if (first.timer !== undefined) clearTimeout(first.timer);
      send(first.res, terminateXml(end.condition, [...this.#out.splice(0), ...end.children]));
    }
    for (const h of held) {
      if (h.timer !== undefined) clearTimeout(h.timer);
      send(h.res, terminateXml(end.condition));
    }
    this.#stopInactivity();
    this.onGone(this.info.sid);
    const handlers = this.#handlers;
    this.#handlers = null;
    handlers?.close(end.condition !== undefined && end.condition !== "remote-stream-error");
  }

  /** §8: no request for `inactivity` seconds ends the session like a dropped TCP connection. */
  #startInactivity(): void {
    this.#stopInactivity();
    this.#inactivity = setTimeout(() => {
      this.#terminate = { condition: undefined, children: [] };
      this.#finish();
    }, BOSH_INACTIVITY_S * 1000);
    this.#inactivity.unref();
  }

  #stopInactivity(): void {
    if (this.#inactivity !== undefined) clearTimeout(this.#inactivity);
    this.#inactivity = undefined;
  }
}

export function send(res: ServerResponse, xml: string, status = 200): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { "content-type": "text/xml; charset=utf-8", "content-length": String(Buffer.byteLength(xml)), ...CORS_HEADERS });
  res.end(xml);
}

/** Browser clients post cross-origin (XEP-0124 §18 leaves this to HTTP); BOSH carries no cookies. */
export const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "POST, OPTIONS",
  "access-control-allow-headers": "content-type",
  "access-control-max-age": "86400",
} as const;
