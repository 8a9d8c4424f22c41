// Contract of the last-unavailable store (src/modules/presence/presence.store.ts) on every backend.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqlPresenceStore, presenceMigrations } from "../../src/modules/presence/presence.store.js";
import type { OpenedDatabase } from "../../src/storage/open-database.js";
import { parseJid } from "../../src/xmpp/jid.js";
import { backendsUnderTest, openTestDatabase } from "../harness/test-database.js";

const juliet = parseJid("juliet@capulet.lit");
const romeo = parseJid("romeo@montague.net");

describe.each(backendsUnderTest())("SqlPresenceStore on %s", (backend) => {
  let opened: OpenedDatabase;
  let store: SqlPresenceStore;

  beforeEach(async () => {
    opened = await openTestDatabase(backend, presenceMigrations);
    store = new SqlPresenceStore(opened.db);
  });
  afterEach(() => opened.close());

  it("has nothing for an account that never went unavailable", async () => {
    expect(await store.lastUnavailable(juliet)).toBeUndefined();
  });

  it("keeps the latest record per account, millisecond timestamps and status text intact", async () => {
    await store.setLastUnavailable(juliet, { at: 1_727_199_609_620, status: "Gone to Mantua ☆ <&>" });
    await store.setLastUnavailable(romeo, { at: 1, status: undefined });
    expect(await store.lastUnavailable(juliet)).toEqual({ at: 1_727_199_609_620, status: "Gone to Mantua ☆ <&>" });
    await store.setLastUnavailable(juliet, { at: 1_727_199_700_000, status: undefined });
    expect(await store.lastUnavailable(juliet)).toEqual({ at: 1_727_199_700_000, status: undefined });
    expect(await store.lastUnavailable(romeo)).toEqual({ at: 1, status: undefined });
  });

  it("deletes an account's record", async () => {
    await store.setLastUnavailable(juliet, { at: 5, status: "x" });
    await store.delete(juliet);
    await store.delete(juliet);
    expect(await store.lastUnavailable(juliet)).toBeUndefined();
  });
});
