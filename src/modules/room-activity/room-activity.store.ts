/**
 * Room activity per (room, user) for `ns:room:last` (PROTOCOL §7.5): the time of the user's latest groupchat
 * message, join or leave (`last_active`) and the time their current membership began (`member_since`, which
 * affiliation rows do not carry). Epoch milliseconds, 0 for "unknown". One SQL class for SQLite and PostgreSQL.
 */
import type { Kysely } from "kysely";
import type { Database } from "../../storage/database.js";
import type { Migration } from "../../storage/migrator.js";

export interface RoomActivityTables {
  /** `room` and `jid`: bare JIDs. */
  room_activity: { room: string; jid: string; last_active: number; member_since: number };
}

export const roomActivityMigrations: readonly Migration[] = [
  {
    id: "room-activity-0001-create",
    async up(db) {
      await db.schema
        .createTable("room_activity")
        .addColumn("room", "text", (c) => c.notNull())
        .addColumn("jid", "text", (c) => c.notNull())
        .addColumn("last_active", "bigint", (c) => c.notNull().defaultTo(0))
        .addColumn("member_since", "bigint", (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint("room_activity_pk", ["room", "jid"])
        .execute();
      // Account removal without scanning every room.
      await db.schema.createIndex("room_activity_jid").on("room_activity").column("jid").execute();
    },
  },
];

export interface Activity {
  readonly lastActive: number;
  readonly memberSince: number;
}

/** A change to one row: only the fields that are set are written. */
export interface ActivityUpdate {
  readonly room: string;
  readonly jid: string;
  lastActive?: number;
  memberSince?: number;
}

/** Rows per multi-row insert (4 parameters each), well under both backends' bound-parameter limits. */
const CHUNK = 250;

export class SqlRoomActivityStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Every stored row of one room, keyed by user bare JID. */
  async forRoom(room: string): Promise<Map<string, Activity>> {
    const rows = await this.db.selectFrom("room_activity").select(["jid", "last_active", "member_since"]).where("room", "=", room).execute();
    const out = new Map<string, Activity>();
    for (const r of rows) out.set(r.jid, { lastActive: Number(r.last_active), memberSince: Number(r.member_since) });
    return out;
  }

  /** Applies a batch in one transaction: three multi-row upserts (last_active only, member_since only, both). */
  async apply(updates: readonly ActivityUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    const both = updates.filter((u) => u.lastActive !== undefined && u.memberSince !== undefined);
    const active = updates.filter((u) => u.lastActive !== undefined && u.memberSince === undefined);
    const since = updates.filter((u) => u.lastActive === undefined && u.memberSince !== undefined);
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < both.length; i += CHUNK) {
        await trx
          .insertInto("room_activity")
          .values(both.slice(i, i + CHUNK).map((u) => ({ room: u.room, jid: u.jid, last_active: u.lastActive ?? 0, member_since: u.memberSince ?? 0 })))
          .onConflict((oc) =>
            oc.columns(["room", "jid"]).doUpdateSet((eb) => ({ last_active: eb.ref("excluded.last_active"), member_since: eb.ref("excluded.member_since") })),
          )
          .execute();
      }
      for (let i = 0; i < active.length; i += CHUNK) {
        await trx
          .insertInto("room_activity")
          .values(active.slice(i, i + CHUNK).map((u) => ({ room: u.room, jid: u.jid, last_active: u.lastActive ?? 0, member_since: 0 })))
          .onConflict((oc) => oc.columns(["room", "jid"]).doUpdateSet((eb) => ({ last_active: eb.ref("excluded.last_active") })))
          .execute();
      }
      for (let i = 0; i < since.length; i += CHUNK) {
        await trx
          .insertInto("room_activity")
          .values(since.slice(i, i + CHUNK).map((u) => ({ room: u.room, jid: u.jid, last_active: 0, member_since: u.memberSince ?? 0 })))
          .onConflict((oc) => oc.columns(["room", "jid"]).doUpdateSet((eb) => ({ member_since: eb.ref("excluded.member_since") })))
          .execute();
      }
    });
  }

  async deleteRoom(room: string): Promise<void> {
    await this.db.deleteFrom("room_activity").where("room", "=", room).execute();
  }

  async deleteUser(jid: string): Promise<void> {
    await this.db.deleteFrom("room_activity").where("jid", "=", jid).execute();
  }
}
