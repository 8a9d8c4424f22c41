/**
 * Roster items and presence subscription state (RFC 6121 §2, §3, Appendix A), one row per
 * (owner, contact). A row that only records a contact's pending request is not in the roster
 * (`in_roster = 0`): RFC 6121 §3.1.3 keeps the request without adding the contact.
 */
import type { Kysely } from "kysely";
import type { Database } from "../../storage/database.js";
import { preparedQuery } from "../../storage/prepared-query.js";
import type { Migration } from "../../storage/migrator.js";
import { stateOf, subscriptionAttr, type SubscriptionAttr, type SubscriptionState } from "./roster.state.js";

export interface RosterTables {
  roster_items: {
    /** The account's bare JID. */
    owner: string;
    /** The contact's JID (bare for every subscription-carrying item). */
    contact: string;
    name: string | null;
    /** JSON array of group names. */
    groups: string;
    subscription: SubscriptionAttr;
    /** 1: pending out (`ask="subscribe"`). */
    ask: number;
    /** 1: pending in, the contact's request awaits an answer. */
    pending_in: number;
    /** The contact's subscribe stanza, redelivered to each new available resource (§3.1.3). */
    pending_stanza: string | null;
    /** 1: shown in the roster; 0: only a pending request is recorded. */
    in_roster: number;
  };
}

