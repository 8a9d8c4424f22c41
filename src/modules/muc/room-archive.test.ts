import { describe, expect, it } from "vitest";
import { DEFAULT_ROOM_OPTIONS } from "../../config/profile-defaults.js";
import { el } from "../../xml/element.js";
import { parseJid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import type { ArchiveEntry, MamApi } from "../mam/mam.module.js";
import { EntryKind } from "../mam/mam.module.js";
import { initialConfig } from "./room-config.js";
import { mamArchiver, roomArchiveEntry } from "./room-archive.js";
import { stampGroupchat } from "./room-messages.js";
import { Room } from "./room.js";

const room = new Room(parseJid("65f0a1_lobby@conference.h"), initialConfig(DEFAULT_ROOM_OPTIONS, "65f0a1_lobby"), 0);
const from = parseJid("65f0a1_alice@h/res1");

describe("room archive entries (PROTOCOL §6.3)", () => {
  it("stores the broadcast form without the room's stamps, with the sender's real bare JID and nick", () => {
    const sent = el("message", { xmlns: NS.client, to: room.jid.toString(), type: "groupchat", id: "c1" }, el("origin-id", { xmlns: NS.sid, id: "o1" }), el("body", null, "Hi"));
    const out = stampGroupchat(room, sent, "65f0a1_alice", 42, true);
    const entry = roomArchiveEntry({ room, stanza: out, id: 42, archived: true, archivedClass: true, subject: false, from, nick: "65f0a1_alice", joined: [], excluded: undefined });
    expect(entry).toEqual({
      archive: "65f0a1_lobby@conference.h",
      id: 42,
      peer: "65f0a1_alice@h",
      peerResource: "",
      nick: "65f0a1_alice",
      kind: EntryKind.room,
      originId: "o1",
      stanza: `<message from="65f0a1_lobby@conference.h/65f0a1_alice" type="groupchat" id="c1"><origin-id xmlns="${NS.sid}" id="o1"/><body>Hi</body></message>`,
    });
  });

  it("deletes the archive of a destroyed room unless told to keep it (muc.keep_archive_on_destroy)", async () => {
    const deleted: string[] = [];
    const mam = { archive: (_e: ArchiveEntry) => undefined, deleteArchive: async (a: string) => (deleted.push(a), 1) } as unknown as MamApi;
    const ext = mamArchiver(mam);
    await ext.roomDestroyed?.(room, { reason: "", keepArchive: true });
    expect(deleted).toEqual([]);
    await ext.roomDestroyed?.(room, { reason: "", keepArchive: false });
    expect(deleted).toEqual(["65f0a1_lobby@conference.h"]);
  });
});
