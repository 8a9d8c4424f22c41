// Contract of the block list store (src/modules/blocking/blocking.store.ts) on every backend (DESIGN Snippet 5).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BlockListName, SqlBlocklistStore, blockingMigrations } from "../../src/modules/blocking/blocking.store.js";
import type { OpenedDatabase } from "../../src/storage/open-database.js";
import { parseJid } from "../../src/xmpp/jid.js";
import { backendsUnderTest, openTestDatabase } from "../harness/test-database.js";

const juliet = parseJid("juliet@capulet.lit");
const nurse = parseJid("nurse@capulet.lit");
const romeo = "romeo@montague.net";
const XEP = BlockListName.xep0191;
const ETHORA = BlockListName.userBlock;

describe.each(backendsUnderTest())("SqlBlocklistStore on %s", (backend) => {
  let opened: OpenedDatabase;
  let store: SqlBlocklistStore;
  let clock: number;

  beforeEach(async () => {
    opened = await openTestDatabase(backend, blockingMigrations);
    clock = 1_700_000_000_000;
    store = new SqlBlocklistStore(opened.db, () => clock);
  });
  afterEach(() => opened.close());

  const jidsOf = async (owner = juliet) => (await store.entries(owner)).map((e) => `${e.list}:${e.jid}`);

  it("treats blocking the same JID twice as one block and keeps the first date", async () => {
    expect(await store.block(juliet, XEP, [romeo])).toBe(1);
    clock += 5000;
    expect(await store.block(juliet, XEP, [romeo, romeo])).toBe(0);
    const entries = await store.entries(juliet);
    expect(entries).toEqual([{ list: XEP, jid: romeo, createdAt: 1_700_000_000_000 }]);
  });

  it("returns entries oldest first, ties by JID", async () => {
    await store.block(juliet, XEP, ["tybalt@capulet.lit", "benvolio@montague.net"]);
    clock += 1;
    await store.block(juliet, XEP, ["abraham@montague.net"]);
    expect(await jidsOf()).toEqual([`${XEP}:benvolio@montague.net`, `${XEP}:tybalt@capulet.lit`, `${XEP}:abraham@montague.net`]);
    expect(typeof (await store.entries(juliet))[0]?.createdAt).toBe("number");
  });

  it("keeps lists and owners apart", async () => {
    await store.block(juliet, XEP, [romeo]);
    await store.block(juliet, ETHORA, ["iago@shakespeare.lit"]);
    await store.block(nurse, XEP, ["peter@capulet.lit"]);
    // Same date: ordered by JID.
    expect(await jidsOf()).toEqual([`${ETHORA}:iago@shakespeare.lit`, `${XEP}:${romeo}`]);
    expect(await store.isBlocked(juliet, parseJid("iago@shakespeare.lit"), XEP)).toBe(false);
    expect(await store.isBlocked(juliet, parseJid("iago@shakespeare.lit"), ETHORA)).toBe(true);
    expect(await store.isBlocked(nurse, parseJid(romeo), XEP)).toBe(false);
  });

  it("matches in SQL by full JID, bare JID, domain/resource and domain (XEP-0191 §6)", async () => {
    await store.block(juliet, XEP, [romeo, "iago@shakespeare.lit/bad", "verona.lit", "mantua.lit/gate"]);
    const blocked = (jid: string) => store.isBlocked(juliet, parseJid(jid), XEP);
    expect(await blocked("romeo@montague.net/orchard")).toBe(true);
    expect(await blocked("iago@shakespeare.lit/bad")).toBe(true);
    expect(await blocked("iago@shakespeare.lit/good")).toBe(false);
    expect(await blocked("iago@shakespeare.lit")).toBe(false);
    expect(await blocked("prince@verona.lit/palace")).toBe(true);
    expect(await blocked("verona.lit")).toBe(true);
    expect(await blocked("apothecary@mantua.lit/gate")).toBe(true);
    expect(await blocked("apothecary@mantua.lit/shop")).toBe(false);
    expect(await blocked("benvolio@montague.net")).toBe(false);
  });

  it("unblocks the given items, absent ones being fine", async () => {
    await store.block(juliet, XEP, [romeo, "iago@shakespeare.lit"]);
    expect(await store.unblock(juliet, XEP, [romeo, "nobody@nowhere.lit"])).toBe(1);
    expect(await jidsOf()).toEqual([`${XEP}:iago@shakespeare.lit`]);
    expect(await store.unblock(juliet, XEP, [])).toBe(0);
  });

  it("unblocks a whole list, leaving the other list", async () => {
    await store.block(juliet, XEP, [romeo, "iago@shakespeare.lit"]);
    await store.block(juliet, ETHORA, [romeo]);
    expect(await store.unblock(juliet, XEP)).toBe(2);
    expect(await jidsOf()).toEqual([`${ETHORA}:${romeo}`]);
  });

  it("deletes every list of an owner and nobody else's", async () => {
    await store.block(juliet, XEP, [romeo]);
    await store.block(juliet, ETHORA, [romeo]);
    await store.block(nurse, XEP, [romeo]);
    await store.deleteOwner(juliet);
    expect(await store.entries(juliet)).toEqual([]);
    expect(await jidsOf(nurse)).toEqual([`${XEP}:${romeo}`]);
  });

  it("stores more items than one insert batch", async () => {
    const many = Array.from({ length: 1200 }, (_, i) => `u${i}@example.lit`);
    expect(await store.block(juliet, XEP, many)).toBe(1200);
    expect((await store.entries(juliet)).length).toBe(1200);
  });
});
