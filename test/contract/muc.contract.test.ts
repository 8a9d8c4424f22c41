// Contract of the MUC room store (persistent rooms, PROTOCOL §3.2, §3.11) on every backend (DESIGN.md §2.7).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqlMucStore, mucMigrations, type StoredRoom } from "../../src/modules/muc/muc.store.js";
import type { OpenedDatabase } from "../../src/storage/open-database.js";
import { backendsUnderTest, openTestDatabase } from "../harness/test-database.js";

const SERVICE = "conference.chat.example.com";

function room(name: string, overrides: Partial<StoredRoom> = {}): StoredRoom {
  return {
    service: SERVICE,
    name,
    options: JSON.stringify({ title: name }),
    subject: "",
    subjectAuthor: "",
    createdAt: 1_717_000_000_000,
    affiliations: [],
    ...overrides,
  };
}

describe.each(backendsUnderTest())("SqlMucStore on %s", (backend) => {
  let opened: OpenedDatabase;
  let store: SqlMucStore;
  beforeEach(async () => {
    opened = await openTestDatabase(backend, mucMigrations);
    store = new SqlMucStore(opened.db);
  });
  afterEach(() => opened.close());

  it("saves a room with its affiliations and loads it back", async () => {
    await store.saveRoom(
      room("65f0a1_lobby", {
        subject: "Hi",
        subjectAuthor: "65f0a1_alice",
        affiliations: [
          { jid: "65f0a1_alice@chat.example.com", affiliation: "owner", reason: "" },
          { jid: "65f0a1_bob@chat.example.com", affiliation: "outcast", reason: "spam" },
        ],
      }),
    );
    await store.saveRoom(room("65f0a1_other", { service: "conference.other.example.com" }));
    const loaded = (await store.loadAll()).sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(loaded).toHaveLength(2);
    const lobby = loaded.find((r) => r.name === "65f0a1_lobby");
    expect(lobby).toMatchObject({ service: SERVICE, subject: "Hi", subjectAuthor: "65f0a1_alice", createdAt: 1_717_000_000_000, options: '{"title":"65f0a1_lobby"}' });
    expect([...(lobby?.affiliations ?? [])].sort((a, b) => (a.jid < b.jid ? -1 : 1))).toEqual([
      { jid: "65f0a1_alice@chat.example.com", affiliation: "owner", reason: "" },
      { jid: "65f0a1_bob@chat.example.com", affiliation: "outcast", reason: "spam" },
    ]);
    expect(loaded.find((r) => r.name === "65f0a1_other")?.affiliations).toEqual([]);
  });

  it("replaces a room saved twice, affiliations included (a temporary room made persistent again)", async () => {
    await store.saveRoom(room("r", { affiliations: [{ jid: "a@h", affiliation: "owner", reason: "" }] }));
    await store.saveRoom(room("r", { options: "{}", affiliations: [{ jid: "b@h", affiliation: "member", reason: "" }] }));
    const [loaded] = await store.loadAll();
    expect(loaded?.options).toBe("{}");
    expect(loaded?.affiliations).toEqual([{ jid: "b@h", affiliation: "member", reason: "" }]);
  });

  it("updates options and subject in place", async () => {
    await store.saveRoom(room("r"));
    await store.saveOptions(SERVICE, "r", '{"title":"New"}');
    await store.saveSubject(SERVICE, "r", "Topic", "nick");
    const [loaded] = await store.loadAll();
    expect(loaded).toMatchObject({ options: '{"title":"New"}', subject: "Topic", subjectAuthor: "nick" });
  });

  it("upserts affiliations and deletes them on none", async () => {
    await store.saveRoom(room("r"));
    await store.setAffiliation(SERVICE, "r", "a@h", "member", "");
    await store.setAffiliation(SERVICE, "r", "a@h", "admin", "promoted");
    await store.setAffiliation(SERVICE, "r", "b@h", "member", "");
    await store.setAffiliation(SERVICE, "r", "b@h", "none", "");
    const [loaded] = await store.loadAll();
    expect(loaded?.affiliations).toEqual([{ jid: "a@h", affiliation: "admin", reason: "promoted" }]);
  });

  it("deletes a room with its affiliations, and a user's affiliations everywhere", async () => {
    await store.saveRoom(room("r1", { affiliations: [{ jid: "a@h", affiliation: "owner", reason: "" }, { jid: "b@h", affiliation: "member", reason: "" }] }));
    await store.saveRoom(room("r2", { affiliations: [{ jid: "a@h", affiliation: "member", reason: "" }] }));
    await store.deleteRoom(SERVICE, "r1");
    expect((await store.loadAll()).map((r) => r.name)).toEqual(["r2"]);
    await store.saveRoom(room("r1", { affiliations: [{ jid: "b@h", affiliation: "member", reason: "" }] }));
    await store.deleteUserAffiliations("a@h");
    const rooms = await store.loadAll();
    expect(rooms.find((r) => r.name === "r2")?.affiliations).toEqual([]);
    expect(rooms.find((r) => r.name === "r1")?.affiliations).toEqual([{ jid: "b@h", affiliation: "member", reason: "" }]);
  });
});
