// Contract of the vCard store (XEP-0054, PROTOCOL §9.6, §7.5 profile data) on every backend.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { VcardSummary } from "../../src/modules/vcard/vcard.profile.js";
import { SqlVcardStore, vcardMigrations } from "../../src/modules/vcard/vcard.store.js";
import type { OpenedDatabase } from "../../src/storage/open-database.js";
import { parseJid } from "../../src/xmpp/jid.js";
import { backendsUnderTest, openTestDatabase } from "../harness/test-database.js";

const alice = parseJid("alice@example.com");
const bob = parseJid("bob@example.com");
const carol = parseJid("carol@other.example");
const aliceSummary: VcardSummary = { profile: { fullName: "Alice Smith", photoUrl: "https://cdn.example.com/a.png" }, photo: { kind: "external" } };
const bobSummary: VcardSummary = { profile: { firstName: "Bob" }, photo: { kind: "hash", sha1: "da39a3ee5e6b4b0d3255bfef95601890afd80709" } };

describe.each(backendsUnderTest())("SqlVcardStore on %s", (backend) => {
  let opened: OpenedDatabase;
  let store: SqlVcardStore;

  beforeEach(async () => {
    opened = await openTestDatabase(backend, vcardMigrations);
    store = new SqlVcardStore(opened.db);
  });
  afterEach(() => opened.close());

  it("has nothing for an account that never set a vCard", async () => {
    expect(await store.xml(alice)).toBeUndefined();
    expect(await store.summary(alice)).toBeUndefined();
  });

  it("stores the XML verbatim with its summary, and replaces both", async () => {
    await store.set(alice, '<vCard xmlns="vcard-temp"><FN>Old</FN></vCard>', bobSummary);
    await store.set(alice, '<vCard xmlns="vcard-temp"><FN>Alice Smith</FN></vCard>', aliceSummary);
    expect(await store.xml(alice)).toBe('<vCard xmlns="vcard-temp"><FN>Alice Smith</FN></vCard>');
    expect(await store.summary(alice)).toEqual(aliceSummary);
  });

  it("reads many summaries at once, across hosts, leaving out accounts without a vCard", async () => {
    await store.set(alice, "<vCard/>", aliceSummary);
    await store.set(carol, "<vCard/>", bobSummary);
    const found = await store.summaries([alice, bob, carol]);
    expect(new Map([...found].sort())).toEqual(new Map([["alice@example.com", aliceSummary], ["carol@other.example", bobSummary]]));
  });

  it("reads more summaries than fit in one query", async () => {
    const users = Array.from({ length: 450 }, (_, i) => parseJid(`u${i}@example.com`));
    const withVcard = [0, 199, 200, 449].map((i) => users[i]!);
    for (const u of withVcard) await store.set(u, "<vCard/>", aliceSummary);
    expect([...(await store.summaries(users)).keys()].sort()).toEqual(withVcard.map((u) => u.bareString).sort());
  });

  it("deletes one account's vCard", async () => {
    await store.set(alice, "<vCard/>", aliceSummary);
    await store.set(bob, "<vCard/>", bobSummary);
    await store.delete(alice);
    expect(await store.xml(alice)).toBeUndefined();
    expect(await store.summary(bob)).toEqual(bobSummary);
  });
});
