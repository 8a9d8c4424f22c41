/**
 * The archive as one object (PROTOCOL §6): the store behind the write-behind writer (ADR 0002), with
 * every read waiting for the writes queued before it, so callers see what was routed before them.
 */
import type { Logger } from "pino";
import type { Kysely } from "kysely";
import type { Element } from "../../xml/element.js";
import { serialize } from "../../xml/serialize.js";
import { NS } from "../../xmpp/namespaces.js";
import type { Database } from "../../storage/database.js";
import type { SqlDialectName } from "../../storage/open-database.js";
import { ArchiveWriter } from "./archive-writer.js";
import { SQLITE_INSERT_ROW, SqlArchiveStore, sqliteInsertPayload } from "./mam.store.js";
import type { ArchiveEntry, ArchiveFilters, Page, PageRequest } from "./mam.types.js";
import { isDataError } from "./sql-data-errors.js";
import { SqliteInsertWorker } from "./sqlite-insert-worker.js";

export class MessageArchive {
  readonly store: SqlArchiveStore;
  readonly writer: ArchiveWriter<ArchiveEntry>;
  #insertWorker: SqliteInsertWorker | undefined;

  constructor(
    db: Kysely<Database>,
    dialect: SqlDialectName,
    private readonly log: Logger,
  ) {
    const store = (this.store = new SqlArchiveStore(db, dialect));
    this.writer = new ArchiveWriter<ArchiveEntry>({
      write: (rows) => (this.#insertWorker === undefined ? store.insertMany(rows) : this.#insertWorker.run(sqliteInsertPayload(rows))),
      log,
      isPermanent: isDataError,
      describe: (e) => ({ archive: e.archive, id: e.id }),
    });
  }

  /** Moves inserts into a SQLite file off the event loop; returns the highest stored id (§6.1). */
  async start(): Promise<number> {
    const file = await this.store.sqliteFile();
    if (file !== undefined) this.#insertWorker = new SqliteInsertWorker(file, SQLITE_INSERT_ROW);
    return this.store.maxId();
  }

  /** Writes what is queued, then lets the worker go (graceful stop loses nothing, ADR 0002). */
  async stop(): Promise<void> {
    await this.writer.stop();
    await this.#insertWorker?.close();
    this.log.info({ ...this.writer.stats() }, "archive writer stopped");
  }

  /** Queues an entry; a returned promise asks the caller to wait (backpressure). */
  archive(entry: ArchiveEntry): void | Promise<void> {
    return this.writer.push(entry) ? undefined : this.writer.ready();
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  async page(archive: string, filters: ArchiveFilters, request: PageRequest): Promise<Page> {
    await this.writer.flush();
    return this.store.page(archive, filters, request);
  }

  async get(archive: string, id: number): Promise<ArchiveEntry | undefined> {
    await this.writer.flush();
    return this.store.get(archive, id);
  }

  async copiesOf(id: number): Promise<ArchiveEntry[]> {
    await this.writer.flush();
    return this.store.copiesOf(id);
  }

  async updateStanza(archive: string, id: number, stanza: Element | string): Promise<boolean> {
    await this.writer.flush();
    return this.store.updateStanza(archive, id, typeof stanza === "string" ? stanza : serialize(stanza, NS.client));
  }

  async deleteArchive(archive: string): Promise<number> {
    await this.writer.flush();
    return this.store.deleteArchive(archive);
  }

  async bounds(archive: string): Promise<{ readonly first: number; readonly last: number } | undefined> {
    await this.writer.flush();
    return this.store.bounds(archive);
  }
}
