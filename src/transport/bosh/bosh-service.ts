/**
 * `/bosh` (PROTOCOL §1.5; XEP-0124, XEP-0206): reads each POST with the stanza limit applied before buffering
 * (§9.1), creates sessions, and routes later requests to theirs by `sid`. One service serves both HTTP listeners.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { normalizeRemoteAddress, type Connection } from "../connection.js";
import { BoshError, parseBoshRequest, terminateXml, type BoshRequest } from "./bosh-body.js";
import { BOSH_MAX_WAIT_S, BoshConnection, CORS_HEADERS, send } from "./bosh-connection.js";

export interface BoshServiceOptions {
  /** `c2s.max_stanza_size`: the largest request body read (§9.1). */
  readonly maxBodyBytes: number;
  /** Hands a new session to the c2s layer, which must call setHandlers() before returning. */
  onConnection(conn: Connection, request: IncomingMessage): void;
}

export class BoshService {
  readonly #sessions = new Map<string, BoshConnection>();

  constructor(private readonly options: BoshServiceOptions) {}

  get size(): number {
    return this.#sessions.size;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === "OPTIONS") {
      res.writeHead(204, CORS_HEADERS);
      return void res.end();
    }
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "POST, OPTIONS", "content-type": "text/plain", ...CORS_HEADERS });
      return void res.end("BOSH (XEP-0124/XEP-0206): POST a <body/>");
    }
    readBody(req, this.options.maxBodyBytes).then(
      (text) => this.#dispatch(text, req, res),
      (err: unknown) => fail(res, err instanceof BoshError ? err : new BoshError("bad-request", 400)),
    );
  }

  /** Graceful stop: every session ends with `system-shutdown` from the c2s layer; what is left is cut here. */
  closeAll(): void {
    for (const conn of [...this.#sessions.values()]) conn.destroy();
  }

  #dispatch(text: string, req: IncomingMessage, res: ServerResponse): void {
    let body: BoshRequest;
    try {
      body = parseBoshRequest(text, this.options.maxBodyBytes);
    } catch (err) {
      return fail(res, err instanceof BoshError ? err : new BoshError("bad-request", 400));
    }
    if (body.sid === undefined) return this.#create(body, req, res);
    const conn = this.#sessions.get(body.sid);
    if (conn === undefined) return fail(res, new BoshError("item-not-found"));
    conn.request(body, res);
  }

  /** §7.1: `to` and `rid` are required; `wait` is clamped to §1.5's 60 s; `hold` is always 1. */
  #create(body: BoshRequest, req: IncomingMessage, res: ServerResponse): void {
    const to = body.attrs["to"];
    if (to === undefined || to === "") return fail(res, new BoshError("bad-request", 400));
    const requestedWait = Number(body.attrs["wait"] ?? BOSH_MAX_WAIT_S);
    const wait = Number.isInteger(requestedWait) && requestedWait > 0 ? Math.min(requestedWait, BOSH_MAX_WAIT_S) : BOSH_MAX_WAIT_S;
    const sid = randomBytes(16).toString("hex");
    const conn = new BoshConnection(
      {
        sid,
        wait,
        to,
        lang: body.attrs["xml:lang"] ?? "en",
        remoteAddress: normalizeRemoteAddress(req.socket.remoteAddress),
        isSecure: "encrypted" in req.socket && req.socket.encrypted === true,
      },
      body.rid,
      (gone) => this.#sessions.delete(gone),
    );
    this.#sessions.set(sid, conn);
    this.options.onConnection(conn, req);
    // XEP-0206 §5: the creation request carries no stanzas (any would precede the stream open: ignored).
    conn.start(body.rid, res);
  }
}

function fail(res: ServerResponse, err: BoshError): void {
  send(res, terminateXml(err.condition), err.httpStatus);
}

/** Reads the body, refusing (policy-violation) one that announces or reaches more than `max` bytes. */
function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > max) {
      req.resume();
      return reject(new BoshError("policy-violation", 413));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners("data");
        req.resume();
        return reject(new BoshError("policy-violation", 413));
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
