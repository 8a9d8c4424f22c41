/**
 * Persistence of §7.6 user bans (PROTOCOL §7.6 Effects): one row per (user, type, scope), where the scope
 * is the room's bare JID for `type="room"` and the target's App id (or "" for a user with no App) for
 * `type="all"`. `expires_at` is epoch milliseconds, 0 for permanent; expired rows are ignored by every
 * read and purged lazily (`purgeExpired`).
 */
import type { Kysely } from "kysely";
import type { Database } from "../../storage/database.js";
import type { Migration } from "../../storage/migrator.js";

export type BanType = "room" | "all";

export interface BanTables {
  user_bans: { jid: string; type: string; scope: string; expires_at: number; comment: string; banned_by: string; created_at: number };
}

export interface BanRecord {
  /** The banned bare JID. */
  readonly user: string;
  readonly type: BanType;
  /** The room's bare JID (`room`), or the target's App id, "" when it has none (`all`). */
  readonly scope: string;
  /** Epoch milliseconds; 0 = permanent. */
  readonly expiresAt: number;
  readonly comment: string;
  /** The actor's bare JID. */
  readonly by: string;
  /** Epoch milliseconds. */
  readonly createdAt: number;
}

/** What enforcement needs of a ban that may apply in a room. */
export interface RoomBan {
  readonly user: string;
  readonly type: BanType;
  readonly expiresAt: number;
}

export const banMigrations: readonly Migration[] = [
  {
    id: "ban-0001-create",
    async up(db) {
      await db.schema
        .createTable("user_bans")
        .addColumn("jid", "text", (c) => c.notNull())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("scope", "text", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .addColumn("comment", "text", (c) => c.notNull())
        .addColumn("banned_by", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("user_bans_pk", ["jid", "type", "scope"])
        .execute();
      // The enforcement read (forRoom) and the lists select by scope.
      await db.schema.createIndex("user_bans_scope").on("user_bans").columns(["scope", "type"]).execute();
    },
  },
];

/** Creation order, ties by JID bytewise (the backends collate text differently, storage/migrator.ts). */
export function byCreation(a: BanRecord, b: BanRecord): number {
  return a.createdAt - b.createdAt || (a.user < b.user ? -1 : a.user > b.user ? 1 : 0);
}

export class SqlBanStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** §7.6: a new record replaces the old one for the same user and scope. */
  async upsert(ban: BanRecord): Promise<void> {
    const values = {
      jid: ban.user,
      type: ban.type,
      scope: ban.scope,
      expires_at: ban.expiresAt,
      comment: ban.comment,
      banned_by: ban.by,
      created_at: ban.createdAt,
    };
    await this.db
      .insertInto("user_bans")
      .values(values)
      .onConflict((oc) =>
        oc.columns(["jid", "type", "scope"]).doUpdateSet({ expires_at: values.expires_at, comment: values.comment, banned_by: values.banned_by, created_at: values.created_at }),
      )
      .execute();
  }

  /** Returns how many rows went (0 when there was no ban: unban still succeeds, §7.6). */
  async remove(user: string, type: BanType, scope: string): Promise<number> {
    const result = await this.db.deleteFrom("user_bans").where("jid", "=", user).where("type", "=", type).where("scope", "=", scope).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * Live bans that may apply in a room (one round trip): its `room` bans, and the `all` bans of its App
   * (`app`, the room localpart's prefix) and of users with no App (those cover every room, §7.6 Scope).
   */
  async forRoom(room: string, app: string | undefined, now: number): Promise<RoomBan[]> {
    const apps = app === undefined ? [""] : ["", app];
    const rows = await this.db
      .selectFrom("user_bans")
      .select(["jid", "type", "expires_at"])
      .where((eb) =>
        eb.and([
          eb.or([eb("expires_at", "=", 0), eb("expires_at", ">", now)]),
          eb.or([eb.and([eb("type", "=", "room"), eb("scope", "=", room)]), eb.and([eb("type", "=", "all"), eb("scope", "in", apps)])]),
        ]),
      )
      .execute();
    return rows.map((r) => ({ user: r.jid, type: r.type as BanType, expiresAt: Number(r.expires_at) }));
  }

  /** Live bans of one type, optionally of one scope, oldest first; with `limit`, only the newest ones. */
  async list(type: BanType, scope: string | undefined, now: number, limit?: number): Promise<BanRecord[]> {
    let query = this.db
      .selectFrom("user_bans")
      .selectAll()
      .where("type", "=", type)
      .where((eb) => eb.or([eb("expires_at", "=", 0), eb("expires_at", ">", now)]));
    if (scope !== undefined) query = query.where("scope", "=", scope);
    if (limit !== undefined) query = query.orderBy("created_at", "desc").limit(limit);
    const rows = await query.execute();
    return rows
      .map((r) => ({
        user: r.jid,
        type: r.type as BanType,
        scope: r.scope,
        expiresAt: Number(r.expires_at),
        comment: r.comment,
        by: r.banned_by,
        createdAt: Number(r.created_at),
      }))
      .sort(byCreation);
  }

  /** `user.deleted`: the account's own bans go with it (the bans it issued stay). */
  async deleteUser(user: string): Promise<void> {
    await this.db.deleteFrom("user_bans").where("jid", "=", user).execute();
  }

  /** §3.14 destroy: the room's `room` bans. */
  async deleteRoom(room: string): Promise<void> {
    await this.db.deleteFrom("user_bans").where("type", "=", "room").where("scope", "=", room).execute();
  }

  /** §7.6 "Expired bans have no effect and MAY be purged". Returns how many went. */
  async purgeExpired(now: number): Promise<number> {
    const result = await this.db.deleteFrom("user_bans").where("expires_at", ">", 0).where("expires_at", "<=", now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
