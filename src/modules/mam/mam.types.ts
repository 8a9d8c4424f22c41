/**
 * The archive's data model (PROTOCOL §6.1–§6.5), shared by user archives and room archives: one entry
 * per (archive, id), filters and RSM paging as typed values.
 */

/** What kind of entry a row is; stored as a small integer. */
export const EntryKind = {
  /** A 1:1 message in a user archive (§6.2). */
  chat: 1,
  /** A room message in a room archive (§6.3). */
  room: 2,
  /** A MucSub copy of a room message in a subscriber's user archive (§5.6). */
  mucsub: 3,
} as const;
export type EntryKindValue = (typeof EntryKind)[keyof typeof EntryKind];

/** One archive entry, as written and as read back. */
export interface ArchiveEntry {
  /** The archive owner's bare JID (user or room). */
  readonly archive: string;
  /** The archive id (§6.1): µs timestamp, the same for every copy of one message. */
  readonly id: number;
  /** Bare JID of the other party (user archive), or the room sender's real bare JID (room archive). */
  readonly peer: string;
  /** The other party's resource, "" when none (matches `with` full JIDs, §6.4). */
  readonly peerResource: string;
  /** The sender's room nick (room entries and MucSub copies), else null. */
  readonly nick: string | null;
  readonly kind: EntryKindValue;
  /** The client's message id (origin-id, else the stanza id), for later lookups; null when none. */
  readonly originId: string | null;
  /** The stored stanza, serialised (§6.3), without the archive owner's stamps. */
  readonly stanza: string;
  /**
   * The sender's real bare JID, for §6.8 block filtering of user archives (1:1 rows in both directions, MucSub
   * copies). Optional for writers; stored as "" when absent (room rows filter on `peer`, which is the sender).
   */
  readonly sender?: string | undefined;
}

/** Form filters of a query (§6.4); every field optional. */
export interface ArchiveFilters {
  /** `with`: the peer's bare JID, plus its resource when the filter was a full JID. */
  readonly with?: { readonly bare: string; readonly resource?: string | undefined } | undefined;
  /** `start` in µs, inclusive. */
  readonly start?: number | undefined;
  /** `end` in µs, inclusive. */
  readonly end?: number | undefined;
  /** Peers whose entries are invisible to the requester, removed before paging and counting (§6.8). */
  readonly excludePeers?: readonly string[] | undefined;
  /** Senders whose entries are invisible to the requester (the `sender` column), removed before paging and counting (§6.8). */
  readonly excludeSenders?: readonly string[] | undefined;
}

/** RSM (XEP-0059) as §6.4–§6.5 read it. */
export interface PageRequest {
  /** Already clamped to 0..250. */
  readonly max: number;
  readonly after?: number | undefined;
  /** "last" is an empty `<before/>`: the latest page. */
  readonly before?: number | "last" | undefined;
  /** Offset into C; only used when neither `after` nor `before` is given. */
  readonly index?: number | undefined;
}

export interface Page {
  /** Oldest first. */
  readonly entries: readonly ArchiveEntry[];
  /** |C|: entries matching the filters, whatever the page bounds. */
  readonly count: number;
  /** 0-based position of the first returned entry in C (meaningless when `entries` is empty). */
  readonly firstIndex: number;
  /** No further entries in the paging direction (§6.5). */
  readonly complete: boolean;
}

export const MAX_PAGE = 250;
export const DEFAULT_PAGE = 50;
