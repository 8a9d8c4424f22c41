import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import type { Session } from "../../core/session.js";
import { LocalSessionDirectory } from "../../core/session-directory.js";
import type { Element } from "../../xml/element.js";
import { serialize } from "../../xml/serialize.js";
import { parseXml } from "../../xml/stream-parser.js";
import { parseJid, type Jid } from "../../xmpp/jid.js";
import { runMigrations } from "../../storage/migrator.js";
import { openDatabase, type OpenedDatabase } from "../../storage/open-database.js";
import { OfflineQueue } from "./offline.queue.js";
import { SqlOfflineStore, offlineMigrations } from "./offline.store.js";
import { isRedelivery, markRedelivery } from "./redelivery.js";
import { SessionEndHandler } from "./session-end.js";

let nextSessionId = 1;

function fakeSession(full: string, options: { available?: boolean; priority?: number; anonymous?: boolean } = {}): Session {
  return {
    id: nextSessionId++,
    jid: parseJid(full),
    isAnonymous: options.anonymous ?? false,
    boundAt: Date.now(),
    isAvailable: options.available ?? true,
    isHibernated: false,
    priority: options.priority ?? 0,
    presence: undefined,
    remoteAddress: "127.0.0.1",
    setPresence: () => undefined,
    deliver: () => undefined,
    close: () => undefined,
  };
}

const FULL = "Your contact offline message queue is full. The message has been discarded.";
const msg = (xml: string) => parseXml(xml);
const mucSubEvent = (node: string, inner: string) =>
  msg(
    `<message from="room@conference.h" to="bob@h/dead"><event xmlns="http://jabber.org/protocol/pubsub#event"><items node="${node}"><item id="1">${inner}</item></items></event></message>`,
  );
const ARCHIVED = `<message xmlns="jabber:client" type="groupchat"><archived xmlns="urn:xmpp:mam:tmp" by="room@conference.h" id="7"/><body>x</body></message>`;

