// The outbox end to end (PROTOCOL §7.8 "Delivery", §7.9 "Transport", "Retries", "Ordering and blocking", §7.10):
// a real server POSTing to a real HTTP receiver: exact envelope and headers, retries with a stable X-Webhook-Id,
// dead letters, restarts with the receiver down (SQLite and PostgreSQL), a hanging receiver that routing does not
// notice, and the per-endpoint concurrency limit.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OutboxApi } from "../../src/modules/outbox/outbox.api.js";
import { outboxModule } from "../../src/modules/outbox/outbox.module.js";
import { HttpReceiver, type ReceivedRequest } from "../harness/http-receiver.js";
import { restartableServer } from "../harness/restartable-server.js";
import { xml } from "../harness/test-client.js";
import { backendsUnderTest } from "../harness/test-database.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";

const VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Status {
  pending: number;
  retrying: number;
  in_flight: number;
  dead_letters: number;
}

async function status(server: TestServer): Promise<Status> {
  const reply = await server.api("outbox_status");
  expect(reply.status).toBe(200);
  return reply.body as Status;
}

/** Polls the admin API until the outbox status satisfies `check` (database state has no event to wait on). */
async function untilStatus(server: TestServer, check: (s: Status) => boolean, what: string): Promise<Status> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const s = await status(server);
    if (check(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(s)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function hmacHex(secret: string, raw: Buffer): string {
  return createHmac("sha256", secret).update(raw).digest("hex");
}

function outboxOf(server: TestServer): OutboxApi {
  return server.server.modules.api(outboxModule);
}

function form(i: number): { endpoint: string; url: string; body: string; contentType: string; headers: Record<string, string>; maxAgeS: number } {
  return { endpoint: "offline_post", url: "", body: `jid=bob%40localhost&msgText=m${i}`, contentType: "application/x-www-form-urlencoded; charset=utf-8", headers: {}, maxAgeS: 600 };
}

describe("outbox over HTTP (SQLite)", () => {
  const receiver = new HttpReceiver();
  let server: TestServer;
  let outbox: OutboxApi;

  beforeAll(async () => {
    await receiver.listen(0);
    server = await startTestServer({
      users: ["alice", "bob"],
      config: {
        hooks: {
          secret: "shared-secret",
          concurrency: 3,
          track_member: { url: receiver.url("/track-member") },
          track_last_message: { url: receiver.url("/last") },
          archive_message: { url: receiver.url("/archive") },
          message_audit: { url: receiver.url("/audit"), secret: "audit-secret" },
        },
        stats: { url: receiver.url("/stats"), secret: "stats-secret" },
        outbox: { retry_base_ms: 50 },
      },
    });
    outbox = outboxOf(server);
  });
  afterAll(async () => {
    receiver.release();
    await server.stop();
    await receiver.close();
  });

  it("(1) POSTs a webhook with the exact §7.9 envelope, signature and headers", async () => {
    const fields = { appId: "65f0a1", room: "65f0a1_lobby@conference.localhost", user: "65f0a1_bob@localhost", subscribed: true, reason: "affiliation", note: "Grüße 😀" };
    const before = Date.now();
    expect(await outbox.webhook({ hook: "track_member", event: "member.join", host: "localhost", fields })).toBe(true);
    await receiver.waitUntil(() => receiver.on("/track-member").length === 1, "the member.join webhook");
    const got = receiver.on("/track-member")[0] as ReceivedRequest;
    const body = JSON.parse(got.body) as Record<string, unknown>;
    expect(got.method).toBe("POST");
    expect(Object.keys(body)).toEqual(["id", "event", "ts", "host", "appId", "room", "user", "subscribed", "reason", "note"]);
    expect(body).toMatchObject({ event: "member.join", host: "localhost", ...fields });
    expect(body["id"]).toMatch(UUID_V4);
    expect(body["ts"]).toBeGreaterThanOrEqual(before);
    expect(body["ts"]).toBeLessThanOrEqual(Date.now());
    expect(got.body).toBe(JSON.stringify({ id: body["id"], event: "member.join", ts: body["ts"], host: "localhost", ...fields }));
    expect(got.headers["content-type"]).toBe("application/json");
    expect(got.headers["x-webhook-secret"]).toBe("shared-secret");
    expect(got.headers["x-webhook-signature"]).toBe(`sha256=${hmacHex("shared-secret", got.raw)}`);
    expect(got.headers["x-webhook-event"]).toBe("member.join");
    expect(got.headers["x-webhook-id"]).toBe(body["id"]);
    expect(got.headers["user-agent"]).toBe(`rtc-server/${VERSION}`);
  });

  it("(1) signs each hook with its own secret, the stats feed with stats.secret, and skips hooks without a URL", async () => {
    expect(outbox.webhookEnabled("message_audit")).toBe(true);
    expect(outbox.webhookEnabled("stats")).toBe(true);
    expect(outbox.webhookEnabled("history_access")).toBe(false);
    const pendingBefore = (await status(server)).pending;
    expect(await outbox.webhook({ hook: "history_access", event: "history.access", host: "localhost", fields: {} })).toBe(false);
    expect((await status(server)).pending).toBe(pendingBefore);

    await outbox.webhook({ hook: "message_audit", event: "message.audit", host: "localhost", fields: { action: "delete", outcome: "denied" } });
    await outbox.webhook({ hook: "stats", event: "stats.messages", host: "localhost", fields: { messages: [] } });
    await receiver.waitUntil(() => receiver.on("/audit").length === 1 && receiver.on("/stats").length === 1, "audit and stats");
    const audit = receiver.on("/audit")[0] as ReceivedRequest;
    const stats = receiver.on("/stats")[0] as ReceivedRequest;
    expect(audit.headers["x-webhook-secret"]).toBe("audit-secret");
    expect(audit.headers["x-webhook-signature"]).toBe(`sha256=${hmacHex("audit-secret", audit.raw)}`);
    expect(stats.headers["x-webhook-secret"]).toBe("stats-secret");
    expect(stats.headers["x-webhook-signature"]).toBe(`sha256=${hmacHex("stats-secret", stats.raw)}`);
    expect(stats.headers["x-webhook-event"]).toBe("stats.messages");
    expect(JSON.parse(stats.body)).toMatchObject({ event: "stats.messages", messages: [] });
  });

  it("(1) delivers an enqueued form POST byte for byte with its content type", async () => {
    await outbox.enqueue({ ...form(1), url: receiver.url("/push"), headers: { "X-Extra": "1" } });
    await receiver.waitUntil(() => receiver.on("/push").length === 1, "the push");
    const got = receiver.on("/push")[0] as ReceivedRequest;
    expect(got.body).toBe("jid=bob%40localhost&msgText=m1");
    expect(got.headers["content-type"]).toBe("application/x-www-form-urlencoded; charset=utf-8");
    expect(got.headers["x-extra"]).toBe("1");
    expect(got.headers["user-agent"]).toBe(`rtc-server/${VERSION}`);
  });

  it("(2) retries 503 until a 200, with the same X-Webhook-Id, body and signature each time, then stops", async () => {
    receiver.route("/last", (_r, n) => (n <= 3 ? 503 : 200));
    await outbox.webhook({ hook: "track_last_message", event: "message.last", host: "localhost", fields: { stanzaId: "1727199609620712" } });
    await receiver.waitUntil(() => receiver.on("/last").length === 4, "four attempts");
    const attempts = receiver.on("/last");
    const id = attempts[0]?.headers["x-webhook-id"];
    expect(id).toMatch(UUID_V4);
    for (const attempt of attempts) {
      expect(attempt.headers["x-webhook-id"]).toBe(id);
      expect(attempt.body).toBe(attempts[0]?.body);
      expect(attempt.headers["x-webhook-signature"]).toBe(attempts[0]?.headers["x-webhook-signature"]);
    }
    // Delivered once: the row is gone, so there is nothing left to send again.
    await untilStatus(server, (s) => s.pending === 0 && s.in_flight === 0, "an empty outbox");
    expect(receiver.on("/last").length).toBe(4);
  });

  it("(4) does not retry a 400: the request is dead-lettered and logged", async () => {
    receiver.route("/archive", 400);
    const deadBefore = (await status(server)).dead_letters;
    await outbox.webhook({ hook: "archive_message", event: "message.archive", host: "localhost", fields: { action: "create" } });
    const after = await untilStatus(server, (s) => s.dead_letters === deadBefore + 1, "the dead letter");
    expect(after.pending).toBe(0);
    expect(receiver.on("/archive").length).toBe(1);
    const listed = await server.api("outbox_dead_letters", { limit: 1 });
    expect(listed.body).toMatchObject([
      { id: receiver.on("/archive")[0]?.headers["x-webhook-id"], endpoint: "hooks.archive_message", url: receiver.url("/archive"), reason: "rejected", attempts: 1, last_error: "HTTP 400" },
    ]);
    // Operators clear the log: an age keeps recent ones, 0 takes all; a bad age changes nothing.
    expect(await server.api("outbox_purge_dead_letters", { older_than_s: -1 })).toMatchObject({ status: 400 });
    expect(await server.api("outbox_purge_dead_letters", { older_than_s: 3600 })).toMatchObject({ status: 200, body: 0 });
    expect(await server.api("outbox_purge_dead_letters", {})).toMatchObject({ status: 200, body: after.dead_letters });
    expect((await status(server)).dead_letters).toBe(0);
  });

  it("(5) a receiver that holds every request does not slow message routing (TCP and WebSocket)", async () => {
    receiver.route("/hang", "hold");
    for (let i = 0; i < 10; i++) await outbox.enqueue({ ...form(i), endpoint: "hang", url: receiver.url("/hang") });
    await receiver.waitUntil(() => receiver.openOn("/hang") === 3, "three held requests");
    const alice = await server.connect("alice");
    const bob = await server.connect("bob", { transport: "ws" });
    await alice.send(xml("message", { to: "bob@localhost", type: "chat", id: "while-held" }, xml("body", {}, "still fast")));
    expect((await bob.receive((s) => s.is("message") && s.attrs.id === "while-held")).getChildText("body")).toBe("still fast");
    await bob.send(xml("message", { to: "alice@localhost", type: "chat", id: "reply-held" }, xml("body", {}, "yes")));
    expect((await alice.receive((s) => s.is("message") && s.attrs.id === "reply-held")).getChildText("body")).toBe("yes");
    expect(receiver.openOn("/hang")).toBe(3);
    receiver.route("/hang", 200);
    receiver.release();
    await receiver.waitUntil(() => receiver.on("/hang").length === 10, "all ten delivered");
    await untilStatus(server, (s) => s.pending === 0, "an empty outbox");
  });

  it("(6) keeps at most hooks.concurrency requests open per endpoint", async () => {
    receiver.route("/limit", "hold");
    for (let i = 0; i < 12; i++) await outbox.enqueue({ ...form(i), endpoint: "limit", url: receiver.url("/limit") });
    await receiver.waitUntil(() => receiver.openOn("/limit") === 3, "three open requests");
    // A request to another endpoint gets through; the dispatcher passes that delivered it skipped the full endpoint.
    await outbox.enqueue({ ...form(99), endpoint: "probe", url: receiver.url("/probe") });
    await receiver.waitUntil(() => receiver.on("/probe").length === 1, "the probe");
    expect(receiver.on("/limit").length).toBe(3);
    expect((await status(server)).in_flight).toBe(3);
    receiver.route("/limit", 200);
    receiver.release();
    await receiver.waitUntil(() => receiver.on("/limit").length === 12, "all twelve delivered");
    expect(receiver.maxOpenByPath.get("/limit")).toBe(3);
    await untilStatus(server, (s) => s.pending === 0, "an empty outbox");
  });
});

describe.each(backendsUnderTest())("outbox across a restart with the receiver down (%s)", (backend) => {
  const receiver = new HttpReceiver();
  let restartable: ReturnType<typeof restartableServer>;

  beforeAll(async () => {
    // Take a free port, then close it: the receiver is down until the server has restarted.
    await receiver.listen(0);
    await receiver.close();
    restartable = restartableServer(backend, {
      config: {
        hooks: { secret: "shared-secret", track_member: { url: receiver.url("/track-member") } },
        outbox: { retry_base_ms: 50 },
      },
    });
  });
  afterAll(async () => {
    await receiver.close();
    await restartable.cleanup();
  });

  it("(3) delivers every request queued before the restart, none lost", async () => {
    let server = await restartable.start(true);
    let outbox = outboxOf(server);
    for (let i = 0; i < 5; i++) {
      expect(await outbox.webhook({ hook: "track_member", event: "member.join", host: "localhost", fields: { seq: i } })).toBe(true);
    }
    for (let i = 0; i < 2; i++) await outbox.enqueue({ ...form(i), url: receiver.url("/push") });
    // Every request has failed at least once against the closed port.
    await untilStatus(server, (s) => s.pending === 7 && s.retrying === 7, "seven failing requests");
    await server.stop({ keepData: true });

    server = await restartable.start(false);
    outbox = outboxOf(server);
    expect((await status(server)).pending).toBe(7);
    await receiver.listen();
    await receiver.waitUntil(() => receiver.on("/track-member").length >= 5 && receiver.on("/push").length >= 2, "every request");
    await untilStatus(server, (s) => s.pending === 0, "an empty outbox");
    const hooks = receiver.on("/track-member").map((r) => {
      const body = JSON.parse(r.body) as { id: string; seq: number };
      expect(r.headers["x-webhook-id"]).toBe(body.id);
      expect(r.headers["x-webhook-signature"]).toBe(`sha256=${hmacHex("shared-secret", r.raw)}`);
      return body;
    });
    expect(hooks.map((h) => h.seq).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(hooks.map((h) => h.id)).size).toBe(5);
    expect(receiver.on("/push").map((r) => r.body).sort()).toEqual(["jid=bob%40localhost&msgText=m0", "jid=bob%40localhost&msgText=m1"]);
    expect((await status(server)).dead_letters).toBe(0);
    await server.stop();
  });
});
