/**
 * The durable outbox (PROTOCOL §7.8–§7.10 "Delivery"/"Transport"): pending HTTP requests, claimed with a lease so
 * that nodes sharing one PostgreSQL database never send the same row at once, and a dead-letter log.
 */
import type { Kysely } from "kysely";
import type { Database } from "../../storage/database.js";
import type { Migration } from "../../storage/migrator.js";
import type { SqlDialectName } from "../../storage/open-database.js";

interface OutboxRowColumns {
  id: string;
  endpoint: string;
  url: string;
  body: string;
  content_type: string;
  /** JSON object of extra headers. */
  headers: string;
  /** Epoch ms. */
  created_at: number;
  attempts: number;
  max_age_s: number;
  last_error: string | null;
}

export interface OutboxTables {
  outbox: OutboxRowColumns & {
    /** Epoch ms: due from then on. */
    next_attempt_at: number;
    /** Epoch ms: claimed by a dispatcher until then (0 = free). Also the fencing token of the claim. */
    locked_until: number;
  };
  outbox_dead_letters: OutboxRowColumns & { reason: string; dead_at: number };
}

export type OutboxRow = OutboxTables["outbox"];
export type DeadLetterRow = OutboxTables["outbox_dead_letters"];

export const outboxMigrations: readonly Migration[] = [
  {
    id: "outbox-0001-create",
    async up(db) {
      const requestColumns = (name: string) =>
        db.schema
          .createTable(name)
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("endpoint", "text", (c) => c.notNull())
          .addColumn("url", "text", (c) => c.notNull())
          .addColumn("body", "text", (c) => c.notNull())
          .addColumn("content_type", "text", (c) => c.notNull())
          .addColumn("headers", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("attempts", "integer", (c) => c.notNull())
          .addColumn("max_age_s", "integer", (c) => c.notNull())
          .addColumn("last_error", "text");
      await requestColumns("outbox")
        .addColumn("next_attempt_at", "bigint", (c) => c.notNull())
        .addColumn("locked_until", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("outbox_due").on("outbox").columns(["next_attempt_at"]).execute();
      await db.schema.createIndex("outbox_endpoint_due").on("outbox").columns(["endpoint", "next_attempt_at"]).execute();
      await db.schema.createIndex("outbox_locked").on("outbox").columns(["locked_until"]).execute();
      await requestColumns("outbox_dead_letters")
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("dead_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("outbox_dead_letters_dead_at").on("outbox_dead_letters").columns(["dead_at"]).execute();
    },
  },
];

export interface OutboxCounts {
  readonly pending: number;
  /** Pending rows that have failed at least once. */
  readonly retrying: number;
  readonly deadLetters: number;
}

export class SqlOutboxStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialectName,
  ) {}

  /** The producer's hot path: one INSERT; the row is due at once. */
  async insert(row: Omit<OutboxRow, "attempts" | "next_attempt_at" | "locked_until" | "last_error">): Promise<void> {
    await this.db
      .insertInto("outbox")
      .values({ ...row, attempts: 0, next_attempt_at: row.created_at, locked_until: 0, last_error: null })
      .execute();
  }

  /** Every endpoint with stored rows (at start and on the idle poll; a scan of the endpoint index). */
  async endpoints(): Promise<string[]> {
    const rows = await this.db.selectFrom("outbox").select("endpoint").distinct().execute();
    return rows.map((r) => r.endpoint);
  }

  /**
   * Claims up to `limit` due rows of `endpoint`, oldest due first, by setting `locked_until = leaseUntil` in the same
   * statement. PostgreSQL skips rows another node is claiming at this moment (FOR UPDATE SKIP LOCKED); SQLite runs
   * the statement alone. `leaseUntil` is the fencing token for `reschedule`, `release` and `deadLetter`.
   */
  async claim(endpoint: string, now: number, leaseUntil: number, limit: number): Promise<OutboxRow[]> {
    const rows = await this.db
      .updateTable("outbox")
      .set({ locked_until: leaseUntil })
      .where("id", "in", (eb) => {
        const due = eb
          .selectFrom("outbox")
          .select("id")
          .where("endpoint", "=", endpoint)
          .where("next_attempt_at", "<=", now)
          .where("locked_until", "<=", now)
          .orderBy("next_attempt_at")
          .limit(limit);
        return this.dialect === "postgres" ? due.forUpdate().skipLocked() : due;
      })
      .where("locked_until", "<=", now)
      .returningAll()
      .execute();
    // RETURNING has no defined order on either backend.
    return rows.sort((a, b) => a.next_attempt_at - b.next_attempt_at);
  }

  /** Delivered: the row goes, whoever holds it now (a late duplicate claim then finds nothing to do). */
  async remove(id: string): Promise<void> {
    await this.db.deleteFrom("outbox").where("id", "=", id).execute();
  }

  /** A failed attempt: due again at `nextAttemptAt`, unless the claim was lost (returns false). */
  async reschedule(id: string, lease: number, attempts: number, nextAttemptAt: number, error: string): Promise<boolean> {
    const result = await this.db
      .updateTable("outbox")
      .set({ attempts, next_attempt_at: nextAttemptAt, locked_until: 0, last_error: error })
      .where("id", "=", id)
      .where("locked_until", "=", lease)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Gives a claimed row back untouched (stop while in flight). */
  async release(id: string, lease: number): Promise<void> {
    await this.db.updateTable("outbox").set({ locked_until: 0 }).where("id", "=", id).where("locked_until", "=", lease).execute();
  }

  /** Moves a claimed row to the dead-letter log, in one transaction; false when the claim was lost. */
  async deadLetter(id: string, lease: number, update: { attempts: number; lastError: string | null; reason: string; now: number }): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.deleteFrom("outbox").where("id", "=", id).where("locked_until", "=", lease).returningAll().executeTakeFirst();
      if (row === undefined) return false;
      const { next_attempt_at: _next, locked_until: _lock, ...request } = row;
      await trx
        .insertInto("outbox_dead_letters")
        .values({ ...request, attempts: update.attempts, last_error: update.lastError, reason: update.reason, dead_at: update.now })
        .onConflict((oc) => oc.column("id").doNothing())
        .execute();
      return true;
    });
  }

  /**
   * When the dispatcher should look again: the next moment after `now` that a row becomes due or a lease runs out;
   * undefined when there is none. Two index lookups, whatever the backlog (rows due already are claimed, or wait
   * for a slot of their endpoint, which wakes the dispatcher itself).
   */
  async nextWakeAt(now: number): Promise<number | undefined> {
    const due = await this.db.selectFrom("outbox").select("next_attempt_at").where("next_attempt_at", ">", now).orderBy("next_attempt_at").limit(1).executeTakeFirst();
    const lease = await this.db.selectFrom("outbox").select("locked_until").where("locked_until", ">", now).orderBy("locked_until").limit(1).executeTakeFirst();
    const times = [due?.next_attempt_at, lease?.locked_until].filter((t): t is number => t !== undefined).map(Number);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  async counts(): Promise<OutboxCounts> {
    const pending = await this.db
      .selectFrom("outbox")
      .select((eb) => [eb.fn.countAll<number | string>().as("n"), eb.fn.sum<number | string | null>(eb.case().when("attempts", ">", 0).then(1).else(0).end()).as("retrying")])
      .executeTakeFirst();
    const dead = await this.db.selectFrom("outbox_dead_letters").select((eb) => eb.fn.countAll<number | string>().as("n")).executeTakeFirst();
    return { pending: Number(pending?.n ?? 0), retrying: Number(pending?.retrying ?? 0), deadLetters: Number(dead?.n ?? 0) };
  }

  async get(id: string): Promise<OutboxRow | undefined> {
    return this.db.selectFrom("outbox").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** Deletes the dead letters that died before `before` (ms); returns how many. */
  async purgeDeadLetters(before: number): Promise<number> {
    const result = await this.db.deleteFrom("outbox_dead_letters").where("dead_at", "<", before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** The newest dead letters first. */
  async deadLetters(limit: number): Promise<DeadLetterRow[]> {
    return this.db.selectFrom("outbox_dead_letters").selectAll().orderBy("dead_at", "desc").orderBy("id").limit(limit).execute();
  }
}
