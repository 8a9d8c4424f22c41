/**
 * The message archive store (PROTOCOL §6.1–§6.5): one table for every archive, user and room alike,
 * an entry being (archive, id). A batch is one statement (a JSON array on SQLite, column arrays on
 * PostgreSQL) or, in the SQLite insert worker, one transaction of prepared single-row inserts; inserts are
 * idempotent, so a retried batch never fails on rows it already wrote.
 */
import { CompiledQuery, sql } from "kysely";
import type { ColumnType, Kysely, SelectQueryBuilder, Selectable } from "kysely";
import type { Database } from "../../storage/database.js";
import type { Migration } from "../../storage/migrator.js";
import type { SqlDialectName } from "../../storage/open-database.js";
import type { ArchiveEntry, ArchiveFilters, EntryKindValue, Page, PageRequest } from "./mam.types.js";

export interface MamTables {
  mam_messages: {
    archive: string;
    id: number;
    peer: string;
    peer_resource: string;
    nick: string | null;
    kind: number;
    origin_id: string | null;
    stanza: string;
    /** The sender's real bare JID (§6.8 block filtering of user archives); "" for rows written before mam-0002. */
    sender: ColumnType<string, string | undefined, string>;
  };
}

type Row = Selectable<MamTables["mam_messages"]>;

export const mamMigrations: readonly Migration[] = [
  {
    id: "mam-0001-create",
    async up(db) {
      await db.schema
        .createTable("mam_messages")
        .addColumn("archive", "text", (c) => c.notNull())
        .addColumn("id", "bigint", (c) => c.notNull())
        .addColumn("peer", "text", (c) => c.notNull())
        .addColumn("peer_resource", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("nick", "text")
        .addColumn("kind", "smallint", (c) => c.notNull())
        .addColumn("origin_id", "text")
        .addColumn("stanza", "text", (c) => c.notNull())
        .execute();
      // The one index in archive order, and the key of an entry. Each new row lands at the end of its archive's range,
      // so a batch dirties one page per archive it touches; a second index of that kind, e.g. (archive, peer, id) for
      // `with`, doubled the cost of an insert on SQLite (ADR 0002). `peer` is in it so that `with` filters and counts
      // read the index only. Rows are unique per (archive, id); `peer` in the key costs nothing as one id has one peer.
      await db.schema.createIndex("mam_messages_key").unique().on("mam_messages").columns(["archive", "id", "peer"]).execute();
      // Every copy of one message (edits and deletes of MucSub copies, §5.6), the max id at start, retention purges.
      // Ids only grow, so this index is appended to.
      await db.schema.createIndex("mam_messages_id").on("mam_messages").column("id").execute();
    },
  },
  {
    // §6.8 / §7.7 block filtering of user archives: a 1:1 row's `peer` is the other party in both directions and a
    // MucSub copy's `peer` is the room, so neither tells who sent the entry. No index: the filter only runs for
    // requesters who blocked someone, on their own archive's range. Room rows keep filtering on `peer` (index only).
    id: "mam-0002-sender",
    async up(db) {
      await db.schema.alterTable("mam_messages").addColumn("sender", "text", (c) => c.notNull().defaultTo("")).execute();
    },
  },
];

const COLUMNS = "archive, id, peer, peer_resource, nick, kind, origin_id, stanza, sender";
/** One row (9 positional parameters), for a prepared statement run in a transaction (the SQLite insert worker). */
export const SQLITE_INSERT_ROW = `insert into mam_messages (${COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing`;
/** A whole batch from one JSON parameter, for in-memory databases (no worker); `where true` resolves SQLite's
 * parsing ambiguity between INSERT … SELECT and the upsert clause. */
const SQLITE_INSERT = `insert into mam_messages (${COLUMNS}) select value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8 from json_each(?) where true on conflict do nothing`;
const PG_INSERT = `insert into mam_messages (${COLUMNS}) select * from unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::int2[], $7::text[], $8::text[], $9::text[]) on conflict do nothing`;

export class SqlArchiveStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialectName,
  ) {}

  /** Writes many entries in one statement; entries already stored (same archive and id) are left alone. */
  async insertMany(entries: readonly ArchiveEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db.executeQuery(this.dialect === "sqlite" ? sqliteInsert(entries) : postgresInsert(entries));
  }

  /** One page of an archive (§6.5), with the count of C, the first index and `complete`. */
  async page(archive: string, filters: ArchiveFilters, request: PageRequest): Promise<Page> {
    const backwards = request.before !== undefined;
    let rows = this.#matching(archive, filters).selectAll();
    if (request.after !== undefined) rows = rows.where("id", ">", request.after);
    if (typeof request.before === "number") rows = rows.where("id", "<", request.before);
    rows = rows.orderBy("id", backwards ? "desc" : "asc").limit(request.max + 1);
    if (!backwards && request.after === undefined && request.index !== undefined && request.index > 0) rows = rows.offset(request.index);
    const found = await rows.execute();
    // One extra row tells whether anything lies beyond the page in the paging direction.
    const complete = found.length <= request.max;
    const taken = found.slice(0, request.max);
    if (backwards) taken.reverse();
    const first = taken[0];
    const counts = await this.#matching(archive, filters)
      .select((eb) => [
        eb.fn.countAll<number>().as("total"),
        (first === undefined ? sql<number>`0` : sql<number>`count(case when id < ${first.id} then 1 end)`).as("before"),
      ])
      .executeTakeFirstOrThrow();
    return { entries: taken.map(toEntry), count: Number(counts.total), firstIndex: Number(counts.before), complete };
  }

  async get(archive: string, id: number): Promise<ArchiveEntry | undefined> {
    const row = await this.db.selectFrom("mam_messages").selectAll().where("archive", "=", archive).where("id", "=", id).executeTakeFirst();
    return row === undefined ? undefined : toEntry(row);
  }

  /** Every stored copy of one message: the room entry and its MucSub copies, or both sides of a 1:1 message. */
  async copiesOf(id: number): Promise<ArchiveEntry[]> {
    const rows = await this.db.selectFrom("mam_messages").selectAll().where("id", "=", id).execute();
    return rows.map(toEntry);
  }

  /** Replaces the stored stanza of one entry (edits and deletes change it in place, §6.3); false when absent. */
  async updateStanza(archive: string, id: number, stanza: string): Promise<boolean> {
    const result = await this.db.updateTable("mam_messages").set({ stanza }).where("archive", "=", archive).where("id", "=", id).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async deleteArchive(archive: string): Promise<number> {
    const result = await this.db.deleteFrom("mam_messages").where("archive", "=", archive).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Deletes up to `limit` entries older than `id` (retention); returns how many went. */
  async purgeBefore(id: number, limit: number): Promise<number> {
    const result = await sql`delete from mam_messages where (archive, id) in (select archive, id from mam_messages where id < ${id} limit ${limit})`.execute(this.db);
    return Number(result.numAffectedRows ?? 0);
  }

  /** The highest id stored in any archive, 0 when empty (the allocator resumes above it, §6.1). */
  async maxId(): Promise<number> {
    const row = await this.db.selectFrom("mam_messages").select((eb) => eb.fn.max("id").as("max")).executeTakeFirst();
    return row?.max === null || row?.max === undefined ? 0 : Number(row.max);
  }

  /** The file of a SQLite database, undefined in memory or on PostgreSQL (where a worker cannot share it). */
  async sqliteFile(): Promise<string | undefined> {
    if (this.dialect !== "sqlite") return undefined;
    const { rows } = await sql<{ name: string; file: string }>`pragma database_list`.execute(this.db);
    const file = rows.find((r) => r.name === "main")?.file;
    return file === undefined || file === "" ? undefined : file;
  }

  /** The oldest and newest ids of one archive (XEP-0313 metadata); undefined when it is empty. */
  async bounds(archive: string): Promise<{ readonly first: number; readonly last: number } | undefined> {
    // Two index seeks; min()/max() with a filter would read the whole archive's range on SQLite.
    const end = (direction: "asc" | "desc") =>
      this.db.selectFrom("mam_messages").select("id").where("archive", "=", archive).orderBy("id", direction).limit(1).executeTakeFirst();
    const [first, last] = [await end("asc"), await end("desc")];
    if (first === undefined || last === undefined) return undefined;
    return { first: Number(first.id), last: Number(last.id) };
  }

  #matching(archive: string, filters: ArchiveFilters): SelectQueryBuilder<Database, "mam_messages", object> {
    let q = this.db.selectFrom("mam_messages").where("archive", "=", archive);
    if (filters.with !== undefined) {
      q = q.where("peer", "=", filters.with.bare);
      if (filters.with.resource !== undefined) q = q.where("peer_resource", "=", filters.with.resource);
    }
    if (filters.start !== undefined) q = q.where("id", ">=", filters.start);
    if (filters.end !== undefined) q = q.where("id", "<=", filters.end);
    if (filters.excludePeers !== undefined && filters.excludePeers.length > 0) q = q.where("peer", "not in", filters.excludePeers);
    if (filters.excludeSenders !== undefined && filters.excludeSenders.length > 0) q = q.where("sender", "not in", filters.excludeSenders);
    return q;
  }
}

