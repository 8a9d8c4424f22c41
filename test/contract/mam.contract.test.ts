// Contract of the archive store and its write-behind writer on every backend (PROTOCOL §6.1–§6.5, DESIGN §2.7).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ArchiveWriter } from "../../src/modules/mam/archive-writer.js";
import { SqlArchiveStore, mamMigrations } from "../../src/modules/mam/mam.store.js";
import { EntryKind, type ArchiveEntry, type ArchiveFilters, type PageRequest } from "../../src/modules/mam/mam.types.js";
import type { OpenedDatabase } from "../../src/storage/open-database.js";
import { backendsUnderTest, openTestDatabase } from "../harness/test-database.js";

const ALICE = "alice@example.com";
const BOB = "bob@example.com";
const CAROL = "carol@example.com";

function entry(archive: string, id: number, peer: string, extra: Partial<ArchiveEntry> = {}): ArchiveEntry {
  return { archive, id, peer, peerResource: "", nick: null, kind: EntryKind.chat, originId: `o${id}`, stanza: `<message id="o${id}"><body>${id}</body></message>`, ...extra };
}

/** Alice's archive: ids 100, 110, …, 190; bob on 100, 120, …, carol on 110, 130, …; bob/phone on 100 and 140. */
function aliceArchive(): ArchiveEntry[] {
  const out: ArchiveEntry[] = [];
  for (let i = 0; i < 10; i++) {
    const id = 100 + 10 * i;
    const peer = i % 2 === 0 ? BOB : CAROL;
    out.push(entry(ALICE, id, peer, { peerResource: id === 100 || id === 140 ? "phone" : "" }));
  }
  return out;
}

interface Case {
  readonly name: string;
  readonly filters?: ArchiveFilters;
  readonly page: PageRequest;
  readonly ids: readonly number[];
  readonly count: number;
  /** Checked only when the page is not empty. */
  readonly index?: number;
  readonly complete: boolean;
}

