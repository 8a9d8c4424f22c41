// Contract of the getrooms stores (PROTOCOL §7.3) on every backend: the chat-list summary statement over the room
// archives (last visible message, unread count with its cap, own and blocked senders excluded) and the
// membership-start rows.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getroomsMigrations, SqlMemberSinceStore } from "../../src/modules/getrooms/getrooms.store.js";
import { roomSummaries, type SummaryOptions } from "../../src/modules/getrooms/room-summary.query.js";
import { mamMigrations, SqlArchiveStore } from "../../src/modules/mam/mam.store.js";
import { EntryKind, type ArchiveEntry } from "../../src/modules/mam/mam.types.js";
import type { OpenedDatabase } from "../../src/storage/open-database.js";
import { backendsUnderTest, openTestDatabase } from "../harness/test-database.js";

const LOBBY = "65f0a1_lobby@conference.chat.example.com";
const OTHER = "65f0a1_other@conference.chat.example.com";
const EMPTY = "65f0a1_empty@conference.chat.example.com";
const ALICE = "65f0a1_alice@chat.example.com";
const BOB = "65f0a1_bob@chat.example.com";
const CAROL = "65f0a1_carol@chat.example.com";
const T0 = 1_727_199_609_000_000;

function entry(archive: string, id: number, peer: string): ArchiveEntry {
  return { archive, id, peer, peerResource: "", nick: peer.split("@")[0] ?? "", kind: EntryKind.room, originId: null, stanza: "<message/>" };
}

const base: SummaryOptions = { requester: ALICE, hidden: [], blocked: [], cap: 1000 };

describe.each(backendsUnderTest())("getrooms stores on %s", (backend) => {
  let opened: OpenedDatabase;
  let archive: SqlArchiveStore;
  beforeEach(async () => {
    opened = await openTestDatabase(backend, [...mamMigrations, ...getroomsMigrations]);
    archive = new SqlArchiveStore(opened.db, opened.dialect);
  });
  afterEach(() => opened.close());

  it("finds the newest message and counts unread entries above the bound, without the requester's own", async () => {
    await archive.insertMany([
      entry(LOBBY, T0 + 1, BOB),
      entry(LOBBY, T0 + 2, ALICE),
      entry(LOBBY, T0 + 3, CAROL),
      entry(LOBBY, T0 + 4, BOB),
      entry(LOBBY, T0 + 5, ALICE),
      entry(OTHER, T0 + 10, CAROL),
      // A user archive entry with the room's peer never counts: other archive.
      { ...entry(ALICE, T0 + 11, BOB), kind: EntryKind.chat },
    ]);
    const got = await roomSummaries(
      opened.db,
      [
        { archive: LOBBY, unreadAfter: T0 + 1 },
        { archive: OTHER, unreadAfter: 0 },
        { archive: EMPTY, unreadAfter: 0 },
      ],
      base,
    );
    expect(got.get(LOBBY)).toEqual({ lastId: T0 + 5, lastFrom: ALICE, unread: 2 });
    expect(got.get(OTHER)).toEqual({ lastId: T0 + 10, lastFrom: CAROL, unread: 1 });
    expect(got.get(EMPTY)).toEqual({ lastId: undefined, lastFrom: undefined, unread: 0 });
    expect(got.size).toBe(3);
  });

  it("leaves blocked senders out of unread, and out of the last message when hidden", async () => {
    await archive.insertMany([entry(LOBBY, T0 + 1, CAROL), entry(LOBBY, T0 + 2, BOB), entry(LOBBY, T0 + 3, BOB)]);
    const targets = [{ archive: LOBBY, unreadAfter: 0 }];
    expect((await roomSummaries(opened.db, targets, { ...base, blocked: [BOB] })).get(LOBBY)).toEqual({ lastId: T0 + 3, lastFrom: BOB, unread: 1 });
    expect((await roomSummaries(opened.db, targets, { ...base, blocked: [BOB], hidden: [BOB] })).get(LOBBY)).toEqual({ lastId: T0 + 1, lastFrom: CAROL, unread: 1 });
    expect((await roomSummaries(opened.db, targets, { ...base, blocked: [BOB, CAROL], hidden: [BOB, CAROL] })).get(LOBBY)).toEqual({
      lastId: undefined,
      lastFrom: undefined,
      unread: 0,
    });
  });

  it("stops counting at the cap, and counts exactly just below it", async () => {
    const rows = Array.from({ length: 12 }, (_, i) => entry(LOBBY, T0 + 100 + i, i % 4 === 0 ? ALICE : BOB)); // 3 own, 9 others
    await archive.insertMany(rows);
    const targets = [{ archive: LOBBY, unreadAfter: 0 }];
    expect((await roomSummaries(opened.db, targets, { ...base, cap: 5 })).get(LOBBY)?.unread).toBe(5);
    expect((await roomSummaries(opened.db, targets, { ...base, cap: 9 })).get(LOBBY)?.unread).toBe(9);
    expect((await roomSummaries(opened.db, targets, { ...base, cap: 10 })).get(LOBBY)?.unread).toBe(9);
    // The bound is exclusive: the entries at and below it are read.
    expect((await roomSummaries(opened.db, [{ archive: LOBBY, unreadAfter: T0 + 109 }], { ...base, cap: 5 })).get(LOBBY)?.unread).toBe(2);
  });

  it("answers for many rooms in one statement", async () => {
    const rooms = Array.from({ length: 250 }, (_, i) => `65f0a1_r${String(i).padStart(3, "0")}@conference.chat.example.com`);
    await archive.insertMany(rooms.flatMap((r, i) => [entry(r, T0 + i * 10, BOB), entry(r, T0 + i * 10 + 1, CAROL)]));
    const got = await roomSummaries(
      opened.db,
      rooms.map((r) => ({ archive: r, unreadAfter: 0 })),
      base,
    );
    expect(rooms.map((r, i) => got.get(r))).toEqual(rooms.map((_, i) => ({ lastId: T0 + i * 10 + 1, lastFrom: CAROL, unread: 2 })));
  });

  it("records, replaces and removes membership starts", async () => {
    const store = new SqlMemberSinceStore(opened.db);
    await store.set(ALICE, LOBBY, 10);
    await store.set(ALICE, OTHER, 20);
    await store.set(BOB, LOBBY, 30);
    await store.set(ALICE, LOBBY, 40);
    expect(await store.ofUser(ALICE)).toEqual(new Map([[LOBBY, 40], [OTHER, 20]]));
    await store.delete(ALICE, OTHER);
    expect(await store.ofUser(ALICE)).toEqual(new Map([[LOBBY, 40]]));
    await store.deleteRoom(LOBBY);
    expect(await store.ofUser(BOB)).toEqual(new Map());
    await store.set(BOB, OTHER, 50);
    await store.deleteUser(BOB);
    expect(await store.ofUser(BOB)).toEqual(new Map());
  });
});
