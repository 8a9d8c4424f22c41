// Contract of the storage plumbing (open-database, migrator, sql-errors) on every backend (DESIGN.md §2.7, §2.9).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sql } from "kysely";
import type { Kysely } from "kysely";
import type { Database } from "../../src/storage/database.js";
import { runMigrations } from "../../src/storage/migrator.js";
import type { Migration } from "../../src/storage/migrator.js";
import { openDatabase } from "../../src/storage/open-database.js";
import type { OpenedDatabase } from "../../src/storage/open-database.js";
import { isUniqueViolation } from "../../src/storage/sql-errors.js";
import { backendsUnderTest, openTestDatabase, postgresTestUrl } from "../harness/test-database.js";

// A type alias, not an interface: withTables() wants an indexable record.
type ProbeTables = {
  probe: { id: string; label: string; stamp: number };
};

/** Creates table `name` (without IF NOT EXISTS, so applying it twice fails) and records each call. */
function tableMigration(id: string, name: string, calls: string[] = []): Migration {
  return {
    id,
    up: async (db) => {
      calls.push(id);
      await db.schema
        .createTable(name)
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("label", "text", (c) => c.notNull().unique())
        .addColumn("stamp", "bigint", (c) => c.notNull())
        .execute();
    },
  };
}

/** Tables of this database only: on PostgreSQL, introspection lists every schema's tables. */
async function tableNames(opened: OpenedDatabase): Promise<string[]> {
  const schema = opened.dialect === "postgres" ? await currentSchema(opened.db) : undefined;
  const tables = await opened.db.introspection.getTables();
  return tables.filter((t) => t.schema === schema).map((t) => t.name).sort();
}

async function appliedIds(db: Kysely<Database>): Promise<string[]> {
  return (await db.selectFrom("schema_migrations").select("id").orderBy("id").execute()).map((r) => r.id);
}

async function currentSchema(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ name: string }>`select current_schema() as name`.execute(db);
  const name = rows[0]?.name;
  if (name === undefined) throw new Error("no current schema");
  return name;
}

