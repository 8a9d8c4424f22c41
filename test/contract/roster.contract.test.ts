// Contract of the roster store (src/modules/roster/roster.store.ts) on every backend (DESIGN §2.7, §2.9).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NO_SUBSCRIPTION, type SubscriptionState } from "../../src/modules/roster/roster.state.js";
import { SqlRosterStore, rosterMigrations, type RosterRow } from "../../src/modules/roster/roster.store.js";
import type { OpenedDatabase } from "../../src/storage/open-database.js";
import { backendsUnderTest, openTestDatabase } from "../harness/test-database.js";

const juliet = "juliet@capulet.lit";
const romeo = "romeo@montague.net";
const nurse = "nurse@capulet.lit";

function row(owner: string, contact: string, state: Partial<SubscriptionState> = {}, extra: Partial<RosterRow> = {}): RosterRow {
  return { owner, contact, name: null, groups: [], state: { ...NO_SUBSCRIPTION, ...state }, pendingStanza: null, inRoster: true, ...extra };
}

describe.each(backendsUnderTest())("SqlRosterStore on %s", (backend) => {
  let opened: OpenedDatabase;
  let store: SqlRosterStore;

  beforeEach(async () => {
    opened = await openTestDatabase(backend, rosterMigrations);
    store = new SqlRosterStore(opened.db);
  });
  afterEach(() => opened.close());

  it("round-trips every field of a row", async () => {
    const stanza = '<presence xmlns="jabber:client" type="subscribe" from="romeo@montague.net" to="juliet@capulet.lit"><status>Wherefore ☆</status></presence>';
    const written = row(juliet, romeo, { to: true, pendingIn: true }, { name: "Roméo \"R\" <3", groups: ["Friends", "Лучшие"], pendingStanza: stanza });
    await store.put(written);
    expect(await store.get(juliet, romeo)).toEqual(written);
    expect(await store.get(romeo, juliet)).toBeUndefined();
  });

  it("replaces a row on put, and forgets a request stanza that is no longer pending", async () => {
    await store.put(row(juliet, romeo, { pendingIn: true }, { pendingStanza: "<presence/>", inRoster: false }));
    await store.put(row(juliet, romeo, { from: true }, { name: "R", pendingStanza: "<presence/>" }));
    const got = await store.get(juliet, romeo);
    expect(got?.state).toEqual({ to: false, from: true, pendingOut: false, pendingIn: false });
    expect(got?.pendingStanza).toBeNull();
    expect(got?.name).toBe("R");
    expect(got?.inRoster).toBe(true);
  });

  it("keeps each flag combination of Appendix A apart", async () => {
    const states: SubscriptionState[] = [
      { to: false, from: false, pendingOut: true, pendingIn: true },
      { to: true, from: false, pendingOut: false, pendingIn: true },
      { to: false, from: true, pendingOut: true, pendingIn: false },
      { to: true, from: true, pendingOut: false, pendingIn: false },
    ];
    for (const [i, state] of states.entries()) await store.put(row(juliet, `c${i}@capulet.lit`, state));
    for (const [i, state] of states.entries()) expect((await store.get(juliet, `c${i}@capulet.lit`))?.state).toEqual(state);
  });

  it("lists one owner's rows sorted by contact, hidden ones included", async () => {
    await store.put(row(juliet, romeo));
    await store.put(row(juliet, nurse, { pendingIn: true }, { inRoster: false, pendingStanza: "<presence/>" }));
    await store.put(row(juliet, "benvolio@montague.net"));
    await store.put(row(romeo, juliet));
    expect((await store.list(juliet)).map((r) => [r.contact, r.inRoster])).toEqual([
      ["benvolio@montague.net", true],
      [nurse, false],
      [romeo, true],
    ]);
  });

  it("selects subscribers (from/both) and subscriptions (to/both)", async () => {
    await store.put(row(juliet, "none@x.lit", { pendingOut: true, pendingIn: true }));
    await store.put(row(juliet, "to@x.lit", { to: true }));
    await store.put(row(juliet, "from@x.lit", { from: true }));
    await store.put(row(juliet, "both@x.lit", { to: true, from: true }));
    await store.put(row(romeo, "other@x.lit", { to: true, from: true }));
    expect([...(await store.subscribers(juliet))].sort()).toEqual(["both@x.lit", "from@x.lit"]);
    expect([...(await store.subscriptions(juliet))].sort()).toEqual(["both@x.lit", "to@x.lit"]);
  });

  it("answers presence reads from one snapshot per account, refreshed by every write", async () => {
    await store.put(row(juliet, "a@x.lit", { from: true }));
    expect(await store.presenceContacts(juliet)).toEqual({ subscribers: ["a@x.lit"], subscriptions: [], pendingIn: false });
    await store.put(row(juliet, "a@x.lit", { to: true, from: true }));
    await store.put(row(juliet, "b@x.lit", { pendingIn: true }));
    const afterPut = await store.presenceContacts(juliet);
    expect({ ...afterPut, subscribers: [...afterPut.subscribers].sort() }).toEqual({ subscribers: ["a@x.lit"], subscriptions: ["a@x.lit"], pendingIn: true });
    await store.delete(juliet, "a@x.lit");
    expect(await store.presenceContacts(juliet)).toEqual({ subscribers: [], subscriptions: [], pendingIn: true });
    await store.deleteOwner(juliet);
    expect(await store.presenceContacts(juliet)).toEqual({ subscribers: [], subscriptions: [], pendingIn: false });
  });

  it("returns pending requests that carry a stanza", async () => {
    await store.put(row(juliet, romeo, { pendingIn: true }, { pendingStanza: "<presence type=\"subscribe\"/>", inRoster: false }));
    await store.put(row(juliet, nurse, { pendingIn: true }));
    await store.put(row(juliet, "tybalt@capulet.lit", { to: true }));
    expect(await store.pendingRequests(juliet)).toEqual([{ contact: romeo, stanza: '<presence type="subscribe"/>' }]);
    expect(await store.pendingRequests(romeo)).toEqual([]);
  });

  it("deletes one row or an owner's rows", async () => {
    await store.put(row(juliet, romeo));
    await store.put(row(juliet, nurse));
    await store.put(row(romeo, juliet));
    expect(await store.delete(juliet, romeo)).toBe(true);
    expect(await store.delete(juliet, romeo)).toBe(false);
    expect(await store.deleteOwner(juliet)).toBe(1);
    expect(await store.list(juliet)).toEqual([]);
    expect((await store.list(romeo)).length).toBe(1);
  });
});