describe("SessionEndHandler (PROTOCOL §2.11)", () => {
  let opened: OpenedDatabase;
  let sessions: LocalSessionDirectory;
  let routed: Element[];
  let queue: OfflineQueue;
  let existing: Set<string>;
  const bob = parseJid("bob@h");

  const handler = (storeMucSub = true) =>
    new SessionEndHandler({
      sessions,
      router: { route: async (s) => void routed.push(s), broadcast: async () => undefined },
      queue,
      log: pino({ level: "silent" }),
      storeMucSub,
      userExists: async (u: Jid) => existing.has(u.bareString),
    });
  const stored = async () => (await queue.list(bob)).map((r) => r.stanza);

  beforeEach(async () => {
    opened = await openDatabase("sqlite::memory:");
    await runMigrations(opened, offlineMigrations);
    sessions = new LocalSessionDirectory();
    routed = [];
    existing = new Set(["bob@h"]);
    queue = new OfflineQueue({ store: new SqlOfflineStore(opened.db), maxMessages: 2, sessions, router: { route: async () => undefined, broadcast: async () => undefined }, log: pino({ level: "silent" }) });
  });
  afterEach(() => opened.close());

  it("stores storable messages when no other session is available, drops everything else", async () => {
    const dead = fakeSession("bob@h/dead");
    sessions.add(fakeSession("bob@h/idle", { available: false }));
    sessions.add(fakeSession("bob@h/quiet", { priority: -1 }));
    const keep = msg(`<message from="a@h/x" to="bob@h/dead" type="chat" id="k"><body>k</body></message>`);
    const unacked = [
      msg(`<presence from="a@h/x" to="bob@h/dead"/>`),
      msg(`<iq from="a@h/x" to="bob@h/dead" type="get" id="q"><ping xmlns="urn:xmpp:ping"/></iq>`),
      msg(`<message from="r@conference.h/n" to="bob@h/dead" type="groupchat" id="g"><body>g</body></message>`),
      msg(`<message from="a@h/x" to="bob@h/dead" type="headline" id="h"><body>h</body></message>`),
      msg(`<message from="bob@h" to="bob@h/dead" type="chat"><received xmlns="urn:xmpp:carbons:2"/></message>`),
      msg(`<message from="a@h/x" to="bob@h/dead" type="chat" id="s"><composing xmlns="http://jabber.org/protocol/chatstates"/></message>`),
      keep,
    ];
    await handler().onSessionClosed(dead, unacked);
    expect(await stored()).toEqual([serialize(keep, "jabber:client")]);
    expect(routed).toEqual([]);
  });

  it("re-routes a message addressed to the ended session to each other available session with priority ≥ 0", async () => {
    const dead = fakeSession("bob@h/dead");
    sessions.add(fakeSession("bob@h/one"));
    sessions.add(fakeSession("bob@h/two", { priority: 5 }));
    sessions.add(fakeSession("bob@h/low", { priority: -1 }));
    const m = msg(`<message from="a@h/x" to="bob@h/dead" type="chat" id="d"><body>d</body></message>`);
    await handler().onSessionClosed(dead, [m]);
    expect(routed.map((s) => s.attrs["to"])).toEqual(["bob@h/one", "bob@h/two"]);
    expect(routed.every((s) => isRedelivery(s) && s.attrs["id"] === "d")).toBe(true);
    expect(m.attrs["to"]).toBe("bob@h/dead");
    expect(await stored()).toEqual([]);
  });

  it("sends a bare-JID message only to sessions that were not among its recipients", async () => {
    const dead = fakeSession("bob@h/dead");
    const early = fakeSession("bob@h/early");
    const late = fakeSession("bob@h/late", { available: false });
    sessions.add(dead);
    sessions.add(early);
    sessions.add(late);
    const h = handler();
    const m = msg(`<message from="a@h/x" to="bob@h" type="chat" id="b"><body>b</body></message>`);
    h.recordFanOut({ from: parseJid("a@h/x"), to: bob, stanza: m, origin: undefined });
    sessions.remove(dead);
    (late as { isAvailable: boolean }).isAvailable = true;
    await h.onSessionClosed(dead, [m]);
    expect(routed.map((s) => s.attrs["to"])).toEqual(["bob@h/late"]);
  });

  it("drops a bare-JID message that every other available session already had", async () => {
    const dead = fakeSession("bob@h/dead");
    sessions.add(dead);
    sessions.add(fakeSession("bob@h/other"));
    const h = handler();
    const m = msg(`<message from="a@h/x" to="bob@h" type="chat" id="b"><body>b</body></message>`);
    h.recordFanOut({ from: parseJid("a@h/x"), to: bob, stanza: m, origin: undefined });
    sessions.remove(dead);
    await h.onSessionClosed(dead, [m]);
    expect(routed).toEqual([]);
    expect(await stored()).toEqual([]);
  });

  it("bounces a user's message with the literal queue-full text when the queue is full", async () => {
    const dead = fakeSession("bob@h/dead");
    const ms = [1, 2, 3].map((n) => msg(`<message from="a@h/x" to="bob@h/dead" type="chat" id="m${n}"><body>${n}</body></message>`));
    await handler().onSessionClosed(dead, ms);
    expect((await stored()).length).toBe(2);
    expect(routed.map((s) => serialize(s, "jabber:client"))).toEqual([
      `<message type="error" id="m3" from="bob@h/dead" to="a@h/x"><body>3</body><error type="wait">` +
        `<resource-constraint xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/><text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">${FULL}</text></error></message>`,
    ]);
  });

  it("stores storable MucSub events only when no other session is available, and drops them silently when full", async () => {
    const dead = fakeSession("bob@h/dead");
    const other = fakeSession("bob@h/other", { priority: -5 });
    sessions.add(other);
    await handler().onSessionClosed(dead, [mucSubEvent("urn:xmpp:mucsub:nodes:messages", ARCHIVED)]);
    expect(await stored()).toEqual([]);
    sessions.remove(other);
    const events = [1, 2, 3].map(() => mucSubEvent("urn:xmpp:mucsub:nodes:messages", ARCHIVED));
    await handler().onSessionClosed(dead, [mucSubEvent("urn:xmpp:mucsub:nodes:presence", `<presence xmlns="jabber:client"/>`), ...events]);
    expect((await stored()).length).toBe(2);
    expect(routed).toEqual([]);
  });

  it("stores no MucSub event when mucsub.store_offline is false", async () => {
    await handler(false).onSessionClosed(fakeSession("bob@h/dead"), [mucSubEvent("urn:xmpp:mucsub:nodes:messages", ARCHIVED)]);
    expect(await stored()).toEqual([]);
  });

  it("stores nothing for an anonymous session or a deleted account", async () => {
    const m = () => msg(`<message from="a@h/x" to="bob@h/dead" type="chat"><body>x</body></message>`);
    await handler().onSessionClosed(fakeSession("bob@h/dead", { anonymous: true }), [m()]);
    existing.clear();
    await handler().onSessionClosed(fakeSession("bob@h/dead"), [m()]);
    expect(await stored()).toEqual([]);
    expect(routed).toEqual([]);
  });

  it("puts an offline message back under its own id instead of adding it, even past the cap", async () => {
    const store = new SqlOfflineStore(opened.db);
    await store.add("bob@h", 10, `<message from="a@h/x" to="bob@h" type="chat" id="o"><body>o</body></message>`);
    const [row] = await store.takeAll("bob@h");
    if (row === undefined) throw new Error("no row");
    await store.add("bob@h", 11, "<message id='n1'/>");
    await store.add("bob@h", 12, "<message id='n2'/>");
    const delivered = markRedelivery(msg(row.stanza), row);
    await handler().onSessionClosed(fakeSession("bob@h/dead"), [delivered, delivered]);
    expect((await queue.list(bob))[0]).toEqual(row);
    expect(await queue.count(bob)).toBe(3);
    expect(routed).toEqual([]);
  });
});
