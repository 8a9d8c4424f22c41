/**
 * The last unavailable presence of each account (RFC 6121 §4.3.2 probe answers; XEP-0012 last
 * activity): when the account's last available session went away, and its `<status/>` text.
 */
import type { Kysely } from "kysely";
import type { Database } from "../../storage/database.js";
import type { Migration } from "../../storage/migrator.js";
import type { Jid } from "../../xmpp/jid.js";

export interface PresenceTables {
  presence_last: { host: string; localpart: string; at: number; status: string | null };
}

/** When (epoch ms) the account last became unavailable, and the status text it gave, if any. */
export interface LastUnavailable {
  readonly at: number;
  readonly status: string | undefined;
}

export const presenceMigrations: readonly Migration[] = [
  {
    id: "presence-0001-last",
    async up(db) {
      await db.schema
        .createTable("presence_last")
        .addColumn("host", "text", (c) => c.notNull())
        .addColumn("localpart", "text", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("status", "text")
        .addPrimaryKeyConstraint("presence_last_pk", ["host", "localpart"])
        .execute();
    },
  },
];

export class SqlPresenceStore {
  constructor(private readonly db: Kysely<Database>) {}

  async lastUnavailable(user: Jid): Promise<LastUnavailable | undefined> {
    const row = await this.db
      .selectFrom("presence_last")
      .select(["at", "status"])
      .where("host", "=", user.domain)
      .where("localpart", "=", user.local)
      .executeTakeFirst();
    return row === undefined ? undefined : { at: Number(row.at), status: row.status ?? undefined };
  }

  async setLastUnavailable(user: Jid, last: LastUnavailable): Promise<void> {
    const values = { at: last.at, status: last.status ?? null };
    await this.db
      .insertInto("presence_last")
      .values({ host: user.domain, localpart: user.local, ...values })
      .onConflict((oc) => oc.columns(["host", "localpart"]).doUpdateSet(values))
      .execute();
  }

  async delete(user: Jid): Promise<void> {
    await this.db.deleteFrom("presence_last").where("host", "=", user.domain).where("localpart", "=", user.local).execute();
  }
}
