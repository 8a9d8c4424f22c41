/**
 * The offline message queue (XEP-0160, PROTOCOL §9.4): one row per stored stanza, owned by a bare JID,
 * in arrival order (the auto id). Rows are taken (deleted and returned) at delivery; a stanza that
 * comes back unacknowledged (§2.11) is put back under its original id, so it is never duplicated.
 */
import type { Generated, Kysely } from "kysely";
import type { Database } from "../../storage/database.js";
import { preparedQuery } from "../../storage/prepared-query.js";
import type { Migration } from "../../storage/migrator.js";

export interface OfflineTables {
  offline_messages: {
    /** Auto id: arrival order. Optional on insert (generated), given when a row is put back. */
    id: Generated<number>;
    owner: string;
    stored_at: number;
    /** The stanza as `serialize(el, "jabber:client")` wrote it. */
    stanza: string;
  };
}

export interface OfflineRow {
  readonly id: number;
  readonly owner: string;
  readonly storedAt: number;
  readonly stanza: string;
}

export const offlineMigrations: readonly Migration[] = [
  {
    id: "offline-0001-create",
    async up(db, dialect) {
      // Auto ids differ per dialect (migrator notes): rowid alias on SQLite, identity on PostgreSQL.
      await db.schema
        .createTable("offline_messages")
        .addColumn("id", dialect === "sqlite" ? "integer" : "bigint", (c) =>
          dialect === "sqlite" ? c.primaryKey().autoIncrement() : c.generatedByDefaultAsIdentity().primaryKey(),
        )
        .addColumn("owner", "text", (c) => c.notNull())
        .addColumn("stored_at", "bigint", (c) => c.notNull())
        .addColumn("stanza", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("offline_messages_owner").on("offline_messages").columns(["owner", "id"]).execute();
    },
  },
];

export class SqlOfflineStore {
  // Run at every login (issue #2: logins/s): compiled once.
  readonly #takeAll;

  constructor(private readonly db: Kysely<Database>) {
    this.#takeAll = preparedQuery(db, (owner: string) =>
      db.deleteFrom("offline_messages").where("owner", "=", owner).returning(["id", "owner", "stored_at", "stanza"]),
    );
  }

  async count(owner: string): Promise<number> {
    const row = await this.db
      .selectFrom("offline_messages")
      .select((eb) => eb.fn.countAll<number | string | bigint>().as("n"))
      .where("owner", "=", owner)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Appends a stanza to the owner's queue; returns its id. */
  async add(owner: string, storedAt: number, stanza: string): Promise<number> {
    const row = await this.db
      .insertInto("offline_messages")
      .values({ owner, stored_at: storedAt, stanza })
      .returning("id")
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /** Puts a taken row back under its own id; a row that is already there stays as it is (idempotent). */
  async restore(row: OfflineRow): Promise<void> {
    await this.db
      .insertInto("offline_messages")
      .values({ id: row.id, owner: row.owner, stored_at: row.storedAt, stanza: row.stanza })
      .onConflict((oc) => oc.column("id").doNothing())
      .execute();
  }

  /** Removes and returns the owner's whole queue, oldest first, in one statement (safe against a concurrent take). */
  async takeAll(owner: string): Promise<OfflineRow[]> {
    const rows = await this.#takeAll(owner);
    // RETURNING has no defined order on either backend.
    return rows.map((r) => ({ id: Number(r.id), owner: r.owner, storedAt: Number(r.stored_at), stanza: r.stanza })).sort((a, b) => a.id - b.id);
  }

  /** The owner's queue, oldest first, without removing it. */
  async list(owner: string): Promise<OfflineRow[]> {
    const rows = await this.db
      .selectFrom("offline_messages")
      .select(["id", "owner", "stored_at", "stanza"])
      .where("owner", "=", owner)
      .orderBy("id")
      .execute();
    return rows.map((r) => ({ id: Number(r.id), owner: r.owner, storedAt: Number(r.stored_at), stanza: r.stanza }));
  }

  async deleteOwner(owner: string): Promise<number> {
    const result = await this.db.deleteFrom("offline_messages").where("owner", "=", owner).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
