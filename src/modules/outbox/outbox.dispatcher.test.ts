// The outbox dispatcher against a real HTTP receiver (PROTOCOL §7.8 "Delivery", §7.9 "Retries"): timeouts, 408/429,
// network errors, expiry to the dead-letter log, per-endpoint concurrency, and stop with requests in flight.
import { randomUUID } from "node:crypto";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HttpReceiver } from "../../../test/harness/http-receiver.js";
import { runMigrations } from "../../storage/migrator.js";
import { openDatabase, type OpenedDatabase } from "../../storage/open-database.js";
import { OutboxDispatcher, type DispatcherOptions } from "./outbox.dispatcher.js";
import { outboxMigrations, SqlOutboxStore } from "./outbox.store.js";

/** Polls `check` until it holds (waiting on database state, which has no event to wait on). */
async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("OutboxDispatcher", () => {
  let opened: OpenedDatabase;
  let store: SqlOutboxStore;
  let receiver: HttpReceiver;
  let dispatcher: OutboxDispatcher | undefined;

  beforeEach(async () => {
    opened = await openDatabase("sqlite::memory:");
    await runMigrations(opened, outboxMigrations);
    store = new SqlOutboxStore(opened.db, opened.dialect);
    receiver = new HttpReceiver();
    await receiver.listen(0);
  });
  afterEach(async () => {
    receiver.release();
    await dispatcher?.stop();
    dispatcher = undefined;
    await receiver.close();
    await opened.close();
  });

  function start(options: Partial<DispatcherOptions> = {}): OutboxDispatcher {
    dispatcher = new OutboxDispatcher({
      store,
      log: pino({ level: "silent" }),
      concurrency: 8,
      retryBaseMs: 10,
      userAgent: () => "rtc-server/9.9.9",
      ...options,
    });
    dispatcher.start();
    return dispatcher;
  }

  async function enqueue(path: string, options: { endpoint?: string; maxAgeS?: number; createdAt?: number; headers?: Record<string, string> } = {}): Promise<string> {
    const id = randomUUID();
    await store.insert({
      id,
      endpoint: options.endpoint ?? "test",
      url: receiver.url(path),
      body: `id=${id}&text=h%C3%A9llo`,
      content_type: "application/x-www-form-urlencoded; charset=utf-8",
      headers: JSON.stringify(options.headers ?? {}),
      created_at: options.createdAt ?? Date.now(),
      max_age_s: options.maxAgeS ?? 600,
    });
    dispatcher?.wake(options.endpoint ?? "test");
    return id;
  }

  it("POSTs the stored body and content type, the stored headers, and a default User-Agent; then removes the row", async () => {
    start();
    const id = await enqueue("/push", { headers: { "X-Custom": "yes" } });
    await receiver.waitUntil(() => receiver.on("/push").length === 1, "the push");
    const [got] = receiver.on("/push");
    expect(got?.method).toBe("POST");
    expect(got?.body).toBe(`id=${id}&text=h%C3%A9llo`);
    expect(got?.headers["content-type"]).toBe("application/x-www-form-urlencoded; charset=utf-8");
    expect(got?.headers["x-custom"]).toBe("yes");
    expect(got?.headers["user-agent"]).toBe("rtc-server/9.9.9");
    await until(async () => (await store.get(id)) === undefined, "the row to go");
    expect(await store.counts()).toEqual({ pending: 0, retrying: 0, deadLetters: 0 });
  });

  it("retries a request that timed out, then delivers it", async () => {
    receiver.route("/slow", (_r, n) => (n === 1 ? "hold" : 200));
    start({ timeoutMs: 200 });
    const id = await enqueue("/slow");
    await until(async () => (await store.get(id)) === undefined, "delivery after the timeout");
    expect(receiver.on("/slow").length).toBe(2);
  });

  it.each([408, 429, 500, 503])("retries HTTP %i, then delivers", async (status) => {
    receiver.route("/flaky", (_r, n) => (n <= 2 ? status : 204));
    start();
    const id = await enqueue("/flaky");
    await until(async () => (await store.get(id)) === undefined, "delivery");
    expect(receiver.on("/flaky").length).toBe(3);
    expect(await store.counts()).toEqual({ pending: 0, retrying: 0, deadLetters: 0 });
  });

  it("waits at least as long as a 429/503 Retry-After asks, not just its own backoff", async () => {
    receiver.route("/busy", (_r, n) => (n === 1 ? { status: 503, headers: { "retry-after": "1" } } : 200));
    start();
    const id = await enqueue("/busy");
    await receiver.waitUntil(() => receiver.on("/busy").length === 1, "the first attempt");
    await until(async () => (await store.get(id))?.attempts === 1, "the reschedule");
    const row = await store.get(id);
    // The backoff alone would be ~10 ms (retryBaseMs in these tests); Retry-After asked for 1 s.
    expect(Number(row?.next_attempt_at) - Date.now()).toBeGreaterThan(500);
    await until(async () => (await store.get(id)) === undefined, "delivery after the wait");
    expect(receiver.on("/busy").length).toBe(2);
  });

  it("retries network errors, counting attempts and keeping the last error", async () => {
    const down = new HttpReceiver();
    await down.listen(0);
    const url = down.url("/gone");
    await down.close();
    start({ retryBaseMs: 5 });
    const id = randomUUID();
    await store.insert({ id, endpoint: "down", url, body: "{}", content_type: "application/json", headers: "{}", created_at: Date.now(), max_age_s: 600 });
    dispatcher?.wake("down");
    await until(async () => ((await store.get(id))?.attempts ?? 0) >= 3, "three attempts");
    expect((await store.get(id))?.last_error).toBe("network error: ECONNREFUSED");
  });

  it("does not retry another 4xx: dead-letters it as rejected", async () => {
    receiver.route("/bad", 404);
    start();
    const id = await enqueue("/bad");
    await until(async () => (await store.counts()).deadLetters === 1, "the dead letter");
    expect(receiver.on("/bad").length).toBe(1);
    expect(await store.deadLetters(1)).toMatchObject([{ id, reason: "rejected", attempts: 1, last_error: "HTTP 404" }]);
  });

  it("dead-letters a row already older than its max age without sending it", async () => {
    start();
    const id = await enqueue("/old", { maxAgeS: 60, createdAt: Date.now() - 61_000 });
    await until(async () => (await store.counts()).deadLetters === 1, "the dead letter");
    expect(receiver.on("/old")).toEqual([]);
    expect(await store.deadLetters(1)).toMatchObject([{ id, reason: "expired", attempts: 0 }]);
  });

  it("dead-letters a row that keeps failing once it is older than its max age", async () => {
    receiver.route("/down", 503);
    start({ retryBaseMs: 50 });
    const id = await enqueue("/down", { maxAgeS: 1 });
    await until(async () => (await store.counts()).deadLetters === 1, "the dead letter");
    const [dead] = await store.deadLetters(1);
    expect(dead).toMatchObject({ id, reason: "expired", last_error: "HTTP 503" });
    expect(dead?.attempts).toBe(receiver.on("/down").length);
    expect(dead?.attempts).toBeGreaterThanOrEqual(2);
  });

  it("a request ending on one endpoint does not push back the wake-up another endpoint's retry waits for", async () => {
    let clock = Date.now();
    receiver.route("/b", (_r, n) => (n === 1 ? 503 : 200));
    receiver.route("/a", "hold");
    start({ now: () => clock, random: () => 0.5, retryBaseMs: 1_000 });
    await enqueue("/a", { endpoint: "a", createdAt: clock });
    const b = await enqueue("/b", { endpoint: "b", createdAt: clock });
    // b failed once: due again 1 s later by the dispatcher's clock, with a timer set for it.
    await until(async () => (await store.get(b))?.attempts === 1, "b's first failure");
    await receiver.waitUntil(() => receiver.openOn("/a") === 1, "a in flight");
    // By the dispatcher's clock b is due now, but its timer has not fired; then a ends, and a pass looks at `a` only.
    clock += 2_000;
    receiver.release();
    await until(async () => (await store.get(b)) === undefined, "b delivered when its timer fires (not at the 30 s idle poll)");
    expect(receiver.on("/b").length).toBe(2);
  });

  it("keeps to the per-endpoint limit while other endpoints go on", async () => {
    receiver.route("/a", "hold");
    start({ concurrency: 2 });
    for (let i = 0; i < 5; i++) await enqueue("/a", { endpoint: "a" });
    await receiver.waitUntil(() => receiver.openOn("/a") === 2, "two open requests on /a");
    const other = await enqueue("/b", { endpoint: "b" });
    await until(async () => (await store.get(other)) === undefined, "endpoint b delivered");
    expect(receiver.on("/a").length).toBe(2);
    receiver.route("/a", 200);
    receiver.release();
    await until(async () => (await store.counts()).pending === 0, "everything delivered");
    expect(receiver.on("/a").length).toBe(5);
    expect(receiver.maxOpenByPath.get("/a")).toBe(2);
  });

  it("at start, delivers rows stored before (an earlier run), of every endpoint", async () => {
    const ids = [await enqueue("/one", { endpoint: "one" }), await enqueue("/two", { endpoint: "two" })];
    expect((await store.counts()).pending).toBe(2);
    start();
    await receiver.waitUntil(() => receiver.on("/one").length === 1 && receiver.on("/two").length === 1, "both rows");
    await until(async () => (await store.counts()).pending === 0, "an empty outbox");
    expect(receiver.requests.map((r) => r.body.slice(3, 39)).sort()).toEqual([...ids].sort());
  });

  it("on stop, waits briefly, then aborts requests in flight and leaves their rows unclaimed and unattempted", async () => {
    receiver.route("/hang", "hold");
    const d = start({ stopGraceMs: 100 });
    const id = await enqueue("/hang");
    await receiver.waitUntil(() => receiver.openOn("/hang") === 1, "the open request");
    expect((await store.get(id))?.locked_until).toBeGreaterThan(Date.now());
    await d.stop();
    expect(await store.get(id)).toMatchObject({ attempts: 0, locked_until: 0, last_error: null });
    // A later enqueue is stored but not sent by a stopped dispatcher.
    await enqueue("/hang");
    expect(await store.counts()).toEqual({ pending: 2, retrying: 0, deadLetters: 0 });
  });
});