/** The one parameter of SQLITE_INSERT, and the payload of the insert worker: a JSON array of column tuples. */
export function sqliteInsertPayload(entries: readonly ArchiveEntry[]): string {
  const tuples: unknown[] = new Array(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as ArchiveEntry;
    tuples[i] = [e.archive, e.id, e.peer, e.peerResource, e.nick, e.kind, e.originId, e.stanza, e.sender ?? ""];
  }
  return JSON.stringify(tuples);
}

function sqliteInsert(entries: readonly ArchiveEntry[]): CompiledQuery {
  return CompiledQuery.raw(SQLITE_INSERT, [sqliteInsertPayload(entries)]);
}

function postgresInsert(entries: readonly ArchiveEntry[]): CompiledQuery {
  const n = entries.length;
  const columns = [new Array<string>(n), new Array<number>(n), new Array<string>(n), new Array<string>(n), new Array<string | null>(n), new Array<number>(n), new Array<string | null>(n), new Array<string>(n), new Array<string>(n)] as const;
  for (let i = 0; i < n; i++) {
    const e = entries[i] as ArchiveEntry;
    columns[0][i] = e.archive;
    columns[1][i] = e.id;
    columns[2][i] = e.peer;
    columns[3][i] = e.peerResource;
    columns[4][i] = e.nick;
    columns[5][i] = e.kind;
    columns[6][i] = e.originId;
    columns[7][i] = e.stanza;
    columns[8][i] = e.sender ?? "";
  }
  return CompiledQuery.raw(PG_INSERT, [...columns]);
}

function toEntry(row: Row): ArchiveEntry {
  return {
    archive: row.archive,
    id: Number(row.id),
    peer: row.peer,
    peerResource: row.peer_resource,
    nick: row.nick,
    kind: row.kind as EntryKindValue,
    originId: row.origin_id,
    stanza: row.stanza,
    // Absent rather than "" when unknown, so entries written without a sender read back as written.
    ...(row.sender === "" ? {} : { sender: row.sender }),
  };
}