describe.each(backendsUnderTest())("storage plumbing on %s", (backend) => {
  let opened: OpenedDatabase;
  let probe: Kysely<Database & ProbeTables>;

  beforeEach(async () => {
    opened = await openTestDatabase(backend);
    probe = opened.db.withTables<ProbeTables>();
  });
  afterEach(() => opened.close());

  it("reports the backend it was opened on", () => {
    expect(opened.dialect).toBe(backend);
  });

  it("applies each migration once, and nothing on a second run", async () => {
    const calls: string[] = [];
    const migrations = [tableMigration("probe-0001-create", "probe", calls), tableMigration("other-0001-create", "other", calls)];
    expect(await runMigrations(opened, migrations)).toEqual(["probe-0001-create", "other-0001-create"]);
    expect(await runMigrations(opened, migrations)).toEqual([]);
    expect(calls).toEqual(["probe-0001-create", "other-0001-create"]);
    expect(await appliedIds(opened.db)).toEqual(["other-0001-create", "probe-0001-create"]);
    expect(await tableNames(opened)).toEqual(["other", "probe", "schema_migrations"]);
  });

  it("applies only the migrations added since the last run, in the order given", async () => {
    const calls: string[] = [];
    await runMigrations(opened, [tableMigration("probe-0001-create", "probe", calls)]);
    const later = [tableMigration("probe-0001-create", "probe", calls), tableMigration("z-0001", "z", calls), tableMigration("a-0001", "a", calls)];
    expect(await runMigrations(opened, later)).toEqual(["z-0001", "a-0001"]);
    expect(calls).toEqual(["probe-0001-create", "z-0001", "a-0001"]);
  });

  it("passes the dialect to each migration", async () => {
    const seen: string[] = [];
    await runMigrations(opened, [{ id: "dialect-0001", up: async (_db, dialect) => void seen.push(dialect) }]);
    expect(seen).toEqual([backend]);
  });

  it("rejects duplicate migration ids before touching the database", async () => {
    const calls: string[] = [];
    const migrations = [tableMigration("probe-0001-create", "probe", calls), tableMigration("probe-0001-create", "other", calls)];
    await expect(runMigrations(opened, migrations)).rejects.toThrow(/duplicate migration id "probe-0001-create"/);
    expect(calls).toEqual([]);
    expect(await tableNames(opened)).toEqual([]);
  });

  it("rolls back a failing migration, keeping the ones before it and recording nothing for it", async () => {
    const failing: Migration = {
      id: "broken-0001",
      up: async (db) => {
        await db.schema.createTable("half_done").addColumn("id", "text").execute();
        throw new Error("migration bug");
      },
    };
    await expect(runMigrations(opened, [tableMigration("probe-0001-create", "probe"), failing])).rejects.toThrow("migration bug");
    expect(await appliedIds(opened.db)).toEqual(["probe-0001-create"]);
    expect(await tableNames(opened)).toEqual(["probe", "schema_migrations"]);
  });

  it("round-trips bigints above 2^32 (µs timestamps) as numbers, and counts as numbers", async () => {
    await runMigrations(opened, [tableMigration("probe-0001-create", "probe")]);
    const stamps = [2 ** 32 + 7, 1_732_000_000_123_456];
    await probe.insertInto("probe").values(stamps.map((stamp, i) => ({ id: `r${i}`, label: `l${i}`, stamp }))).execute();
    const rows = await probe.selectFrom("probe").select("stamp").orderBy("stamp").execute();
    expect(rows.map((r) => r.stamp)).toEqual(stamps);
    expect(rows.every((r) => typeof r.stamp === "number")).toBe(true);
    const { count } = await probe.selectFrom("probe").select((eb) => eb.fn.countAll<number>().as("count")).executeTakeFirstOrThrow();
    expect(count).toBe(2);
  });

  it("recognises a duplicate primary key or unique value, and nothing else, as a unique violation", async () => {
    await runMigrations(opened, [tableMigration("probe-0001-create", "probe")]);
    await probe.insertInto("probe").values({ id: "a", label: "one", stamp: 1 }).execute();
    const duplicateKey = await probe.insertInto("probe").values({ id: "a", label: "two", stamp: 1 }).execute().catch((e: unknown) => e);
    const duplicateLabel = await probe.insertInto("probe").values({ id: "b", label: "one", stamp: 1 }).execute().catch((e: unknown) => e);
    const missingTable = await sql`insert into nowhere (id) values (1)`.execute(opened.db).catch((e: unknown) => e);
    expect(isUniqueViolation(duplicateKey)).toBe(true);
    expect(isUniqueViolation(duplicateLabel)).toBe(true);
    expect(missingTable).toBeInstanceOf(Error);
    expect(isUniqueViolation(missingTable)).toBe(false);
    expect(isUniqueViolation("23505")).toBe(false);
  });

  it("keeps two test databases apart", async () => {
    const other = await openTestDatabase(backend, [tableMigration("probe-0001-create", "probe")]);
    try {
      await runMigrations(opened, [tableMigration("probe-0001-create", "probe")]);
      await probe.insertInto("probe").values({ id: "mine", label: "mine", stamp: 1 }).execute();
      await other.db.withTables<ProbeTables>().insertInto("probe").values({ id: "theirs", label: "theirs", stamp: 2 }).execute();
      expect((await probe.selectFrom("probe").select("id").execute()).map((r) => r.id)).toEqual(["mine"]);
      const theirs = await other.db.withTables<ProbeTables>().selectFrom("probe").select("id").execute();
      expect(theirs.map((r) => r.id)).toEqual(["theirs"]);
    } finally {
      await other.close();
    }
  });
});

describe.runIf(postgresTestUrl() !== undefined)("storage plumbing on postgres only", () => {
  let opened: OpenedDatabase;

  beforeEach(async () => {
    opened = await openTestDatabase("postgres");
  });
  afterEach(() => opened.close());

  /** A second pool on the same schema, as a second server node would have. */
  async function secondNode(): Promise<OpenedDatabase> {
    return openDatabase(postgresTestUrl() ?? "", { schema: await currentSchema(opened.db) });
  }

  it("lets two nodes migrate the same schema at once, applying each migration exactly once", async () => {
    const node = await secondNode();
    try {
      const calls: string[] = [];
      const migrations = ["a", "b", "c", "d"].map((name) => tableMigration(`race-${name}`, `race_${name}`, calls));
      const [first, second] = await Promise.all([runMigrations(opened, migrations), runMigrations(node, migrations)]);
      expect([...(first ?? []), ...(second ?? [])].sort()).toEqual(["race-a", "race-b", "race-c", "race-d"]);
      expect(calls.sort()).toEqual(["race-a", "race-b", "race-c", "race-d"]);
    } finally {
      await node.close();
    }
  });

  it("drops the throwaway schema on close", async () => {
    const extra = await openTestDatabase("postgres");
    const schema = await currentSchema(extra.db);
    await extra.close();
    const { rows } = await sql<{ n: number }>`select count(*) as n from pg_namespace where nspname = ${schema}`.execute(opened.db);
    expect(schema).toMatch(/^rtc_test_/);
    expect(rows[0]?.n).toBe(0);
  });

  it("refuses an int8 beyond 2^53 rather than rounding it, and leaves numeric as a string", async () => {
    await expect(sql`select 9007199254740993::bigint as n`.execute(opened.db)).rejects.toThrow(/MAX_SAFE_INTEGER/);
    const { rows } = await sql<{ n: unknown }>`select 12345678901234567890.5::numeric as n`.execute(opened.db);
    expect(rows[0]?.n).toBe("12345678901234567890.5");
  });
});
