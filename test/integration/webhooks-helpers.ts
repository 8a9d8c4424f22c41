/**
 * A real HTTP receiver for the backend webhook and stats tests (PROTOCOL §7.9, §7.10): records every request
 * (path, headers, raw body, parsed JSON), answers 200, and lets a test wait for a matching request.
 */
import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface HookRequest {
  /** The status the receiver answered. */
  readonly answered: number;
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly raw: string;
  readonly body: Record<string, unknown>;
}

export interface Receiver {
  readonly requests: HookRequest[];
  /** The status answered from now on (200 by default; e.g. 503 to keep requests in the outbox). */
  status: number;
  url(path: string): string;
  /** The first request (already received or future) that matches. */
  wait(predicate: (r: HookRequest) => boolean, timeoutMs?: number): Promise<HookRequest>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: HookRequest[] = [];
  const waiters = new Set<{ predicate: (r: HookRequest) => boolean; resolve: (r: HookRequest) => void }>();
  const state = { status: 200 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        /* kept raw */
      }
      const r: HookRequest = { answered: state.status, method: req.method ?? "", path: req.url ?? "", headers: req.headers, raw, body };
      requests.push(r);
      res.writeHead(state.status, { "content-type": "text/plain" }).end("ok");
      for (const w of waiters) {
        if (w.predicate(r)) {
          waiters.delete(w);
          w.resolve(r);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    requests,
    get status() {
      return state.status;
    },
    set status(value: number) {
      state.status = value;
    },
    url: (path) => `http://127.0.0.1:${port}${path}`,
    wait(predicate, timeoutMs = 10_000) {
      const found = requests.find(predicate);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve };
        waiters.add(waiter);
        setTimeout(() => {
          if (waiters.delete(waiter)) reject(new Error("no matching webhook request"));
        }, timeoutMs).unref();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An event request whose body has `event` and every field of `match` (compared with ===). */
export function isEvent(event: string, match: Record<string, unknown> = {}): (r: HookRequest) => boolean {
  return (r) => r.body["event"] === event && Object.entries(match).every(([k, v]) => r.body[k] === v);
}

/** §7.9: `sha256=<lowercase hex HMAC-SHA256(secret, raw body bytes)>`. */
export function expectedSignature(secret: string, raw: string): string {
  return "sha256=" + createHmac("sha256", secret).update(Buffer.from(raw, "utf8")).digest("hex");
}

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export const WEBHOOK_SECRET = "s3cr3t";
export const ARCHIVE_SECRET = "archive-secret";

/** Every §7.9 hook pointed at the receiver; `archive_message` has its own secret, the others fall back to `hooks.secret`. */
export function hooksConfig(r: Receiver): Record<string, unknown> {
  return {
    hooks: {
      secret: WEBHOOK_SECRET,
      track_member: { url: r.url("/v1/chats/track-member") },
      track_last_message: { url: r.url("/v1/chats/track-last-message") },
      archive_message: { url: r.url("/v1/chats/archive-message"), secret: ARCHIVE_SECRET },
      history_access: { url: r.url("/v1/chats/history-access") },
      message_audit: { url: r.url("/v1/chats/message-audit") },
    },
  };
}
