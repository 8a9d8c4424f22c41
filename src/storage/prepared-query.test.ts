import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type OpenedDatabase } from "./open-database.js";
import { preparedQuery } from "./prepared-query.js";

describe("preparedQuery", () => {
  let opened: OpenedDatabase;
  beforeAll(async () => {
    opened = await openDatabase("sqlite::memory:");
    await sql`create table roster_items (owner text, contact text, subscription text, primary key (owner, contact))`.execute(opened.db);
    for (const [o, c, s] of [["a", "x", "both"], ["a", "y", "to"], ["a", "z", "from"], ["b", "x", "from"]]) {
      await sql`insert into roster_items values (${o}, ${c}, ${s})`.execute(opened.db);
    }
  });
  afterAll(() => opened.close());

  it("gives the rows the built query gives, for every argument value", async () => {
    const build = (owner: string) => opened.db.selectFrom("roster_items").select("contact").where("owner", "=", owner).where("subscription", "in", ["from", "both"]).orderBy("contact");
    const run = preparedQuery(opened.db, build);
    for (const owner of ["a", "b", "nobody", "a"]) expect(await run(owner)).toEqual(await build(owner).execute());
  });

  it("keeps constants between arguments in their slots", async () => {
    const run = preparedQuery(opened.db, (subscription: "from" | "to", owner: string) =>
      opened.db.selectFrom("roster_items").select("contact").where("subscription", "!=", "none").where("owner", "=", owner).where("subscription", "=", subscription),
    );
    expect(await run("from", "b")).toEqual([{ contact: "x" }]);
    expect(await run("to", "a")).toEqual([{ contact: "y" }]);
  });

  it("refuses a build that does not use every argument as a value", () => {
    const run = preparedQuery(opened.db, (owner: string, _unused: string) => opened.db.selectFrom("roster_items").select("contact").where("owner", "=", owner));
    return expect(run("a", "b")).rejects.toThrow(/uses 1 of its 2 arguments/);
  });

  it("runs DELETE … RETURNING", async () => {
    const run = preparedQuery(opened.db, (owner: string) => opened.db.deleteFrom("roster_items").where("owner", "=", owner).returning("contact"));
    expect(await run("b")).toEqual([{ contact: "x" }]);
    expect(await run("b")).toEqual([]);
  });
});
