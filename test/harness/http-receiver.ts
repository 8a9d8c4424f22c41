/**
 * A real HTTP receiver for outbox/webhook tests (PROTOCOL §7.8–§7.10): records every request, answers per path with a
 * status or holds the request open, counts open requests, and can be closed and reopened on the same port.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  /** The raw body bytes. */
  readonly raw: Buffer;
  readonly body: string;
}

/** A status (optionally with response headers) to answer with, or "hold" to keep the request open until `release()`. */
export type Answer = number | { readonly status: number; readonly headers: Readonly<Record<string, string>> } | "hold";
/** `n` is the 1-based count of requests seen on this path so far, this one included. */
export type Route = (request: ReceivedRequest, n: number) => Answer;

export class HttpReceiver {
  readonly requests: ReceivedRequest[] = [];
  /** Requests whose response has not finished. */
  open = 0;
  maxOpen = 0;
  /** The most requests open at once on each path. */
  readonly maxOpenByPath = new Map<string, number>();
  private readonly openByPath = new Map<string, number>();
  private readonly routes = new Map<string, Route>();
  private readonly counts = new Map<string, number>();
  private readonly held = new Set<(status: number) => void>();
  private readonly waiters = new Set<() => void>();
  private server: http.Server | undefined;
  private boundPort = 0;

  get port(): number {
    return this.boundPort;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.boundPort}${path}`;
  }

  /** Answers requests to `path` (default for unknown paths: 200). */
  route(path: string, route: Route | Answer): void {
    this.routes.set(path, typeof route === "function" ? route : () => route);
  }

  openOn(path: string): number {
    return this.openByPath.get(path) ?? 0;
  }

  on(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Listens on `port` (0 = a free one the first time, then the same one again). */
  async listen(port = this.boundPort): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
  }

  /** Stops listening and drops every connection (held requests are answered 503 first). */
  async close(): Promise<void> {
    this.release(503);
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Answers every held request. */
  release(status = 200): void {
    const held = [...this.held];
    this.held.clear();
    for (const answer of held) answer(status);
  }

  /** Resolves once `condition()` holds, re-checked on every request and every finished response. */
  waitUntil(condition: () => boolean, what = "condition", timeoutMs = 15_000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`receiver: timed out waiting for ${what} (${this.requests.length} requests, ${this.open} open)`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  private notify(): void {
    for (const check of [...this.waiters]) check();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const path = req.url ?? "/";
      const request: ReceivedRequest = { method: req.method ?? "", path, headers: req.headers, raw, body: raw.toString("utf8") };
      const n = (this.counts.get(path) ?? 0) + 1;
      this.counts.set(path, n);
      this.open += 1;
      this.maxOpen = Math.max(this.maxOpen, this.open);
      const openHere = (this.openByPath.get(path) ?? 0) + 1;
      this.openByPath.set(path, openHere);
      this.maxOpenByPath.set(path, Math.max(this.maxOpenByPath.get(path) ?? 0, openHere));
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        this.open -= 1;
        this.openByPath.set(path, (this.openByPath.get(path) ?? 1) - 1);
        this.notify();
      };
      res.on("close", finish);
      this.requests.push(request);
      const answer = (this.routes.get(path) ?? (() => 200))(request, n);
      const respond = (status: number, headers: Readonly<Record<string, string>> = {}) => {
        if (!res.writableEnded) res.writeHead(status, { "content-type": "text/plain", ...headers }).end(String(status));
      };
      if (answer === "hold") {
        const hold = (status: number) => respond(status);
        this.held.add(hold);
        res.on("close", () => this.held.delete(hold));
      } else if (typeof answer === "number") {
        respond(answer);
      } else {
        respond(answer.status, answer.headers);
      }
      this.notify();
    });
  }
}
