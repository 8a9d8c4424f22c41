/**
 * Persistent rooms (PROTOCOL §3.2, §3.11): configuration, subject and affiliations survive a restart;
 * occupants never do. Temporary rooms are never written. One SQL implementation for SQLite and
 * PostgreSQL (DESIGN §2.7).
 */
import type { Kysely } from "kysely";
import type { Database } from "../../storage/database.js";
import type { Migration } from "../../storage/migrator.js";

export interface MucTables {
  muc_rooms: { service: string; name: string; options: string; subject: string; subject_author: string; created_at: number };
  muc_affiliations: { service: string; room: string; jid: string; affiliation: string; reason: string };
}

export const mucMigrations: readonly Migration[] = [
  {
    id: "muc-0001-rooms",
    async up(db) {
      await db.schema
        .createTable("muc_rooms")
        .addColumn("service", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("options", "text", (c) => c.notNull())
        .addColumn("subject", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("subject_author", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("muc_rooms_pk", ["service", "name"])
        .execute();
      await db.schema
        .createTable("muc_affiliations")
        .addColumn("service", "text", (c) => c.notNull())
        .addColumn("room", "text", (c) => c.notNull())
        .addColumn("jid", "text", (c) => c.notNull())
        .addColumn("affiliation", "text", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull().defaultTo(""))
        .addPrimaryKeyConstraint("muc_affiliations_pk", ["service", "room", "jid"])
        .execute();
      // "Rooms of user X" (user deletion, later ns:getrooms) without scanning every room.
      await db.schema.createIndex("muc_affiliations_jid").on("muc_affiliations").columns(["jid"]).execute();
    },
  },
];

export interface StoredAffiliation {
  readonly jid: string;
  readonly affiliation: string;
  readonly reason: string;
}

export interface StoredRoom {
  readonly service: string;
  readonly name: string;
  /** The room configuration as JSON (room-config.ts). */
  readonly options: string;
  readonly subject: string;
  readonly subjectAuthor: string;
  readonly createdAt: number;
  readonly affiliations: readonly StoredAffiliation[];
}

export class SqlMucStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Every stored room with its affiliations (rooms are preloaded at start, like ejabberd's preload_rooms). */
  async loadAll(): Promise<StoredRoom[]> {
    const rooms = await this.db.selectFrom("muc_rooms").selectAll().execute();
    const affs = await this.db.selectFrom("muc_affiliations").selectAll().execute();
    const byRoom = new Map<string, StoredAffiliation[]>();
    for (const a of affs) {
      const key = a.service + "\u0000" + a.room;
      const list = byRoom.get(key) ?? [];
      list.push({ jid: a.jid, affiliation: a.affiliation, reason: a.reason });
      byRoom.set(key, list);
    }
    return rooms.map((r) => ({
      service: r.service,
      name: r.name,
      options: r.options,
      subject: r.subject,
      subjectAuthor: r.subject_author,
      createdAt: Number(r.created_at),
      affiliations: byRoom.get(r.service + "\u0000" + r.name) ?? [],
    }));
  }

  /** Writes a whole room (creation, or a temporary room made persistent), replacing what was stored. */
  async saveRoom(room: StoredRoom): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("muc_rooms")
        .values({
          service: room.service,
          name: room.name,
          options: room.options,
          subject: room.subject,
          subject_author: room.subjectAuthor,
          created_at: room.createdAt,
        })
        .onConflict((oc) => oc.columns(["service", "name"]).doUpdateSet({ options: room.options, subject: room.subject, subject_author: room.subjectAuthor }))
        .execute();
      await trx.deleteFrom("muc_affiliations").where("service", "=", room.service).where("room", "=", room.name).execute();
      if (room.affiliations.length > 0) {
        await trx
          .insertInto("muc_affiliations")
          .values(room.affiliations.map((a) => ({ service: room.service, room: room.name, jid: a.jid, affiliation: a.affiliation, reason: a.reason })))
          .execute();
      }
    });
  }

  async saveOptions(service: string, name: string, options: string): Promise<void> {
    await this.db.updateTable("muc_rooms").set({ options }).where("service", "=", service).where("name", "=", name).execute();
  }

  async saveSubject(service: string, name: string, subject: string, author: string): Promise<void> {
    await this.db.updateTable("muc_rooms").set({ subject, subject_author: author }).where("service", "=", service).where("name", "=", name).execute();
  }

  /** `none` deletes the row. */
  async setAffiliation(service: string, room: string, jid: string, affiliation: string, reason: string): Promise<void> {
    if (affiliation === "none") {
      await this.db.deleteFrom("muc_affiliations").where("service", "=", service).where("room", "=", room).where("jid", "=", jid).execute();
      return;
    }
    await this.db
      .insertInto("muc_affiliations")
      .values({ service, room, jid, affiliation, reason })
      .onConflict((oc) => oc.columns(["service", "room", "jid"]).doUpdateSet({ affiliation, reason }))
      .execute();
  }

  async deleteRoom(service: string, name: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("muc_affiliations").where("service", "=", service).where("room", "=", name).execute();
      await trx.deleteFrom("muc_rooms").where("service", "=", service).where("name", "=", name).execute();
    });
  }

  /** Removes a deleted account's affiliations everywhere (PROTOCOL §8.5 unregister). */
  async deleteUserAffiliations(jid: string): Promise<void> {
    await this.db.deleteFrom("muc_affiliations").where("jid", "=", jid).execute();
  }
}
