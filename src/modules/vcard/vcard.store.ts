/**
 * vCards (XEP-0054), one per account: the XML as the owner set it, plus the summary the server
 * reads from it (profile cache of PROTOCOL §7.5, XEP-0153 photo state) so that many profiles can
 * be read without parsing vCards.
 */
import type { Kysely } from "kysely";
import type { Database } from "../../storage/database.js";
import { preparedQuery } from "../../storage/prepared-query.js";
import type { Migration } from "../../storage/migrator.js";
import type { Jid } from "../../xmpp/jid.js";
import type { VcardSummary } from "./vcard.profile.js";

export interface VcardTables {
  /** `xml`: the serialised `<vCard xmlns="vcard-temp">`; `summary`: VcardSummary as JSON. */
  vcard: { host: string; localpart: string; xml: string; summary: string; updated_at: number };
}

export const vcardMigrations: readonly Migration[] = [
  {
    id: "vcard-0001-create",
    async up(db) {
      await db.schema
        .createTable("vcard")
        .addColumn("host", "text", (c) => c.notNull())
        .addColumn("localpart", "text", (c) => c.notNull())
        .addColumn("xml", "text", (c) => c.notNull())
        .addColumn("summary", "text", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("vcard_pk", ["host", "localpart"])
        .execute();
    },
  },
];

/** Rows per `summaries` query, well under both backends' bound-parameter limits. */
const BULK_CHUNK = 200;

export class SqlVcardStore {
  // Read at every login for the XEP-0153 photo hash (issue #2: logins/s): compiled once.
  readonly #summary;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {
    this.#summary = preparedQuery(db, (host: string, localpart: string) =>
      db.selectFrom("vcard").select("summary").where("host", "=", host).where("localpart", "=", localpart),
    );
  }

  async xml(user: Jid): Promise<string | undefined> {
    const row = await this.db.selectFrom("vcard").select("xml").where("host", "=", user.domain).where("localpart", "=", user.local).executeTakeFirst();
    return row?.xml;
  }

  async summary(user: Jid): Promise<VcardSummary | undefined> {
    const [row] = await this.#summary(user.domain, user.local);
    return row === undefined ? undefined : (JSON.parse(row.summary) as VcardSummary);
  }

  /** Summaries of the given accounts that have a vCard, keyed by bare JID. */
  async summaries(users: readonly Jid[]): Promise<Map<string, VcardSummary>> {
    const out = new Map<string, VcardSummary>();
    for (let i = 0; i < users.length; i += BULK_CHUNK) {
      const chunk = users.slice(i, i + BULK_CHUNK);
      const rows = await this.db
        .selectFrom("vcard")
        .select(["host", "localpart", "summary"])
        .where((eb) => eb.or(chunk.map((u) => eb.and([eb("host", "=", u.domain), eb("localpart", "=", u.local)]))))
        .execute();
      for (const r of rows) out.set(`${r.localpart}@${r.host}`, JSON.parse(r.summary) as VcardSummary);
    }
    return out;
  }

  /** Replaces the account's vCard. */
  async set(user: Jid, xml: string, summary: VcardSummary): Promise<void> {
    const values = { xml, summary: JSON.stringify(summary), updated_at: this.now() };
    await this.db
      .insertInto("vcard")
      .values({ host: user.domain, localpart: user.local, ...values })
      .onConflict((oc) => oc.columns(["host", "localpart"]).doUpdateSet(values))
      .execute();
  }

  async delete(user: Jid): Promise<void> {
    await this.db.deleteFrom("vcard").where("host", "=", user.domain).where("localpart", "=", user.local).execute();
  }
}