// PROTOCOL §6.5 over C = 100..190 (step 10), count 10 unless filtered.
const CASES: readonly Case[] = [
  { name: "neither: first page", page: { max: 3 }, ids: [100, 110, 120], count: 10, index: 0, complete: false },
  { name: "neither, everything fits", page: { max: 50 }, ids: [100, 110, 120, 130, 140, 150, 160, 170, 180, 190], count: 10, index: 0, complete: true },
  { name: "after an existing id", page: { max: 3, after: 120 }, ids: [130, 140, 150], count: 10, index: 3, complete: false },
  { name: "after, reaching the newest", page: { max: 3, after: 160 }, ids: [170, 180, 190], count: 10, index: 7, complete: true },
  { name: "after a missing id (compared numerically)", page: { max: 2, after: 125 }, ids: [130, 140], count: 10, index: 3, complete: false },
  { name: "after the newest: empty", page: { max: 3, after: 190 }, ids: [], count: 10, complete: true },
  { name: "after 0", page: { max: 2, after: 0 }, ids: [100, 110], count: 10, index: 0, complete: false },
  { name: "before empty: last page", page: { max: 3, before: "last" }, ids: [170, 180, 190], count: 10, index: 7, complete: false },
  { name: "before empty, everything fits", page: { max: 30, before: "last" }, ids: [100, 110, 120, 130, 140, 150, 160, 170, 180, 190], count: 10, index: 0, complete: true },
  { name: "before an existing id", page: { max: 3, before: 150 }, ids: [120, 130, 140], count: 10, index: 2, complete: false },
  { name: "before, reaching the oldest", page: { max: 3, before: 130 }, ids: [100, 110, 120], count: 10, index: 0, complete: true },
  { name: "before a missing id", page: { max: 2, before: 135 }, ids: [120, 130], count: 10, index: 2, complete: false },
  { name: "before the oldest: empty", page: { max: 3, before: 100 }, ids: [], count: 10, complete: true },
  { name: "before an id above every id", page: { max: 2, before: Number.MAX_SAFE_INTEGER }, ids: [180, 190], count: 10, index: 8, complete: false },
  { name: "after and before: last page of the window", page: { max: 3, after: 110, before: 180 }, ids: [150, 160, 170], count: 10, index: 5, complete: false },
  { name: "after and before, window fits", page: { max: 5, after: 130, before: 170 }, ids: [140, 150, 160], count: 10, index: 4, complete: true },
  { name: "after and empty before", page: { max: 2, after: 120, before: "last" }, ids: [180, 190], count: 10, index: 8, complete: false },
  { name: "max 0: count only", page: { max: 0 }, ids: [], count: 10, complete: false },
  { name: "max 0 with before empty", page: { max: 0, before: "last" }, ids: [], count: 10, complete: false },
  { name: "max 0 past the end", page: { max: 0, after: 190 }, ids: [], count: 10, complete: true },
  { name: "index", page: { max: 3, index: 4 }, ids: [140, 150, 160], count: 10, index: 4, complete: false },
  { name: "with a bare JID", filters: { with: { bare: BOB } }, page: { max: 10 }, ids: [100, 120, 140, 160, 180], count: 5, index: 0, complete: true },
  { name: "with a full JID", filters: { with: { bare: BOB, resource: "phone" } }, page: { max: 10 }, ids: [100, 140], count: 2, index: 0, complete: true },
  { name: "with, before empty", filters: { with: { bare: CAROL } }, page: { max: 2, before: "last" }, ids: [170, 190], count: 5, index: 3, complete: false },
  { name: "with, after", filters: { with: { bare: CAROL } }, page: { max: 2, after: 130 }, ids: [150, 170], count: 5, index: 2, complete: false },
  { name: "start and end (inclusive)", filters: { start: 120, end: 160 }, page: { max: 10 }, ids: [120, 130, 140, 150, 160], count: 5, index: 0, complete: true },
  { name: "start only, last page", filters: { start: 155 }, page: { max: 2, before: "last" }, ids: [180, 190], count: 4, index: 2, complete: false },
  { name: "end only, before an id", filters: { end: 150 }, page: { max: 2, before: 130 }, ids: [110, 120], count: 6, index: 1, complete: false },
  { name: "nothing matches", filters: { with: { bare: "nobody@example.com" } }, page: { max: 5, before: "last" }, ids: [], count: 0, complete: true },
  { name: "excluded peers are out of C", filters: { excludePeers: [CAROL] }, page: { max: 2, before: "last" }, ids: [160, 180], count: 5, index: 3, complete: false },
];

