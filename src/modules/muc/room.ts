/**
 * The state of one room (XEP-0045, PROTOCOL §3): configuration, affiliations, occupants, subject and
 * the optional history ring. Handlers in room-*.ts change it; other modules read it through
 * `RoomView` (members for MucSub and `ns:getrooms`, options for MAM access rules).
 */
import type { Jid } from "../../xmpp/jid.js";
import { AffiliationTable, type Affiliation, type Role } from "./affiliations.js";
import { HistoryBuffer } from "./room-history.js";
import type { RoomConfig } from "./room-config.js";
import { OccupantTable, type Occupant } from "./occupants.js";

/** A token bucket for senders who are not occupants (§3.6 step 4). */
interface Bucket {
  tokens: number;
  refilledAt: number;
}

export class Room {
  readonly occupants = new OccupantTable();
  readonly affiliations = new AffiliationTable();
  subject = "";
  subjectAuthor = "";
  destroyed = false;
  #history: HistoryBuffer | undefined;
  #buckets: Map<string, Bucket> | undefined;

  constructor(
    readonly jid: Jid,
    public config: RoomConfig,
    readonly createdAt: number,
  ) {
    this.#syncHistory();
  }

  /** The room localpart. */
  get name(): string {
    return this.jid.local;
  }

  /** The MUC service domain. */
  get service(): string {
    return this.jid.domain;
  }

  /** Its App prefix (PROTOCOL §1.6): the localpart text before the first `_`, or undefined. */
  get app(): string | undefined {
    const i = this.jid.local.indexOf("_");
    return i < 0 ? undefined : this.jid.local.slice(0, i);
  }

  affiliation(bare: string): Affiliation {
    return this.affiliations.get(bare);
  }

  occupantJid(nick: string): Jid {
    return this.jid.withResource(nick);
  }

  get history(): HistoryBuffer | undefined {
    return this.#history;
  }

  setConfig(config: RoomConfig): void {
    this.config = config;
    this.#syncHistory();
  }

  #syncHistory(): void {
    const size = this.config.history_size;
    if (size === 0) this.#history = undefined;
    else if (this.#history?.capacity !== size) {
      const old = this.#history?.entries() ?? [];
      this.#history = new HistoryBuffer(size);
      for (const e of old) this.#history.push(e);
    }
  }

  /** §3.6 step 4: takes one token of the (room, sender) bucket; false when it is empty. */
  takeToken(sender: Occupant | string, rate: { readonly per_second: number; readonly burst: number }, now: number): boolean {
    let bucket: Bucket;
    if (typeof sender === "string") {
      this.#buckets ??= new Map();
      bucket = this.#buckets.get(sender) ?? { tokens: rate.burst, refilledAt: now };
      this.#buckets.set(sender, bucket);
    } else {
      bucket = sender;
      if (bucket.tokens < 0) {
        bucket.tokens = rate.burst;
        bucket.refilledAt = now;
      }
    }
    const refill = ((now - bucket.refilledAt) * rate.per_second) / 1000;
    if (refill > 0) {
      bucket.tokens = Math.min(rate.burst, bucket.tokens + refill);
      bucket.refilledAt = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Nicks held by occupants of `bare`. */
  nicksOf(bare: string): string[] {
    return this.occupants.allByBare(bare).map((o) => o.nick);
  }
}

/** What other modules may read of a room. */
export interface RoomView {
  readonly jid: Jid;
  readonly name: string;
  readonly service: string;
  readonly app: string | undefined;
  readonly config: Readonly<RoomConfig>;
  readonly subject: string;
  readonly createdAt: number;
  readonly destroyed: boolean;
  affiliation(bare: string): Affiliation;
  readonly affiliations: { list(filter?: Affiliation): readonly { jid: string; affiliation: Affiliation; reason: string }[] };
  readonly occupants: {
    readonly count: number;
    byNick(nick: string): OccupantView | undefined;
    byFullJid(full: string): OccupantView | undefined;
    byBare(bare: string): OccupantView | undefined;
    [Symbol.iterator](): IterableIterator<OccupantView>;
    recipients(): readonly Jid[];
  };
}

export interface OccupantView {
  readonly nick: string;
  readonly bare: Jid;
  readonly role: Role;
  readonly sessions: ReadonlyMap<string, { readonly jid: Jid }>;
}
