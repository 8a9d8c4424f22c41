// Contract of the private-storage store (XEP-0049, PROTOCOL §9.5) on every backend.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqlPrivateStore, privateKey, privateMigrations } from "../../src/modules/private/private.store.js";
import type { OpenedDatabase } from "../../src/storage/open-database.js";
import { parseJid } from "../../src/xmpp/jid.js";
import { backendsUnderTest, openTestDatabase } from "../harness/test-database.js";

const alice = parseJid("alice@example.com");
const bob = parseJid("bob@example.com");
const chatjson = { ns: "chatjson:store", name: "chatjson" };
const bookmarks = { ns: "storage:bookmarks", name: "storage" };

describe.each(backendsUnderTest())("SqlPrivateStore on %s", (backend) => {
  let opened: OpenedDatabase;
  let store: SqlPrivateStore;

  beforeEach(async () => {
    opened = await openTestDatabase(backend, privateMigrations);
    store = new SqlPrivateStore(opened.db);
  });
  afterEach(() => opened.close());

  it("returns only stored elements, keyed by namespace and name", async () => {
    await store.set(alice, [{ ...chatjson, xml: '<chatjson xmlns="chatjson:store" value="1"/>' }], 100);
    const got = await store.get(alice, [chatjson, bookmarks]);
    expect([...got.entries()]).toEqual([[privateKey(chatjson), '<chatjson xmlns="chatjson:store" value="1"/>']]);
  });

  it("replaces an element whole and keeps accounts apart", async () => {
    await store.set(alice, [{ ...chatjson, xml: '<chatjson xmlns="chatjson:store" value="1"><a/></chatjson>' }], 100);
    await store.set(bob, [{ ...chatjson, xml: '<chatjson xmlns="chatjson:store" value="bob"/>' }], 100);
    await store.set(alice, [{ ...chatjson, xml: '<chatjson xmlns="chatjson:store" value="2"/>' }], 100);
    expect((await store.get(alice, [chatjson])).get(privateKey(chatjson))).toBe('<chatjson xmlns="chatjson:store" value="2"/>');
    expect((await store.get(bob, [chatjson])).get(privateKey(chatjson))).toBe('<chatjson xmlns="chatjson:store" value="bob"/>');
    expect(await store.count(alice)).toBe(1);
  });

  it("treats the same name in another namespace as another element", async () => {
    await store.set(alice, [
      { ns: "a:ns", name: "x", xml: '<x xmlns="a:ns"/>' },
      { ns: "b:ns", name: "x", xml: '<x xmlns="b:ns"/>' },
    ], 100);
    expect(await store.count(alice)).toBe(2);
    expect((await store.get(alice, [{ ns: "b:ns", name: "x" }])).get(privateKey({ ns: "b:ns", name: "x" }))).toBe('<x xmlns="b:ns"/>');
  });

  it("keeps the last of duplicates within one set", async () => {
    await store.set(alice, [
      { ...chatjson, xml: '<chatjson xmlns="chatjson:store" value="first"/>' },
      { ...chatjson, xml: '<chatjson xmlns="chatjson:store" value="last"/>' },
    ], 100);
    expect((await store.get(alice, [chatjson])).get(privateKey(chatjson))).toBe('<chatjson xmlns="chatjson:store" value="last"/>');
  });

  it("refuses a set that would exceed the cap and stores none of it", async () => {
    const some = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => ({ ns: `urn:test:${from + i}`, name: "e", xml: `<e xmlns="urn:test:${from + i}"/>` }));
    expect(await store.set(alice, some(0, 3), 4)).toBe("stored");
    expect(await store.set(alice, some(3, 5), 4)).toBe("too-many");
    expect(await store.count(alice)).toBe(3);
    // Replacing existing elements does not count against the cap.
    expect(await store.set(alice, [...some(0, 3), ...some(3, 4)], 4)).toBe("stored");
    expect(await store.count(alice)).toBe(4);
  });

  it("deletes everything of one account", async () => {
    await store.set(alice, [{ ...chatjson, xml: "<chatjson/>" }, { ...bookmarks, xml: "<storage/>" }], 100);
    await store.set(bob, [{ ...chatjson, xml: "<chatjson/>" }], 100);
    await store.delete(alice);
    expect(await store.count(alice)).toBe(0);
    expect(await store.count(bob)).toBe(1);
  });

  it("stores large text unchanged", async () => {
    const xml = `<big xmlns="urn:big" v="${"&quot;é€".repeat(20_000)}"/>`;
    await store.set(alice, [{ ns: "urn:big", name: "big", xml }], 100);
    expect((await store.get(alice, [{ ns: "urn:big", name: "big" }])).get(privateKey({ ns: "urn:big", name: "big" }))).toBe(xml);
  });
});
