import { describe, expect, it } from "vitest";
import { ArchiveIdAllocator } from "../../core/archive-ids.js";
import type { HookMap } from "../../core/hook-map.js";
import { parseXml } from "../../xml/stream-parser.js";
import { serialize } from "../../xml/serialize.js";
import { parseJid } from "../../xmpp/jid.js";
import { markRedelivery } from "../offline/redelivery.js";
import { ArchiveWriter } from "./archive-writer.js";
import { localDomainTest } from "./mam.stamps.js";
import type { ArchiveEntry } from "./mam.types.js";
import { senderCopyArchiver, userArchiveHook } from "./mam.user-archive.js";

function setup() {
  const rows: ArchiveEntry[] = [];
  let now = 1_000_000;
  const writer = new ArchiveWriter<ArchiveEntry>({ flushIntervalMs: 1e9, log: { error: () => undefined, warn: () => undefined }, write: async (r) => void rows.push(...r) });
  const hook = userArchiveHook({ hosts: new Set(["example.com"]), isLocalDomain: localDomainTest(["example.com"]), ids: new ArchiveIdAllocator(() => now++), writer });
  const route = async (from: string, to: string, xml: string) => {
    const payload: HookMap["message.routing"] = { from: parseJid(from), to: parseJid(to), stanza: parseXml(xml), origin: undefined };
    const original = payload.stanza;
    await hook(payload);
    await writer.flush();
    return { rows: rows.splice(0), delivered: serialize(payload.stanza, "jabber:client"), original };
  };
  return { route };
}

describe("userArchiveHook (PROTOCOL §6.2)", () => {
  it("one id, two entries (sender's and recipient's), the message stored as routed, the delivered copy stamped for the recipient", async () => {
    const { route } = setup();
    const { rows, delivered, original } = await route("alice@example.com/phone", "bob@example.com", '<message from="alice@example.com/phone" to="bob@example.com" type="chat" id="m1"><body>hi</body></message>');
    const stored = '<message from="alice@example.com/phone" to="bob@example.com" type="chat" id="m1"><body>hi</body></message>';
    expect(rows).toEqual([
      { archive: "alice@example.com", id: 1_000_000, peer: "bob@example.com", peerResource: "", nick: null, kind: 1, originId: "m1", stanza: stored, sender: "alice@example.com" },
      { archive: "bob@example.com", id: 1_000_000, peer: "alice@example.com", peerResource: "phone", nick: null, kind: 1, originId: "m1", stanza: stored, sender: "alice@example.com" },
    ]);
    expect(delivered).toBe(
      '<message from="alice@example.com/phone" to="bob@example.com" type="chat" id="m1"><archived xmlns="urn:xmpp:mam:tmp" by="bob@example.com" id="1000000"/><stanza-id xmlns="urn:xmpp:sid:0" by="bob@example.com" id="1000000"/><body>hi</body></message>',
    );
    expect(serialize(original, "jabber:client")).toBe(stored); // the original element is untouched
  });

  it("a message to oneself is one entry; a sender that is no local account has no archive", async () => {
    const { route } = setup();
    expect((await route("alice@example.com/a", "alice@example.com/b", "<message type='chat'><body>note</body></message>")).rows.map((r) => r.archive)).toEqual(["alice@example.com"]);
    expect((await route("example.com", "bob@example.com", "<message><body>notice</body></message>")).rows.map((r) => [r.archive, r.peer])).toEqual([["bob@example.com", "example.com"]]);
    expect((await route("room@conference.example.com/nick", "bob@example.com", "<message type='chat'><body>pm</body></message>")).rows.map((r) => [r.archive, r.peer, r.peerResource])).toEqual([
      ["bob@example.com", "room@conference.example.com", "nick"],
    ]);
  });

  it("nothing for anonymous accounts, and no stamps on what they receive", async () => {
    const { route } = setup();
    const toAnon = await route("alice@example.com/a", "anon-0123456789abcdef@example.com/x", "<message type='chat'><body>hi</body></message>");
    expect(toAnon.rows.map((r) => r.archive)).toEqual(["alice@example.com"]);
    expect(toAnon.delivered).not.toContain("stanza-id");
    expect((await route("anon-0123456789abcdef@example.com/x", "alice@example.com", "<message type='chat'><body>yo</body></message>")).rows.map((r) => r.archive)).toEqual(["alice@example.com"]);
  });

  it("skips what §6.2 does not archive, but still removes forged stamps", async () => {
    const { route } = setup();
    for (const xml of [
      "<message type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>",
      "<message type='headline'><body>news</body></message>",
      "<message type='chat'><body>x</body><no-store xmlns='urn:xmpp:hints'/></message>",
      "<message type='chat'><body>x</body><no-permanent-store xmlns='urn:xmpp:hints'/></message>",
    ]) {
      expect((await route("alice@example.com/a", "bob@example.com", xml)).rows).toEqual([]);
    }
    const forged = await route("alice@example.com/a", "bob@example.com", "<message type='headline'><stanza-id xmlns='urn:xmpp:sid:0' by='bob@example.com' id='1'/><body>news</body></message>");
    expect(forged.delivered).toBe('<message type="headline"><body>news</body></message>');
    const hinted = await route("alice@example.com/a", "bob@example.com", "<message type='chat'><store xmlns='urn:xmpp:hints'/><reaction/></message>");
    expect(hinted.rows).toHaveLength(2);
  });

  it("leaves re-deliveries alone (offline queue, §2.11): they were archived and stamped the first time", async () => {
    const rows: ArchiveEntry[] = [];
    const writer = new ArchiveWriter<ArchiveEntry>({ log: { error: () => undefined, warn: () => undefined }, write: async (r) => void rows.push(...r) });
    const hook = userArchiveHook({ hosts: new Set(["example.com"]), isLocalDomain: localDomainTest(["example.com"]), ids: new ArchiveIdAllocator(), writer });
    const stanza = markRedelivery(parseXml("<message type='chat'><stanza-id xmlns='urn:xmpp:sid:0' by='bob@example.com' id='5'/><body>again</body></message>"), undefined);
    const payload: HookMap["message.routing"] = { from: parseJid("alice@example.com/a"), to: parseJid("bob@example.com"), stanza, origin: undefined };
    await hook(payload);
    await writer.flush();
    expect(payload.stanza).toBe(stanza);
    expect(rows).toEqual([]);
  });

  it("archives only the sender's copy, unstamped, for a message the recipient blocked (§6.2, §7.7)", async () => {
    const rows: ArchiveEntry[] = [];
    const writer = new ArchiveWriter<ArchiveEntry>({ flushIntervalMs: 1e9, log: { error: () => undefined, warn: () => undefined }, write: async (r) => void rows.push(...r) });
    const archive = senderCopyArchiver({ hosts: new Set(["example.com"]), isLocalDomain: localDomainTest(["example.com"]), ids: new ArchiveIdAllocator(() => 5), writer });
    const xml = '<message from="x@example.com/a" to="b@example.com" type="chat" id="m9"><body>hi</body></message>';
    const payload: HookMap["message.routing"] = { from: parseJid("x@example.com/a"), to: parseJid("b@example.com"), stanza: parseXml(xml), origin: undefined };
    await archive(payload);
    await writer.flush();
    expect(rows.map((r) => [r.archive, r.peer, r.sender])).toEqual([["x@example.com", "b@example.com", "x@example.com"]]);
    expect(serialize(payload.stanza, "jabber:client")).toBe(xml);
  });
});
