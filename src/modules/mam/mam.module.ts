/**
 * Message Archive Management (XEP-0313, PROTOCOL §6): user archives of 1:1 messages, queried with
 * `urn:xmpp:mam:2` (and `:1`); the same store, writer and query code serve room archives through
 * the API below. Writes are batched behind the routing path (archive-writer.ts, ADR 0002).
 */
import { defineModule } from "../../core/module.js";
import type { HookMap } from "../../core/hook-map.js";
import type { Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { MessageArchive } from "./mam.archive.js";
import { registerUserArchiveIqs, type VisibilityFilter } from "./mam.iq.js";
import { answerQuery, type QueryDeps, type QuerySummary, type QueryTarget } from "./mam.query.js";
import { RetentionPurge } from "./mam.retention.js";
import { localDomainTest } from "./mam.stamps.js";
import { mamMigrations } from "./mam.store.js";
import type { ArchiveEntry, ArchiveFilters, Page, PageRequest } from "./mam.types.js";
import { senderCopyArchiver, userArchiveHook } from "./mam.user-archive.js";

export type { ArchiveEntry, ArchiveFilters, Page, PageRequest, QuerySummary, QueryTarget, VisibilityFilter };
export { EntryKind } from "./mam.types.js";

export interface MamApi {
  /** Queues an entry (write-behind). A returned promise asks the caller to wait: the queue is full. */
  archive(entry: ArchiveEntry): void | Promise<void>;
  /**
   * Answers a `<query>` payload against one archive (a room's, for the MUC service): sends the result
   * messages to `requester` and returns the `<fin>` for the IQ result, with a summary for auditing.
   * Throws StanzaError, having sent nothing, on a malformed request.
   */
  answerQuery(payload: Element, requester: Jid, target: QueryTarget): Promise<{ fin: Element; summary: QuerySummary }>;
  /** One page of an archive (every read below sees every entry queued before the call). */
  query(archive: string, filters: ArchiveFilters, page: PageRequest): Promise<Page>;
  get(archive: string, id: number): Promise<ArchiveEntry | undefined>;
  /** Every stored copy of a message (the same id in several archives, §6.1): MucSub copies, both sides of a 1:1. */
  copiesOf(id: number): Promise<ArchiveEntry[]>;
  /** Replaces an entry's stanza in place (edits, deletes, §6.3); false when there is no such entry. */
  updateStanza(archive: string, id: number, stanza: Element | string): Promise<boolean>;
  deleteArchive(archive: string): Promise<number>;
  /** Hides senders from readers of user archives (block filtering, §6.8); one filter, set during setup. */
  setVisibilityFilter(filter: VisibilityFilter): void;
  /** The senders hidden from `requester` in `archive` by that filter (room archives ask here, §6.8); [] without one. */
  hiddenSenders(requester: Jid, archive: string): readonly string[] | Promise<readonly string[]>;
  /**
   * §6.2 Extension (block filtering, §7.7): archives a 1:1 message that a `message.routing` guard stops (the
   * recipient blocked the sender) in the sender's archive only, as sent. Same backpressure contract as `archive`.
   */
  archiveSenderCopy(payload: HookMap["message.routing"]): void | Promise<void>;
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
    const archive = new MessageArchive(ctx.db, ctx.dialect, ctx.log);
    const queryDeps: QueryDeps = { page: (a, f, p) => archive.page(a, f, p), router: ctx.router, sessions: ctx.sessions, log: ctx.log };
    let visibility: VisibilityFilter | undefined;

    const userArchiveDeps = { hosts: new Set(ctx.hosts), isLocalDomain: localDomainTest(ctx.hosts), ids: ctx.archiveIds, writer: archive.writer };
    ctx.hooks.on("message.routing", userArchiveHook(userArchiveDeps));
    const archiveSenderCopy = senderCopyArchiver(userArchiveDeps);
    registerUserArchiveIqs(ctx, archive, queryDeps, () => visibility);
    ctx.hooks.on("user.deleted", async ({ user }) => {
      await archive.flush().catch(() => undefined); // entries still queued must not land after the delete
      await archive.store.deleteArchive(user.bareString);
    });

    const retention = new RetentionPurge(archive.store, ctx.config.mam.retention_days, ctx.log);
    ctx.onStart(async () => {
      ctx.archiveIds.observe(await archive.start()); // §6.1: ids keep increasing across restarts
      retention.start();
    });
    ctx.onStop(async () => {
      retention.stop();
      await archive.stop();
    });

    return {
      archive: (entry) => archive.archive(entry),
      answerQuery: (payload, requester, target) => answerQuery(queryDeps, payload, requester, target),
      query: (a, f, p) => archive.page(a, f, p),
      get: (a, id) => archive.get(a, id),
      copiesOf: (id) => archive.copiesOf(id),
      updateStanza: (a, id, stanza) => archive.updateStanza(a, id, stanza),
      deleteArchive: (a) => archive.deleteArchive(a),
      setVisibilityFilter(filter) {
        if (visibility !== undefined) throw new Error("mam: a visibility filter is already set");
        visibility = filter;
      },
      hiddenSenders: (requester, a) => (visibility === undefined ? [] : visibility(requester, a)),
      archiveSenderCopy,
      flush: () => archive.flush(),
    };
  },
});
