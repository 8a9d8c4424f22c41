/**
 * Message Archive Management (XEP-0313, PROTOCOL §6): user archives of 1:1 messages, queried with
 * `urn:xmpp:mam:2` (and `:1`); the same store, writer and query code serve room archives through
 * the API below. Writes are batched behind the routing path (archive-writer.ts, ADR 0002).
 */
import { elementCodec } from "../../core/codec.js";
import { defineModule, type IqRequest } from "../../core/module.js";
import { serialize } from "../../xml/serialize.js";
import type { Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { ArchiveWriter } from "./archive-writer.js";
import { QUERY_NAMESPACES, formFieldsElement, metadataElement } from "./mam.codec.js";
import { answerQuery, type QuerySummary, type QueryTarget } from "./mam.query.js";
import { localDomainTest } from "./mam.stamps.js";
import { SQLITE_INSERT_ROW, SqlArchiveStore, mamMigrations, sqliteInsertPayload } from "./mam.store.js";
import { RetentionPurge } from "./mam.retention.js";
import type { ArchiveEntry, ArchiveFilters, Page, PageRequest } from "./mam.types.js";
import { isAnonymousAccount, userArchiveHook } from "./mam.user-archive.js";
import { isDataError } from "./sql-data-errors.js";
import { SqliteInsertWorker } from "./sqlite-insert-worker.js";

export type { ArchiveEntry, ArchiveFilters, Page, PageRequest, QuerySummary, QueryTarget };
export { EntryKind } from "./mam.types.js";

/** Entries of these peers are hidden from `requester` when it reads `archive` (§6.8 block filtering). */
export type VisibilityFilter = (requester: Jid, archive: string) => readonly string[] | Promise<readonly string[]>;

export interface MamApi {
  /** Queues an entry (write-behind). A returned promise asks the caller to wait: the queue is full. */
  archive(entry: ArchiveEntry): void | Promise<void>;
  /**
   * Answers a `<query>` payload against one archive: sends the result messages to `requester` and
   * returns the `<fin>` for the IQ result. Throws StanzaError (nothing sent) on a malformed request.
   */
  answerQuery(payload: Element, requester: Jid, target: QueryTarget): Promise<{ fin: Element; summary: QuerySummary }>;
  /** One page of an archive, seeing every entry queued before the call. */
  query(archive: string, filters: ArchiveFilters, page: PageRequest): Promise<Page>;
  get(archive: string, id: number): Promise<ArchiveEntry | undefined>;
  /** Every stored copy of a message (same id in several archives, §6.1). */
  copiesOf(id: number): Promise<ArchiveEntry[]>;
  /** Replaces an entry's stanza in place (edits, deletes, §6.3); false when there is no such entry. */
  updateStanza(archive: string, id: number, stanza: Element | string): Promise<boolean>;
  deleteArchive(archive: string): Promise<number>;
  /** Hides peers from archive readers (block filtering); one filter, set during setup. */
  setVisibilityFilter(filter: VisibilityFilter): void;
  /** Resolves once everything queued so far is written. */
  flush(): Promise<void>;
}

const ARCHIVE_FEATURES = [NS.mam2, NS.mam1, NS.sid];

export const mamModule = defineModule<MamApi>({
  name: "mam",
  features: ARCHIVE_FEATURES,
  accountFeatures: ARCHIVE_FEATURES,
  migrations: mamMigrations,

  setup(ctx) {
    const store = new SqlArchiveStore(ctx.db, ctx.dialect);
    let insertWorker: SqliteInsertWorker | undefined;
    const writer = new ArchiveWriter<ArchiveEntry>({
      write: (rows) => (insertWorker === undefined ? store.insertMany(rows) : insertWorker.run(sqliteInsertPayload(rows))),
      log: ctx.log,
      isPermanent: isDataError,
      describe: (e) => ({ archive: e.archive, id: e.id }),
    });
    const hosts = new Set(ctx.hosts);
    let visibility: VisibilityFilter | undefined;
    const page = async (archive: string, filters: ArchiveFilters, request: PageRequest) => {
      await writer.flush(); // a query sees every message routed before it
      return store.page(archive, filters, request);
    };
    const queryDeps = { page, router: ctx.router, sessions: ctx.sessions, log: ctx.log };

    ctx.hooks.on("message.routing", userArchiveHook({ hosts, isLocalDomain: localDomainTest(ctx.hosts), ids: ctx.archiveIds, writer }));

    /** §6.4: no `to`, the own bare JID (or the host) selects the own archive; another user's is forbidden. */
    const ownArchive = (iq: IqRequest): Jid => {
      if (iq.to.local !== "" && iq.to.bareString !== iq.from.bareString) throw new StanzaError("forbidden");
      return iq.from.bare();
    };
    for (const ns of QUERY_NAMESPACES) {
      ctx.iq.handle("set", elementCodec("query", ns), async (payload, iq) => {
        const owner = ownArchive(iq);
        const excludePeers = visibility === undefined || isAnonymousAccount(owner) ? undefined : await visibility(iq.from, owner.bareString);
        const target: QueryTarget = { archive: owner.bareString, delayFrom: owner.domain, excludePeers };
        return (await answerQuery(queryDeps, payload, iq.from, target)).fin;
      });
      ctx.iq.handle("get", elementCodec("query", ns), (_payload, iq) => {
        ownArchive(iq);
        return formFieldsElement(ns);
      });
    }
    ctx.iq.handle("get", elementCodec("metadata", NS.mam2), async (_payload, iq) => {
      const owner = ownArchive(iq);
      await writer.flush();
      return metadataElement(await store.bounds(owner.bareString));
    });

    ctx.hooks.on("user.deleted", async ({ user }) => {
      await writer.flush().catch(() => undefined); // queued entries must not land after the delete
      await store.deleteArchive(user.bareString);
    });

    const retention = new RetentionPurge(store, ctx.config.mam.retention_days, ctx.log);
    ctx.onStart(async () => {
      // §6.1: ids keep increasing across restarts.
      ctx.archiveIds.observe(await store.maxId());
      const file = await store.sqliteFile();
      if (file !== undefined) insertWorker = new SqliteInsertWorker(file, SQLITE_INSERT_ROW);
      retention.start();
    });
    ctx.onStop(async () => {
      retention.stop();
      await writer.stop();
      await insertWorker?.close();
      ctx.log.info({ ...writer.stats() }, "archive writer stopped");
    });

    return {
      archive(entry) {
        return writer.push(entry) ? undefined : writer.ready();
      },
      answerQuery: (payload, requester, target) => answerQuery(queryDeps, payload, requester, target),
      query: page,
      async get(archive, id) {
        await writer.flush();
        return store.get(archive, id);
      },
      async copiesOf(id) {
        await writer.flush();
        return store.copiesOf(id);
      },
      async updateStanza(archive, id, stanza) {
        await writer.flush();
        return store.updateStanza(archive, id, typeof stanza === "string" ? stanza : serialize(stanza, NS.client));
      },
      async deleteArchive(archive) {
        await writer.flush();
        return store.deleteArchive(archive);
      },
      setVisibilityFilter(filter) {
        if (visibility !== undefined) throw new Error("mam: a visibility filter is already set");
        visibility = filter;
      },
      flush: () => writer.flush(),
    };
  },
});