export const rosterMigrations: readonly Migration[] = [
  {
    id: "roster-0001-create",
    async up(db) {
      await db.schema
        .createTable("roster_items")
        .addColumn("owner", "text", (c) => c.notNull())
        .addColumn("contact", "text", (c) => c.notNull())
        .addColumn("name", "text")
        .addColumn("groups", "text", (c) => c.notNull())
        .addColumn("subscription", "text", (c) => c.notNull())
        .addColumn("ask", "integer", (c) => c.notNull())
        .addColumn("pending_in", "integer", (c) => c.notNull())
        .addColumn("pending_stanza", "text")
        .addColumn("in_roster", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("roster_items_pk", ["owner", "contact"])
        .execute();
    },
  },
];

export interface RosterRow {
  readonly owner: string;
  readonly contact: string;
  readonly name: string | null;
  readonly groups: readonly string[];
  readonly state: SubscriptionState;
  readonly pendingStanza: string | null;
  readonly inRoster: boolean;
}

type Stored = RosterTables["roster_items"];

function toRow(r: Stored): RosterRow {
  return {
    owner: r.owner,
    contact: r.contact,
    name: r.name,
    groups: JSON.parse(r.groups) as string[],
    state: stateOf(r.subscription, Number(r.ask) === 1, Number(r.pending_in) === 1),
    pendingStanza: r.pending_stanza,
    inRoster: Number(r.in_roster) === 1,
  };
}

function toStored(row: RosterRow): Stored {
  return {
    owner: row.owner,
    contact: row.contact,
    name: row.name,
    groups: JSON.stringify(row.groups),
    subscription: subscriptionAttr(row.state),
    ask: row.state.pendingOut ? 1 : 0,
    pending_in: row.state.pendingIn ? 1 : 0,
    // The request is only worth keeping while it is pending.
    pending_stanza: row.state.pendingIn ? row.pendingStanza : null,
    in_roster: row.inRoster ? 1 : 0,
  };
}

/** What presence needs of a roster (RFC 6121 §4.2.2, §4.5.2, §3.1.3), read in one query per login. */
export interface PresenceContacts {
  /** `from`/`both`: they receive the owner's presence. */
  readonly subscribers: readonly string[];
  /** `to`/`both`: the owner receives theirs (probes at login). */
  readonly subscriptions: readonly string[];
  /** Some contact has a subscription request awaiting the owner's answer. */
  readonly pendingIn: boolean;
}

/** Accounts whose PresenceContacts are kept; beyond that the oldest entry goes (a bound, not an LRU). */
const MAX_SNAPSHOTS = 50_000;

export class SqlRosterStore {
  /**
   * Per-account PresenceContacts, dropped on every write to that account's rows through this store (the only
   * writer of roster_items). Login reads subscribers, subscriptions and pending requests; logout and each
   * presence update read subscribers again: one query instead of four (issue #2: logins/s). Per node: a
   * cluster must invalidate it on the other nodes' writes (noted in docs/architecture.md).
   */
  readonly #snapshots = new Map<string, Promise<PresenceContacts>>();
  readonly #snapshotRows;

  constructor(private readonly db: Kysely<Database>) {
    this.#snapshotRows = preparedQuery(db, (owner: string) =>
      db.selectFrom("roster_items").select(["contact", "subscription", "pending_in"]).where("owner", "=", owner),
    );
  }

  async presenceContacts(owner: string): Promise<PresenceContacts> {
    let snapshot = this.#snapshots.get(owner);
    if (snapshot === undefined) {
      snapshot = this.#loadSnapshot(owner);
      if (this.#snapshots.size >= MAX_SNAPSHOTS) this.#snapshots.delete(this.#snapshots.keys().next().value as string);
      this.#snapshots.set(owner, snapshot);
      const cached = snapshot;
      cached.catch(() => {
        if (this.#snapshots.get(owner) === cached) this.#snapshots.delete(owner);
      });
    }
    return snapshot;
  }

  async #loadSnapshot(owner: string): Promise<PresenceContacts> {
    const subscribers: string[] = [];
    const subscriptions: string[] = [];
    let pendingIn = false;
    for (const r of await this.#snapshotRows(owner)) {
      if (r.subscription === "from" || r.subscription === "both") subscribers.push(r.contact);
      if (r.subscription === "to" || r.subscription === "both") subscriptions.push(r.contact);
      if (Number(r.pending_in) === 1) pendingIn = true;
    }
    return { subscribers, subscriptions, pendingIn };
  }

  /** Every row of the account, hidden pending requests included, sorted by contact. */
  async list(owner: string): Promise<RosterRow[]> {
    const rows = await this.db.selectFrom("roster_items").selectAll().where("owner", "=", owner).execute();
    // Sorted in code: SQLite and PostgreSQL collations order text differently (migrator notes).
    return rows.map(toRow).sort((a, b) => (a.contact < b.contact ? -1 : a.contact > b.contact ? 1 : 0));
  }

  async get(owner: string, contact: string): Promise<RosterRow | undefined> {
    const row = await this.db.selectFrom("roster_items").selectAll().where("owner", "=", owner).where("contact", "=", contact).executeTakeFirst();
    return row === undefined ? undefined : toRow(row);
  }

  /** Inserts or replaces the row of (owner, contact). */
  async put(row: RosterRow): Promise<void> {
    const stored = toStored(row);
    this.#snapshots.delete(stored.owner);
    const { owner: _o, contact: _c, ...changes } = stored;
    await this.db
      .insertInto("roster_items")
      .values(stored)
      .onConflict((oc) => oc.columns(["owner", "contact"]).doUpdateSet(changes))
      .execute();
  }

  async delete(owner: string, contact: string): Promise<boolean> {
    this.#snapshots.delete(owner);
    const result = await this.db.deleteFrom("roster_items").where("owner", "=", owner).where("contact", "=", contact).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async deleteOwner(owner: string): Promise<number> {
    this.#snapshots.delete(owner);
    const result = await this.db.deleteFrom("roster_items").where("owner", "=", owner).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Contacts that receive the owner's presence (`from`/`both`). */
  async subscribers(owner: string): Promise<readonly string[]> {
    return (await this.presenceContacts(owner)).subscribers;
  }

  /** Contacts whose presence the owner receives (`to`/`both`). */
  async subscriptions(owner: string): Promise<readonly string[]> {
    return (await this.presenceContacts(owner)).subscriptions;
  }

  /** Subscription requests awaiting the owner's answer that have a stanza to redeliver. */
  async pendingRequests(owner: string): Promise<{ contact: string; stanza: string }[]> {
    if (!(await this.presenceContacts(owner)).pendingIn) return [];
    const rows = await this.db
      .selectFrom("roster_items")
      .select(["contact", "pending_stanza"])
      .where("owner", "=", owner)
      .where("pending_in", "=", 1)
      .where("pending_stanza", "is not", null)
      .execute();
    return rows.flatMap((r) => (r.pending_stanza === null ? [] : [{ contact: r.contact, stanza: r.pending_stanza }]));
  }
}
