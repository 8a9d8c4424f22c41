// Contract of the outbox store (PROTOCOL §7.8 "Delivery", §7.9 "Durability", "Retries") on every backend:
// enqueue, claim with a lease (disjoint under concurrent claims), reschedule, release, dead-letter.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { outboxMigrations, SqlOutboxStore } from "../../src/modules/outbox/outbox.store.js";
import type { OpenedDatabase } from "../../src/storage/open-database.js";
import { backendsUnderTest, openTestDatabase } from "../harness/test-database.js";

const T0 = 1_717_000_000_000;

function request(id: string, endpoint = "hooks.track_member", createdAt = T0) {
  return {
    id,
    endpoint,
    url: "http://127.0.0.1:9/hook",
    body: `{"id":"${id}","note":"héllo — 😀 \\"q\\""}`,
    content_type: "application/json",
    headers: JSON.stringify({ "X-Webhook-Id": id, "X-Webhook-Secret": "s" }),
    created_at: createdAt,
    max_age_s: 600,
  };
}

describe.each(backendsUnderTest())("outbox store on %s", (backend) => {
  let opened: OpenedDatabase;
  let store: SqlOutboxStore;

  beforeEach(async () => {
    opened = await openTestDatabase(backend, outboxMigrations);
    store = new SqlOutboxStore(opened.db, opened.dialect);
  });
  afterEach(() => opened.close());

  it("stores an enqueued request as it was given, due at once, unclaimed", async () => {
    await store.insert(request("r1"));
    expect(await store.get("r1")).toEqual({
      ...request("r1"),
      attempts: 0,
      next_attempt_at: T0,
      locked_until: 0,
      last_error: null,
    });
    expect(await store.counts()).toEqual({ pending: 1, retrying: 0, deadLetters: 0 });
  });

  it("claims due rows of one endpoint, oldest due first, up to the limit, and sets the lease", async () => {
    await store.insert(request("b", "e1", T0 + 2));
    await store.insert(request("a", "e1", T0 + 1));
    await store.insert(request("c", "e1", T0 + 3));
    await store.insert(request("later", "e1", T0 + 10_000));
    await store.insert(request("other", "e2", T0));
    expect((await store.endpoints()).sort()).toEqual(["e1", "e2"]);
    const claimed = await store.claim("e1", T0 + 5, T0 + 40_005, 2);
    expect(claimed.map((r) => r.id)).toEqual(["a", "b"]);
    expect(claimed.every((r) => r.locked_until === T0 + 40_005)).toBe(true);
    expect((await store.get("a"))?.locked_until).toBe(T0 + 40_005);
    // Held rows are not claimed again while the lease runs; the rest still is; future rows are not due.
    expect((await store.claim("e1", T0 + 6, T0 + 40_006, 10)).map((r) => r.id)).toEqual(["c"]);
    expect(await store.claim("e1", T0 + 7, T0 + 40_007, 10)).toEqual([]);
    // Once the lease has run out (a crashed node), the row is claimable again.
    expect((await store.claim("e1", T0 + 40_006, T0 + 80_000, 1)).map((r) => r.id)).toEqual(["a"]);
  });

  it("gives concurrent claims disjoint rows (no row is sent twice at once)", async () => {
    for (let i = 0; i < 40; i++) await store.insert(request(`r${String(i).padStart(2, "0")}`, "e", T0 + i));
    const claims = await Promise.all([0, 1, 2, 3, 4, 5].map((k) => store.claim("e", T0 + 100, T0 + 50_000 + k, 8)));
    const ids = claims.flat().map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(40);
  });

  it("reschedules a failed attempt under its own lease only", async () => {
    await store.insert(request("r"));
    const [row] = await store.claim("hooks.track_member", T0, T0 + 1000, 1);
    expect(row?.id).toBe("r");
    expect(await store.reschedule("r", T0 + 999, 1, T0 + 2000, "HTTP 503")).toBe(false);
    expect((await store.get("r"))?.attempts).toBe(0);
    expect(await store.reschedule("r", T0 + 1000, 1, T0 + 2000, "HTTP 503")).toBe(true);
    expect(await store.get("r")).toMatchObject({ attempts: 1, next_attempt_at: T0 + 2000, locked_until: 0, last_error: "HTTP 503" });
    expect(await store.counts()).toEqual({ pending: 1, retrying: 1, deadLetters: 0 });
    expect(await store.claim("hooks.track_member", T0 + 1999, T0 + 5000, 1)).toEqual([]);
    expect((await store.claim("hooks.track_member", T0 + 2000, T0 + 5000, 1)).map((r) => r.attempts)).toEqual([1]);
  });

  it("releases a claimed row untouched, and removes a delivered one", async () => {
    await store.insert(request("r"));
    await store.insert(request("s"));
    await store.claim("hooks.track_member", T0, T0 + 1000, 2);
    await store.release("r", T0 + 1000);
    expect(await store.get("r")).toMatchObject({ attempts: 0, locked_until: 0, next_attempt_at: T0 });
    await store.remove("s");
    expect(await store.get("s")).toBeUndefined();
    expect(await store.counts()).toEqual({ pending: 1, retrying: 0, deadLetters: 0 });
  });

  it("moves a row to the dead-letter log with the reason, in one step, under its lease only", async () => {
    await store.insert(request("r"));
    await store.claim("hooks.track_member", T0, T0 + 1000, 1);
    expect(await store.deadLetter("r", T0 + 1, { attempts: 3, lastError: "HTTP 400", reason: "rejected", now: T0 + 500 })).toBe(false);
    expect(await store.counts()).toEqual({ pending: 1, retrying: 0, deadLetters: 0 });
    expect(await store.deadLetter("r", T0 + 1000, { attempts: 3, lastError: "HTTP 400", reason: "rejected", now: T0 + 500 })).toBe(true);
    expect(await store.get("r")).toBeUndefined();
    expect(await store.counts()).toEqual({ pending: 0, retrying: 0, deadLetters: 1 });
    expect(await store.deadLetters(10)).toEqual([{ ...request("r"), attempts: 3, last_error: "HTTP 400", reason: "rejected", dead_at: T0 + 500 }]);
  });

  it("lists dead letters newest first, up to a limit", async () => {
    for (const [id, at] of [["x", 3], ["y", 1], ["z", 2]] as const) {
      await store.insert(request(id));
      await store.claim("hooks.track_member", T0, T0 + 10, 1);
      await store.deadLetter(id, T0 + 10, { attempts: 1, lastError: null, reason: "expired", now: T0 + at });
    }
    expect((await store.deadLetters(2)).map((r) => r.id)).toEqual(["x", "z"]);
  });

  it("tells when to wake: the next due time or lease end after now", async () => {
    expect(await store.nextWakeAt(T0)).toBeUndefined();
    await store.insert(request("a", "e1", T0 + 500));
    await store.insert(request("b", "e2", T0 + 300));
    await store.insert(request("c", "e3", T0 + 100));
    expect(await store.nextWakeAt(T0)).toBe(T0 + 100);
    await store.claim("e3", T0 + 100, T0 + 900, 1); // held until T0+900
    expect(await store.nextWakeAt(T0 + 100)).toBe(T0 + 300);
    expect(await store.nextWakeAt(T0 + 300)).toBe(T0 + 500);
    expect(await store.nextWakeAt(T0 + 500)).toBe(T0 + 900);
    expect(await store.nextWakeAt(T0 + 900)).toBeUndefined();
    await store.reschedule("c", T0 + 900, 1, T0 + 5000, "HTTP 503");
    expect(await store.nextWakeAt(T0 + 900)).toBe(T0 + 5000);
  });
});
