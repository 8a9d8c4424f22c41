/**
 * Helpers for the push integration tests (PROTOCOL §7.8, §7.12, §7.13): a real node:http receiver that
 * records every POST, a wait for the outbox to drain, raw stream-management sessions, and the mute IQs.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestServer } from "../harness/test-server.js";
import { xml, type TestClient, type XmlElement } from "../harness/test-client.js";
import { iqReply } from "./muc-helpers.js";

export const NS_PUSH_MUTE = "urn:xmpp:ethora:push-mute:0";

export interface ReceivedPost {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: string;
  readonly fields: Record<string, string>;
  readonly keys: string[];
}

export interface Receiver {
  readonly posts: ReceivedPost[];
  url(path: string): string;
  /** Resolves with the first POST (already received or future) that matches. */
  waitFor(predicate: (p: ReceivedPost) => boolean, timeoutMs?: number): Promise<ReceivedPost>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const posts: ReceivedPost[] = [];
  const waiters = new Set<{ predicate: (p: ReceivedPost) => boolean; resolve: (p: ReceivedPost) => void }>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const params = new URLSearchParams(body);
      const post: ReceivedPost = { path: req.url ?? "", contentType: req.headers["content-type"], body, fields: Object.fromEntries(params), keys: [...params.keys()] };
      posts.push(post);
      res.writeHead(200).end("ok");
      for (const w of waiters) {
        if (!w.predicate(post)) continue;
        waiters.delete(w);
        w.resolve(post);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    posts,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    waitFor: (predicate, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const found = posts.find(predicate);
        if (found) return resolve(found);
        const waiter = { predicate, resolve: (p: ReceivedPost) => (clearTimeout(timer), resolve(p)) };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching POST within ${timeoutMs} ms; got:\n${posts.map((p) => p.body).join("\n")}`));
        }, timeoutMs);
        waiters.add(waiter);
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Waits until the outbox has nothing pending or in flight: every request queued so far was delivered. */
export async function outboxDrained(server: TestServer, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await server.api("outbox_status")).body as { pending: number; in_flight: number };
    if (status.pending === 0 && status.in_flight === 0) return;
    if (Date.now() > deadline) throw new Error(`outbox not drained: ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export { until } from "../harness/until.js";
export { rawSmSession } from "../harness/raw-session.js";

let seq = 0;
const nextIqId = () => `pm-${++seq}`;

export function muteIq(client: TestClient, room: string, until?: string): Promise<XmlElement> {
  const attrs: Record<string, string> = { xmlns: NS_PUSH_MUTE, room };
  if (until !== undefined) attrs["until"] = until;
  return iqReply(client, xml("iq", { type: "set", id: nextIqId() }, xml("mute", attrs)));
}

export function unmuteIq(client: TestClient, room: string): Promise<XmlElement> {
  return iqReply(client, xml("iq", { type: "set", id: nextIqId() }, xml("unmute", { xmlns: NS_PUSH_MUTE, room })));
}

export function mutesIq(client: TestClient, type: "get" | "set" = "get"): Promise<XmlElement> {
  return iqReply(client, xml("iq", { type, id: nextIqId() }, xml("mutes", { xmlns: NS_PUSH_MUTE })));
}

/** `[room, until]` of each `<mute>` in a `<mutes>` reply. */
export function mutesOf(reply: XmlElement): [string, string][] {
  return (reply.getChild("mutes", NS_PUSH_MUTE)?.getChildren("mute") ?? []).map((m) => [m.attrs.room ?? "", m.attrs.until ?? ""]);
}
