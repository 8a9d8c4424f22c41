/**
 * The `<data>` half of the profile cache (PROTOCOL §7.5 "Profile cache (Decision)"): per user, the latest
 * non-empty display name and photo URL seen on their groupchat messages. The vCard half lives in the vCard
 * store. One SQL class for SQLite and PostgreSQL (DESIGN §2.7).
 */
import type { Kysely } from "kysely";
import type { Database } from "../../storage/database.js";
import type { Migration } from "../../storage/migrator.js";

export interface ProfilesTables {
  /** `jid`: the user's bare JID; `data_name` / `data_photo`: "" when never seen. */
  profile_data: { jid: string; data_name: string; data_photo: string; updated_at: number };
}

export const profilesMigrations: readonly Migration[] = [
  {
    id: "profiles-0001-create",
    async up(db) {
      await db.schema
        .createTable("profile_data")
        .addColumn("jid", "text", (c) => c.notNull().primaryKey())
        .addColumn("data_name", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("data_photo", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
    },
  },
];

/** What `<data>` told about a user; "" means "nothing seen". */
export interface DataProfile {
  readonly name: string;
  readonly photo: string;
}

/** Rows per bulk read, well under both backends' bound-parameter limits. */
const BULK_CHUNK = 500;

export class SqlProfileStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  async get(bare: string): Promise<DataProfile | undefined> {
    const row = await this.db.selectFrom("profile_data").select(["data_name", "data_photo"]).where("jid", "=", bare).executeTakeFirst();
    return row === undefined ? undefined : { name: row.data_name, photo: row.data_photo };
  }

  /** The stored rows of the given bare JIDs; users without one are left out. */
  async getMany(bares: readonly string[]): Promise<Map<string, DataProfile>> {
    const out = new Map<string, DataProfile>();
    for (let i = 0; i < bares.length; i += BULK_CHUNK) {
      const chunk = bares.slice(i, i + BULK_CHUNK);
      const rows = await this.db.selectFrom("profile_data").select(["jid", "data_name", "data_photo"]).where("jid", "in", chunk).execute();
      for (const r of rows) out.set(r.jid, { name: r.data_name, photo: r.data_photo });
    }
    return out;
  }

  /** Replaces the user's row. */
  async set(bare: string, profile: DataProfile): Promise<void> {
    const values = { data_name: profile.name, data_photo: profile.photo, updated_at: this.now() };
    await this.db
      .insertInto("profile_data")
      .values({ jid: bare, ...values })
      .onConflict((oc) => oc.column("jid").doUpdateSet(values))
      .execute();
  }

  async delete(bare: string): Promise<void> {
    await this.db.deleteFrom("profile_data").where("jid", "=", bare).execute();
  }
}
