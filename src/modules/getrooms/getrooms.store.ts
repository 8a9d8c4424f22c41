/**
 * The getrooms store (PROTOCOL §7.3): when each room membership began, for the `unread` count of a room the client
 * has no read marker for. One row per (member bare JID, room bare JID), written when MucSub reports a membership
 * (`room.member-joined`) and removed when it ends, so a later re-join starts a new count.
 * One SQL implementation for SQLite and PostgreSQL (DESIGN §2.7).
 */
import type { Kysely } from "kysely";
import type { Database } from "../../storage/database.js";
import type { Migration } from "../../storage/migrator.js";

export interface GetroomsTables {
  getrooms_member_since: { jid: string; room: string; since: number };
}

export const getroomsMigrations: readonly Migration[] = [
  {
    id: "getrooms-0001-member-since",
    async up(db) {
      await db.schema
        .createTable("getrooms_member_since")
        .addColumn("jid", "text", (c) => c.notNull())
        .addColumn("room", "text", (c) => c.notNull())
        // Epoch milliseconds.
        .addColumn("since", "bigint", (c) => c.notNull())
        // The user first: one request reads all of a user's rows.
        .addPrimaryKeyConstraint("getrooms_member_since_pk", ["jid", "room"])
        .execute();
      // A destroyed room's rows.
      await db.schema.createIndex("getrooms_member_since_room").on("getrooms_member_since").column("room").execute();
    },
  },
];

export class SqlMemberSinceStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records the start of a membership (a new membership replaces an older row). */
  async set(jid: string, room: string, since: number): Promise<void> {
    await this.db
      .insertInto("getrooms_member_since")
      .values({ jid, room, since })
      .onConflict((oc) => oc.columns(["jid", "room"]).doUpdateSet({ since }))
      .execute();
  }

  /** Room bare JID → epoch ms, for one user. */
  async ofUser(jid: string): Promise<Map<string, number>> {
    const rows = await this.db.selectFrom("getrooms_member_since").select(["room", "since"]).where("jid", "=", jid).execute();
    return new Map(rows.map((r) => [r.room, Number(r.since)]));
  }

  async delete(jid: string, room: string): Promise<void> {
    await this.db.deleteFrom("getrooms_member_since").where("jid", "=", jid).where("room", "=", room).execute();
  }

  async deleteRoom(room: string): Promise<void> {
    await this.db.deleteFrom("getrooms_member_since").where("room", "=", room).execute();
  }

  async deleteUser(jid: string): Promise<void> {
    await this.db.deleteFrom("getrooms_member_since").where("jid", "=", jid).execute();
  }
}
