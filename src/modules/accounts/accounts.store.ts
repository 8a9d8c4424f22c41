/**
 * Accounts and their SCRAM credentials (PROTOCOL §2.5: salted keys only, never a clear password).
 * A JWT-materialised account has `credentials = null` (§2.4).
 */
import { sql, type Kysely } from "kysely";
import type { ScramCredentials } from "../../c2s/sasl/scram-credentials.js";
import type { Database } from "../../storage/database.js";
import type { Migration } from "../../storage/migrator.js";
import { preparedQuery } from "../../storage/prepared-query.js";
import { isUniqueViolation } from "../../storage/sql-errors.js";

export interface AccountsTables {
  accounts: { host: string; localpart: string; credentials: string | null; created_at: number };
}

export const accountsMigrations: readonly Migration[] = [
  {
    id: "accounts-0001-create",
    async up(db) {
      await db.schema
        .createTable("accounts")
        .addColumn("host", "text", (c) => c.notNull())
        .addColumn("localpart", "text", (c) => c.notNull())
        .addColumn("credentials", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("accounts_pk", ["host", "localpart"])
        .execute();
    },
  },
];

export class SqlAccountStore {
  // Read at every login (issue #2: logins/s): compiled once.
  readonly #credentials;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {
    this.#credentials = preparedQuery(db, (host: string, localpart: string) =>
      db.selectFrom("accounts").select("credentials").where("host", "=", host).where("localpart", "=", localpart),
    );
  }

  async exists(host: string, localpart: string): Promise<boolean> {
    const row = await this.db.selectFrom("accounts").select("localpart").where("host", "=", host).where("localpart", "=", localpart).executeTakeFirst();
    return row !== undefined;
  }

  /** undefined: no such account; null: an account without a password. */
  async credentials(host: string, localpart: string): Promise<ScramCredentials | null | undefined> {
    const [row] = await this.#credentials(host, localpart);
    if (row === undefined) return undefined;
    return row.credentials === null ? null : (JSON.parse(row.credentials) as ScramCredentials);
  }

  /** Returns false when the account already exists. */
  async create(host: string, localpart: string, credentials: ScramCredentials | null): Promise<boolean> {
    try {
      await this.db
        .insertInto("accounts")
        .values({ host, localpart, credentials: credentials === null ? null : JSON.stringify(credentials), created_at: this.now() })
        .execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** Inserts many accounts in chunks; existing ones are left alone. Returns how many were created. */
  /** Creates the accounts that do not exist yet; returns the localparts it created. */
  async createMany(host: string, rows: readonly { localpart: string; credentials: ScramCredentials }[]): Promise<string[]> {
    const created: string[] = [];
    const createdAt = this.now();
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500).map((r) => ({ host, localpart: r.localpart, credentials: JSON.stringify(r.credentials), created_at: createdAt }));
      const inserted = await this.db
        .insertInto("accounts")
        .values(chunk)
        .onConflict((oc) => oc.columns(["host", "localpart"]).doNothing())
        .returning("localpart")
        .execute();
      for (const row of inserted) created.push(row.localpart);
    }
    return created;
  }

  /** Returns false when there is no such account. */
  async setCredentials(host: string, localpart: string, credentials: ScramCredentials): Promise<boolean> {
    const result = await this.db
      .updateTable("accounts")
      .set({ credentials: JSON.stringify(credentials) })
      .where("host", "=", host)
      .where("localpart", "=", localpart)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async delete(host: string, localpart: string): Promise<boolean> {
    const result = await this.db.deleteFrom("accounts").where("host", "=", host).where("localpart", "=", localpart).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /**
   * One page of the localparts that start with `prefix`, after `after` in the database's own order
   * (keyset paging: `>` and `order by` use the same collation, so pages neither skip nor repeat).
   */
  async listPage(host: string, prefix: string, after: string, limit: number): Promise<string[]> {
    let query = this.db
      .selectFrom("accounts")
      .select("localpart")
      .where("host", "=", host)
      .where(sql<string>`substr(localpart, 1, ${prefix.length})`, "=", prefix);
    if (after !== "") query = query.where("localpart", ">", after);
    const rows = await query.orderBy("localpart").limit(limit).execute();
    return rows.map((r) => r.localpart);
  }

  async list(host: string): Promise<string[]> {
    const rows = await this.db.selectFrom("accounts").select("localpart").where("host", "=", host).execute();
    // Sorted in code: SQLite and PostgreSQL collations order text differently (migrator notes).
    return rows.map((r) => r.localpart).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
