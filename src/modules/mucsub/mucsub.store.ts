/**
 * Persistent MucSub subscriptions (PROTOCOL §5.2 "Stored", §5.8: they survive disconnects and
 * restarts): one row per (room, subscriber bare JID) with the nick, the node set and the creation time.
 * One SQL implementation for SQLite and PostgreSQL (DESIGN §2.7).
 */
import type { Kysely } from "kysely";
import type { Database } from "../../storage/database.js";
import type { Migration } from "../../storage/migrator.js";

export interface MucSubTables {
  mucsub_subscriptions: { service: string; room: string; jid: string; nick: string; nodes: string; created_at: number };
}

export const mucsubMigrations: readonly Migration[] = [
  {
    id: "mucsub-0001-subscriptions",
    async up(db) {
      await db.schema
        .createTable("mucsub_subscriptions")
        .addColumn("service", "text", (c) => c.notNull())
        .addColumn("room", "text", (c) => c.notNull())
        .addColumn("jid", "text", (c) => c.notNull())
        .addColumn("nick", "text", (c) => c.notNull())
        // Short node names joined with commas (mucsub.nodes.ts).
        .addColumn("nodes", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("mucsub_subscriptions_pk", ["service", "room", "jid"])
        .execute();
      // A user's subscriptions (account removal, get_user_subscriptions) without a scan.
      await db.schema.createIndex("mucsub_subscriptions_jid").on("mucsub_subscriptions").columns(["jid"]).execute();
    },
  },
];

export interface StoredSubscription {
  /** The room's MUC service domain and localpart. */
  readonly service: string;
  readonly room: string;
  /** The subscriber's bare JID. */
  readonly jid: string;
  readonly nick: string;
  readonly nodes: string;
  readonly createdAt: number;
}

export class SqlMucSubStore {
  constructor(private readonly db: Kysely<Database>) {}

  async loadAll(): Promise<StoredSubscription[]> {
    const rows = await this.db.selectFrom("mucsub_subscriptions").selectAll().execute();
    return rows.map((r) => ({ service: r.service, room: r.room, jid: r.jid, nick: r.nick, nodes: r.nodes, createdAt: Number(r.created_at) }));
  }

  /** Inserts or replaces (re-subscribing replaces nick and nodes, §5.2; the creation time is kept). */
  async save(s: StoredSubscription): Promise<void> {
    await this.db
      .insertInto("mucsub_subscriptions")
      .values({ service: s.service, room: s.room, jid: s.jid, nick: s.nick, nodes: s.nodes, created_at: s.createdAt })
      .onConflict((oc) => oc.columns(["service", "room", "jid"]).doUpdateSet({ nick: s.nick, nodes: s.nodes }))
      .execute();
  }

  async delete(service: string, room: string, jid: string): Promise<void> {
    await this.db.deleteFrom("mucsub_subscriptions").where("service", "=", service).where("room", "=", room).where("jid", "=", jid).execute();
  }

  /** §3.14: a destroyed room's subscriptions. */
  async deleteRoom(service: string, room: string): Promise<void> {
    await this.db.deleteFrom("mucsub_subscriptions").where("service", "=", service).where("room", "=", room).execute();
  }

  /** §8.5 unregister: every subscription of a removed account. */
  async deleteUser(jid: string): Promise<void> {
    await this.db.deleteFrom("mucsub_subscriptions").where("jid", "=", jid).execute();
  }
}
