import { describe, expect, it } from "vitest";
import { serialize } from "../../xml/serialize.js";
import { isArchivable1to1, isOfflineStorable } from "../../xmpp/stanza.js";
import { resultMessage } from "./mam.query.js";
import { EntryKind, type ArchiveEntry } from "./mam.types.js";

const entry: ArchiveEntry = {
  archive: "room@conference.example.com", id: 1727199609620712, peer: "alice@example.com", peerResource: "", nick: "alice", kind: EntryKind.room, originId: "m1",
  // A room entry as stored (§6.3): the broadcast stanza, already carrying the room's own stamps.
  stanza: '<message from="room@conference.example.com/alice" type="groupchat" id="m1"><archived xmlns="urn:xmpp:mam:tmp" by="room@conference.example.com" id="1727199609620712"/><stanza-id xmlns="urn:xmpp:sid:0" by="room@conference.example.com" id="1727199609620712"/><data senderFirstName="Alice"/><body>Hello</body></message>',
};
const target = { archive: "room@conference.example.com", delayFrom: "conference.example.com" };
const log = { error: () => undefined };

describe("resultMessage (PROTOCOL §6.6)", () => {
  it("wraps a room entry as §6.6 shows: owner's stamps once, delay from the service, µs stamp", () => {
    const message = resultMessage(entry, target, "bob@example.com/res", "urn:xmpp:mam:2", "q1", log);
    expect(serialize(message!, "jabber:client").replace(/ id="mam-[^"]+"/, ' id="X"')).toBe(
      '<message from="room@conference.example.com" to="bob@example.com/res" id="X"><result xmlns="urn:xmpp:mam:2" queryid="q1" id="1727199609620712"><forwarded xmlns="urn:xmpp:forward:0">' +
        '<message xmlns="jabber:client" from="room@conference.example.com/alice" type="groupchat" id="m1"><archived xmlns="urn:xmpp:mam:tmp" by="room@conference.example.com" id="1727199609620712"/><stanza-id xmlns="urn:xmpp:sid:0" by="room@conference.example.com" id="1727199609620712"/><data senderFirstName="Alice"/><body>Hello</body></message>' +
        '<delay xmlns="urn:xmpp:delay" from="conference.example.com" stamp="2024-09-24T17:40:09.620712Z"/></forwarded></result></message>',
    );
  });

  it("is never stored offline nor archived (it belongs to the session that asked)", () => {
    const message = resultMessage(entry, target, "bob@example.com/res", "urn:xmpp:mam:1", undefined, log)!;
    expect(isOfflineStorable(message)).toBe(false);
    expect(isArchivable1to1(message)).toBe(false);
  });

  it("skips an unreadable entry with a log line instead of failing the page", () => {
    const errors: object[] = [];
    expect(resultMessage({ ...entry, stanza: "<message><body>" }, target, "bob@example.com/res", "urn:xmpp:mam:2", undefined, { error: (f) => errors.push(f) })).toBeUndefined();
    expect(errors).toEqual([expect.objectContaining({ archive: entry.archive, id: entry.id })]);
  });
});
