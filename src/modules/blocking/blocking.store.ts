/**
 * Persistence of block lists, keyed by the owner's bare JID. One table holds every kind of list: the
 * XEP-0191 list (`blocking`) and the Ethora user block list of PROTOCOL §7.7 (`user-block`), so that
 * "has Y blocked X" has one source of truth. Items are normalised JID strings (XEP-0191 §6 forms).
 */
import type { Kysely } from "kysely";
import type { Database } from "../../storage/database.js";
import { preparedQuery } from "../../storage/prepared-query.js";
import type { Migration } from "../../storage/migrator.js";
import type { Jid } from "../../xmpp/jid.js";
import { blockCandidates } from "./blocking.match.js";

/** The kinds of list; PROTOCOL §7.7 keeps the Ethora list separate from the XEP-0191 one. */
export const BlockListName = { xep0191: "blocking", userBlock: "user-block" } as const;
export type BlockListName = (typeof BlockListName)[keyof typeof BlockListName];

export interface BlockingTables {
  block_items: { owner: string; list: string; jid: string; created_at: number };
}

export interface BlockEntry {
  readonly list: BlockListName;
  /** The blocked address as stored (a normalised JID string). */
  readonly jid: string;
  /** Epoch milliseconds of the first block. */
  readonly createdAt: number;
}

export const blockingMigrations: readonly Migration[] = [
  {
    id: "blocking-0001-create",
    async up(db) {
      await db.schema
        .createTable("block_items")
        .addColumn("owner", "text", (c) => c.notNull())
        .addColumn("list", "text", (c) => c.notNull())
        .addColumn("jid", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("block_items_pk", ["owner", "list", "jid"])
        .execute();
    },
  },
];

/** Persistence for block lists (DESIGN Snippet 4); the SQL implementation serves SQLite and PostgreSQL. */
export interface BlocklistStore {
  /** Every entry of every list of the owner, oldest first (ties by JID, bytewise). */
  entries(owner: Jid): Promise<BlockEntry[]>;
  /** XEP-0191 §6 matching done in SQL: whether `contact` is blocked by an item of the owner's list. */
  isBlocked(owner: Jid, contact: Jid, list: BlockListName): Promise<boolean>;
  /** Idempotent: an item already present keeps its date. Returns how many items were added. */
  block(owner: Jid, list: BlockListName, jids: readonly string[]): Promise<number>;
  /** Removes the given items, or every item of the list when `jids` is undefined. Returns how many went. */
  unblock(owner: Jid, list: BlockListName, jids?: readonly string[]): Promise<number>;
  /** Removes every list of the owner (account deletion, PROTOCOL §8.5 `unregister`). */
  deleteOwner(owner: Jid): Promise<void>;
  /** Every (owner, item) pair of one list kind, for in-memory indexes built at start (the §7.7 reverse index). */
  allOf(list: BlockListName): Promise<{ readonly owner: string; readonly jid: string }[]>;
}

export class SqlBlocklistStore implements BlocklistStore {
  // Loaded at every login (issue #2: logins/s): compiled once.
  readonly #entries;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {
    this.#entries = preparedQuery(db, (owner: string) => db.selectFrom("block_items").select(["list", "jid", "created_at"]).where("owner", "=", owner));
  }

  async entries(owner: Jid): Promise<BlockEntry[]> {
    const rows = await this.#entries(owner.bareString);
    // Sorted in code: the two backends collate text differently (storage/migrator.ts notes).
    return rows
      .map((r) => ({ list: r.list as BlockListName, jid: r.jid, createdAt: Number(r.created_at) }))
      .sort((a, b) => a.createdAt - b.createdAt || (a.jid < b.jid ? -1 : a.jid > b.jid ? 1 : 0));
  }

  async isBlocked(owner: Jid, contact: Jid, list: BlockListName): Promise<boolean> {
    const row = await this.db
      .selectFrom("block_items")
      .select("jid")
      .where("owner", "=", owner.bareString)
      .where("list", "=", list)
      .where("jid", "in", blockCandidates(contact))
      .executeTakeFirst();
    return row !== undefined;
  }

  async block(owner: Jid, list: BlockListName, jids: readonly string[]): Promise<number> {
    if (jids.length === 0) return 0;
    const createdAt = this.now();
    const values = [...new Set(jids)].map((jid) => ({ owner: owner.bareString, list, jid, created_at: createdAt }));
    let added = 0;
    for (let i = 0; i < values.length; i += 500) {
      const result = await this.db
        .insertInto("block_items")
        .values(values.slice(i, i + 500))
        .onConflict((oc) => oc.columns(["owner", "list", "jid"]).doNothing())
        .executeTakeFirst();
      added += Number(result.numInsertedOrUpdatedRows ?? 0);
    }
    return added;
  }

  async unblock(owner: Jid, list: BlockListName, jids?: readonly string[]): Promise<number> {
    if (jids !== undefined && jids.length === 0) return 0;
    let query = this.db.deleteFrom("block_items").where("owner", "=", owner.bareString).where("list", "=", list);
    if (jids !== undefined) query = query.where("jid", "in", [...new Set(jids)]);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async deleteOwner(owner: Jid): Promise<void> {
    await this.db.deleteFrom("block_items").where("owner", "=", owner.bareString).execute();
  }

  async allOf(list: BlockListName): Promise<{ readonly owner: string; readonly jid: string }[]> {
    return this.db.selectFrom("block_items").select(["owner", "jid"]).where("list", "=", list).execute();
  }
}
