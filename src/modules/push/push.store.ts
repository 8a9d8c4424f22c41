/**
 * Persistence of push state (PROTOCOL §7.12, §7.13): per-user room mutes and XEP-0357 device
 * registrations, keyed by the account's bare JID. One SQL implementation for SQLite and PostgreSQL.
 */
import type { Kysely } from "kysely";
import type { Database } from "../../storage/database.js";
import type { Migration } from "../../storage/migrator.js";

export interface PushTables {
  /** `until` is Unix seconds, 0 = forever (§7.12). */
  push_mutes: { owner: string; room: string; until: number; created_at: number };
  /** One XEP-0357 device: (account, service JID, node), with its publish-options form serialised (or null). */
  push_registrations: { owner: string; service: string; node: string; options: string | null; created_at: number };
}

export interface MuteRow {
  readonly room: string;
  readonly until: number;
}

export interface Registration {
  readonly owner: string;
  readonly service: string;
  readonly node: string;
  /** The `<x xmlns="jabber:x:data">` publish-options form as received, serialised; null when none. */
  readonly options: string | null;
  readonly createdAt: number;
}

export const pushMigrations: readonly Migration[] = [
  {
    id: "push-0001-create",
    async up(db) {
      await db.schema
        .createTable("push_mutes")
        .addColumn("owner", "text", (c) => c.notNull())
        .addColumn("room", "text", (c) => c.notNull())
        .addColumn("until", "bigint", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("push_mutes_pk", ["owner", "room"])
        .execute();
      await db.schema.createIndex("push_mutes_room").on("push_mutes").column("room").execute();
      await db.schema
        .createTable("push_registrations")
        .addColumn("owner", "text", (c) => c.notNull())
        .addColumn("service", "text", (c) => c.notNull())
        .addColumn("node", "text", (c) => c.notNull())
        .addColumn("options", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("push_registrations_pk", ["owner", "service", "node"])
        .execute();
    },
  },
];

export class SqlPushStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Every mute of the owner (expired ones included; callers filter by time), sorted by room. */
  async mutes(owner: string): Promise<MuteRow[]> {
    const rows = await this.db.selectFrom("push_mutes").select(["room", "until"]).where("owner", "=", owner).execute();
    return rows.map((r) => ({ room: r.room, until: Number(r.until) })).sort((a, b) => (a.room < b.room ? -1 : a.room > b.room ? 1 : 0));
  }

  async setMute(owner: string, room: string, until: number, now: number): Promise<void> {
    await this.db
      .insertInto("push_mutes")
      .values({ owner, room, until, created_at: now })
      .onConflict((oc) => oc.columns(["owner", "room"]).doUpdateSet({ until }))
      .execute();
  }

  async removeMutes(owner: string, rooms: readonly string[]): Promise<void> {
    if (rooms.length === 0) return;
    await this.db.deleteFrom("push_mutes").where("owner", "=", owner).where("room", "in", [...rooms]).execute();
  }

  /** A destroyed room's mutes (every owner); returns the owners that had one. */
  async removeRoom(room: string): Promise<string[]> {
    const rows = await this.db.selectFrom("push_mutes").select("owner").where("room", "=", room).execute();
    await this.db.deleteFrom("push_mutes").where("room", "=", room).execute();
    return rows.map((r) => r.owner);
  }

  /** Oldest first. */
  async registrations(owner: string): Promise<Registration[]> {
    const rows = await this.db.selectFrom("push_registrations").selectAll().where("owner", "=", owner).execute();
    return rows
      .map((r) => ({ owner: r.owner, service: r.service, node: r.node, options: r.options, createdAt: Number(r.created_at) }))
      .sort((a, b) => a.createdAt - b.createdAt || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  }

  /**
   * Adds or refreshes one device (a re-registration becomes the newest, with the new options), then
   * removes the oldest registrations beyond `max` (§7.13). Returns the removed ones.
   */
  async register(reg: Registration, max: number): Promise<Registration[]> {
    await this.db
      .insertInto("push_registrations")
      .values({ owner: reg.owner, service: reg.service, node: reg.node, options: reg.options, created_at: reg.createdAt })
      .onConflict((oc) => oc.columns(["owner", "service", "node"]).doUpdateSet({ options: reg.options, created_at: reg.createdAt }))
      .execute();
    const all = await this.registrations(reg.owner);
    const excess = all.slice(0, Math.max(0, all.length - max));
    for (const old of excess) await this.unregister(old.owner, old.service, old.node);
    return excess;
  }

  /** One device, or with `node` undefined every device of that service. Returns how many went. */
  async unregister(owner: string, service: string, node?: string): Promise<number> {
    let query = this.db.deleteFrom("push_registrations").where("owner", "=", owner).where("service", "=", service);
    if (node !== undefined) query = query.where("node", "=", node);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Account removal (§8.5 `unregister`: mutes and push registrations go). */
  async deleteOwner(owner: string): Promise<void> {
    await this.db.deleteFrom("push_mutes").where("owner", "=", owner).execute();
    await this.db.deleteFrom("push_registrations").where("owner", "=", owner).execute();
  }
}
