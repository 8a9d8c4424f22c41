/**
 * Private XML storage (XEP-0049, PROTOCOL §9.5): per account, one element per (name, namespace),
 * stored whole as serialised XML and replaced whole. The element cap is checked in the same
 * transaction as the write, so a refused set stores nothing.
 */
import type { Kysely } from "kysely";
import type { Database } from "../../storage/database.js";
import type { Migration } from "../../storage/migrator.js";
import type { Jid } from "../../xmpp/jid.js";

export interface PrivateTables {
  private_storage: { host: string; localpart: string; ns: string; name: string; xml: string; updated_at: number };
}

export interface PrivateKey {
  readonly ns: string;
  readonly name: string;
}

export interface PrivateElement extends PrivateKey {
  /** The serialised element, as stored and returned. */
  readonly xml: string;
}

export const privateMigrations: readonly Migration[] = [
  {
    id: "private-0001-create",
    async up(db) {
      await db.schema
        .createTable("private_storage")
        .addColumn("host", "text", (c) => c.notNull())
        .addColumn("localpart", "text", (c) => c.notNull())
        .addColumn("ns", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("xml", "text", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("private_storage_pk", ["host", "localpart", "ns", "name"])
        .execute();
    },
  },
];

/** A map key for (namespace, name); a newline cannot occur in either. */
export function privateKey(key: PrivateKey): string {
  return key.ns + "\n" + key.name;
}

export class SqlPrivateStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The stored elements among `keys`, keyed by privateKey(). */
  async get(user: Jid, keys: readonly PrivateKey[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (keys.length === 0) return out;
    const rows = await this.db
      .selectFrom("private_storage")
      .select(["ns", "name", "xml"])
      .where("host", "=", user.domain)
      .where("localpart", "=", user.local)
      .where((eb) => eb.or(keys.map((k) => eb.and([eb("ns", "=", k.ns), eb("name", "=", k.name)]))))
      .execute();
    for (const r of rows) out.set(privateKey(r), r.xml);
    return out;
  }

  /**
   * Stores each element, replacing what was stored under its (name, ns); the last of duplicates wins.
   * When the account would then hold more than `maxElements` distinct elements, stores nothing.
   */
  async set(user: Jid, elements: readonly PrivateElement[], maxElements: number): Promise<"stored" | "too-many"> {
    const latest = new Map<string, PrivateElement>();
    for (const e of elements) latest.set(privateKey(e), e);
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom("private_storage")
        .select(["ns", "name"])
        .where("host", "=", user.domain)
        .where("localpart", "=", user.local)
        .execute();
      const keys = new Set(existing.map(privateKey));
      for (const k of latest.keys()) keys.add(k);
      if (keys.size > maxElements) return "too-many";
      const updatedAt = this.now();
      for (const e of latest.values()) {
        await trx
          .insertInto("private_storage")
          .values({ host: user.domain, localpart: user.local, ns: e.ns, name: e.name, xml: e.xml, updated_at: updatedAt })
          .onConflict((oc) => oc.columns(["host", "localpart", "ns", "name"]).doUpdateSet({ xml: e.xml, updated_at: updatedAt }))
          .execute();
      }
      return "stored";
    });
  }

  /** How many distinct elements the account holds. */
  async count(user: Jid): Promise<number> {
    const row = await this.db
      .selectFrom("private_storage")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .where("host", "=", user.domain)
      .where("localpart", "=", user.local)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async delete(user: Jid): Promise<void> {
    await this.db.deleteFrom("private_storage").where("host", "=", user.domain).where("localpart", "=", user.local).execute();
  }
}
