/**
 * The App registry (PROTOCOL §1.7 Extension, §8.6) and the pinned-room jobs that must survive a restart:
 * one row per App (owners and pinned rooms as JSON text), one row per (App, room) job with its cursor.
 * One SQL implementation for SQLite and PostgreSQL (DESIGN §2.7).
 */
import type { Kysely } from "kysely";
import type { Database } from "../../storage/database.js";
import type { Migration } from "../../storage/migrator.js";

export interface AppsTables {
  apps: { app_id: string; name: string; owners: string; pinned_rooms: string; created_at: number };
  app_pin_jobs: { app_id: string; room: string; host: string; after: string; created_at: number };
}

export const appsMigrations: readonly Migration[] = [
  {
    id: "apps-0001-registry",
    async up(db) {
      await db.schema
        .createTable("apps")
        .addColumn("app_id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("owners", "text", (c) => c.notNull())
        .addColumn("pinned_rooms", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("app_pin_jobs")
        .addColumn("app_id", "text", (c) => c.notNull())
        .addColumn("room", "text", (c) => c.notNull())
        // The cursor: the host being walked and the last localpart done there ("" = from the start).
        .addColumn("host", "text", (c) => c.notNull())
        .addColumn("after", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("app_pin_jobs_pk", ["app_id", "room"])
        .execute();
    },
  },
];

export interface AppRecord {
  readonly appId: string;
  readonly name: string;
  /** Bare JIDs. */
  readonly owners: readonly string[];
  /** Room bare JIDs. */
  readonly pinnedRooms: readonly string[];
  readonly createdAt: number;
}

/** A newly pinned room being applied to an App's existing users (§1.7), with where it got to. */
export interface PinJob {
  readonly appId: string;
  readonly room: string;
  readonly host: string;
  readonly after: string;
  readonly createdAt: number;
}

export class SqlAppStore {
  constructor(private readonly db: Kysely<Database>) {}

  async loadApps(): Promise<AppRecord[]> {
    const rows = await this.db.selectFrom("apps").selectAll().execute();
    return rows.map((r) => ({
      appId: r.app_id,
      name: r.name,
      owners: parseList(r.owners),
      pinnedRooms: parseList(r.pinned_rooms),
      createdAt: Number(r.created_at),
    }));
  }

  async saveApp(app: AppRecord): Promise<void> {
    const values = { name: app.name, owners: JSON.stringify(app.owners), pinned_rooms: JSON.stringify(app.pinnedRooms) };
    await this.db
      .insertInto("apps")
      .values({ app_id: app.appId, ...values, created_at: app.createdAt })
      .onConflict((oc) => oc.column("app_id").doUpdateSet(values))
      .execute();
  }

  /** Also drops the App's pending jobs (§1.7: unpinning changes nothing already applied, and applies nothing more). */
  async deleteApp(appId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("app_pin_jobs").where("app_id", "=", appId).execute();
      await trx.deleteFrom("apps").where("app_id", "=", appId).execute();
    });
  }

  /** Oldest first. */
  async loadJobs(): Promise<PinJob[]> {
    const rows = await this.db.selectFrom("app_pin_jobs").selectAll().orderBy("created_at").execute();
    return rows.map((r) => ({ appId: r.app_id, room: r.room, host: r.host, after: r.after, createdAt: Number(r.created_at) }));
  }

  /** Inserts a job, or moves an existing one's cursor. */
  async saveJob(job: PinJob): Promise<void> {
    await this.db
      .insertInto("app_pin_jobs")
      .values({ app_id: job.appId, room: job.room, host: job.host, after: job.after, created_at: job.createdAt })
      .onConflict((oc) => oc.columns(["app_id", "room"]).doUpdateSet({ host: job.host, after: job.after }))
      .execute();
  }

  async deleteJob(appId: string, room: string): Promise<void> {
    await this.db.deleteFrom("app_pin_jobs").where("app_id", "=", appId).where("room", "=", room).execute();
  }
}

function parseList(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  } catch {
    return [];
  }
}
