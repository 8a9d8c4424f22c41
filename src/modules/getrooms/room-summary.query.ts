/**
 * The chat-list summary of `ns:getrooms` (PROTOCOL §7.3 Extension) as one statement for a whole page of rooms, read
 * from the room archives (PROTOCOL §6.3: each room entry keeps the sender's real bare JID in `peer`). Every
 * per-room subquery is a seek or a bounded range on the archive key `mam_messages_key (archive, id, peer)`
 * (mam.store.ts), which also covers `peer`, so no room's whole archive is read:
 * - the newest visible entry: `order by id desc limit 1`;
 * - unread: entries with id above the room's bound, counted in a subquery limited to `cap` rows, so at most `cap`
 *   qualifying index entries are read (plus the requester's own and blocked senders' entries skipped among them).
 * The same SQL runs on SQLite and PostgreSQL.
 */
import { sql, type Kysely, type RawBuilder } from "kysely";
import type { Database } from "../../storage/database.js";

export interface SummaryTarget {
  /** The room's bare JID (its archive). */
  readonly archive: string;
  /** Entries with an id above this one may count as unread (read-state.ts unreadAfterId). */
  readonly unreadAfter: number;
}

export interface SummaryOptions {
  /** The requester's bare JID: its own messages are never unread. */
  readonly requester: string;
  /** Senders whose entries the requester does not see (§6.8 block filtering): not the last message. */
  readonly hidden: readonly string[];
  /** Senders the requester blocked (§7.7): never unread. */
  readonly blocked: readonly string[];
  /** The count stops here (§7.3: 1000). */
  readonly cap: number;
}

export interface RoomSummary {
  readonly lastId: number | undefined;
  readonly lastFrom: string | undefined;
  readonly unread: number;
}

interface Row {
  archive: string;
  last_id: number | string | null;
  last_peer: string | null;
  unread: number | string;
}

/** Summaries by room bare JID, for every target. */
export async function roomSummaries(db: Kysely<Database>, targets: readonly SummaryTarget[], options: SummaryOptions): Promise<Map<string, RoomSummary>> {
  const out = new Map<string, RoomSummary>();
  if (targets.length === 0) return out;
  const cap = Math.max(1, Math.floor(options.cap));
  const values = sql.join(targets.map((t) => sql`(${t.archive}, cast(${t.unreadAfter} as bigint))`));
  const visible = notIn(options.hidden);
  const unreadWhere = sql`m.archive = r.archive and m.id > r.after_id and m.peer <> ${options.requester}${notIn(options.blocked)}`;
  const query = sql<Row>`with r(archive, after_id) as (values ${values})
select r.archive as archive,
  (select m.id from mam_messages m where m.archive = r.archive${visible} order by m.id desc limit 1) as last_id,
  (select m.peer from mam_messages m where m.archive = r.archive${visible} order by m.id desc limit 1) as last_peer,
  (select count(*) from (select 1 as one from mam_messages m where ${unreadWhere} order by m.id limit ${sql.lit(cap)}) capped) as unread
from r`;
  const { rows } = await query.execute(db);
  for (const row of rows) {
    out.set(row.archive, {
      lastId: row.last_id === null ? undefined : Number(row.last_id),
      lastFrom: row.last_peer ?? undefined,
      unread: Math.min(cap, Number(row.unread)),
    });
  }
  return out;
}

function notIn(peers: readonly string[]): RawBuilder<unknown> {
  return peers.length === 0 ? sql`` : sql` and m.peer not in (${sql.join(peers)})`;
}