describe.each(backendsUnderTest())("archive store on %s", (backend) => {
  let opened: OpenedDatabase;
  let store: SqlArchiveStore;

  beforeEach(async () => {
    opened = await openTestDatabase(backend, mamMigrations);
    store = new SqlArchiveStore(opened.db, opened.dialect);
  });
  afterEach(() => opened.close());

  describe("paging (PROTOCOL §6.5)", () => {
    beforeEach(async () => {
      // Other archives interleave ids with alice's: they must never show up.
      await store.insertMany([...aliceArchive(), entry(BOB, 105, ALICE), entry(BOB, 150, ALICE), entry(CAROL, 195, ALICE)]);
    });

    it.each(CASES)("$name", async (c) => {
      const page = await store.page(ALICE, c.filters ?? {}, c.page);
      expect(page.entries.map((e) => e.id)).toEqual(c.ids);
      expect(page.count).toBe(c.count);
      expect(page.complete).toBe(c.complete);
      if (c.ids.length > 0) expect(page.firstIndex).toBe(c.index);
      for (const e of page.entries) expect(e.archive).toBe(ALICE);
    });
  });

  it("round-trips every column, including text that needs escaping", async () => {
    const stanza = `<message from="a@b/c" to="d@e"><body>quote " backslash \\ braces {} comma , NULL é 😀 &amp; &lt;</body></message>`;
    const e = entry(ALICE, 1727199609620712, BOB, { peerResource: "r\"1,{x}", nick: "Nïck \\ \"q\"", kind: EntryKind.mucsub, originId: null, stanza });
    await store.insertMany([e, entry(ALICE, 1727199609620713, "NULL", { originId: "NULL" })]);
    expect(await store.get(ALICE, e.id)).toEqual(e);
    expect((await store.get(ALICE, 1727199609620713))?.peer).toBe("NULL");
    expect((await store.get(ALICE, 1727199609620713))?.originId).toBe("NULL");
  });

  it("inserting a row again leaves the stored one alone (retried batches are idempotent)", async () => {
    await store.insertMany([entry(ALICE, 1, BOB)]);
    await store.insertMany([entry(ALICE, 1, BOB, { stanza: "<message><body>other</body></message>" }), entry(ALICE, 2, BOB)]);
    const page = await store.page(ALICE, {}, { max: 10 });
    expect(page.entries.map((e) => [e.id, e.stanza])).toEqual([
      [1, entry(ALICE, 1, BOB).stanza],
      [2, entry(ALICE, 2, BOB).stanza],
    ]);
  });

  it("one id in two archives: copiesOf finds both, updateStanza changes one", async () => {
    await store.insertMany([entry(ALICE, 7, BOB), entry(BOB, 7, ALICE), entry(CAROL, 8, BOB)]);
    expect((await store.copiesOf(7)).map((e) => e.archive).sort()).toEqual([ALICE, BOB]);
    expect(await store.updateStanza(BOB, 7, "<message><body>deleted</body></message>")).toBe(true);
    expect(await store.updateStanza(BOB, 9, "<message/>")).toBe(false);
    expect((await store.get(BOB, 7))?.stanza).toBe("<message><body>deleted</body></message>");
    expect((await store.get(ALICE, 7))?.stanza).toBe(entry(ALICE, 7, BOB).stanza);
  });

  it("deletes one archive only", async () => {
    await store.insertMany([entry(ALICE, 1, BOB), entry(ALICE, 2, BOB), entry(BOB, 1, ALICE)]);
    expect(await store.deleteArchive(ALICE)).toBe(2);
    expect((await store.page(ALICE, {}, { max: 10 })).count).toBe(0);
    expect((await store.page(BOB, {}, { max: 10 })).count).toBe(1);
  });

  it("purges entries below an id, in batches, across archives", async () => {
    const rows: ArchiveEntry[] = [];
    for (let id = 1; id <= 25; id++) rows.push(entry(id % 2 === 0 ? ALICE : BOB, id, CAROL));
    await store.insertMany(rows);
    expect(await store.purgeBefore(21, 10)).toBe(10);
    expect(await store.purgeBefore(21, 10)).toBe(10);
    expect(await store.purgeBefore(21, 10)).toBe(0);
    const left = [...(await store.page(ALICE, {}, { max: 50 })).entries, ...(await store.page(BOB, {}, { max: 50 })).entries].map((e) => e.id).sort((a, b) => a - b);
    expect(left).toEqual([21, 22, 23, 24, 25]);
  });

  it("knows the highest id and each archive's bounds", async () => {
    expect(await store.maxId()).toBe(0);
    expect(await store.bounds(ALICE)).toBeUndefined();
    await store.insertMany([entry(ALICE, 1727199609620712, BOB), entry(ALICE, 1727199609620900, BOB), entry(BOB, 1727199609621000, ALICE)]);
    expect(await store.maxId()).toBe(1727199609621000);
    expect(await store.bounds(ALICE)).toEqual({ first: 1727199609620712, last: 1727199609620900 });
  });

  it("takes thousands of rows through the writer, in order, nothing lost", async () => {
    const errors: unknown[] = [];
    const writer = new ArchiveWriter<ArchiveEntry>({
      write: (rows) => store.insertMany(rows),
      log: { error: (f) => errors.push(f), warn: () => undefined },
      batchRows: 300,
      maxBatchRows: 700,
    });
    for (let id = 1; id <= 2500; id++) writer.push(entry(id % 3 === 0 ? BOB : ALICE, id, CAROL));
    await writer.flush();
    const alice = await store.page(ALICE, {}, { max: 250, before: "last" });
    expect(alice.count).toBe(2500 - Math.floor(2500 / 3));
    expect(alice.entries.map((e) => e.id)).toEqual([...alice.entries.map((e) => e.id)].sort((a, b) => a - b));
    expect((await store.page(BOB, {}, { max: 0 })).count).toBe(Math.floor(2500 / 3));
    await writer.stop();
    expect(writer.stats()).toMatchObject({ queued: 0, written: 2500, dropped: 0 });
    expect(errors).toEqual([]);
  });
});
