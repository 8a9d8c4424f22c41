// Bound sessions (PROTOCOL §2.7–§2.9): resource binding, the legacy session IQ, the session cap and
// replacement, `from` rewriting, in-order processing and backpressure against a flooding client.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { C2sSession } from "../../src/c2s/c2s-session.js";
import { parseJid } from "../../src/xmpp/jid.js";
import { plainAuth, rawTcp, streamHeader } from "../harness/raw-client.js";
import { rawSession } from "../harness/raw-session.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { expectStreamError, until } from "./c2s-helpers.js";

const bind = (id: string, resource?: string) =>
  `<iq type="set" id="${id}"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind">${resource === undefined ? "" : `<resource>${resource}</resource>`}</bind></iq>`;
const sessionIq = (id: string) => `<iq type="set" id="${id}"><session xmlns="urn:ietf:params:xml:ns:xmpp-session"/></iq>`;

describe("bound sessions (PROTOCOL §2.7–§2.9)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ users: ["alice", "bob", "carol", "dave"], config: { c2s: { max_user_sessions: 2 } } });
  });
  afterAll(() => server.stop());

  it("binds a requested resource as given", async () => {
    const { raw, jid } = await rawSession(server, "tcp", { user: "alice", resource: "Phone ☎ 1" });
    expect(jid).toBe("alice@localhost/Phone ☎ 1");
    raw.close();
  });

  it("generates a resource of 20 to 26 decimal digits when none is requested", async () => {
    const lengths = new Set<number>();
    for (let i = 0; i < 6; i++) {
      const { raw, jid } = await rawSession(server, i % 2 === 0 ? "tcp" : "ws", { user: "dave" });
      const resource = jid.slice("dave@localhost/".length);
      expect(resource).toMatch(/^[1-9]\d{19,25}$/);
      lengths.add(resource.length);
      raw.close();
    }
    expect(lengths.size).toBeGreaterThan(0);
  });

  it("refuses an invalid resource with an IQ error and lets the client bind again", async () => {
    const raw = await rawTcp(server.port("c2s"));
    raw.send(streamHeader("localhost"));
    await raw.waitFor("</stream:features>");
    raw.send(plainAuth("alice", "secret"));
    await raw.waitFor("<success");
    raw.send(streamHeader("localhost"));
    await raw.waitFor(/<\/stream:features>[\s\S]*<\/stream:features>/);
    raw.send(bind("b1", "x".repeat(1100)));
    await raw.waitFor(/<iq type="error" id="b1">[\s\S]*<bad-request xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"\/>/);
    raw.send(bind("b2", "fine"));
    await raw.waitFor(`<iq type="result" id="b2"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><jid>alice@localhost/fine</jid></bind></iq>`);
    raw.close();
  });

  it("answers the legacy session IQ with an empty result, at any time after bind, repeatedly (§2.8)", async () => {
    const { raw } = await rawSession(server, "tcp", { user: "bob", resource: "ios" });
    raw.send(sessionIq("s1"));
    await raw.waitFor(`<iq type="result" id="s1"/>`);
    raw.send(`<presence/>`);
    raw.send(sessionIq("s2"));
    await raw.waitFor(`<iq type="result" id="s2"/>`);
    raw.send(sessionIq("s3") + sessionIq("s4"));
    await raw.waitFor(`<iq type="result" id="s3"/><iq type="result" id="s4"/>`);
    raw.close();
  });

  it("ends the oldest session with conflict 'Replaced by new connection' past c2s.max_user_sessions", async () => {
    const first = await rawSession(server, "tcp", { user: "carol", resource: "one" });
    const second = await rawSession(server, "ws", { user: "carol", resource: "two" });
    const third = await rawSession(server, "tcp", { user: "carol", resource: "three" });
    await expectStreamError(first.raw, "conflict", "Replaced by new connection");
    expect(second.raw.text()).not.toContain("stream:error");
    expect(third.raw.text()).not.toContain("stream:error");
    const resources = server.server.sessions.resourcesOf(parseJid("carol@localhost")).map((s) => s.jid.resource);
    expect(resources.sort()).toEqual(["three", "two"]);
    // The cap counts per account: the next bind ends "two", now the oldest.
    const fourth = await rawSession(server, "ws", { user: "carol", resource: "four" });
    await expectStreamError(second.raw, "conflict", "Replaced by new connection");
    third.raw.close();
    fourth.raw.close();
  });

  it("binding a full JID that already has a session ends the old one the same way; the new one wins", async () => {
    const old = await rawSession(server, "ws", { user: "alice", resource: "default" });
    const replacement = await rawSession(server, "tcp", { user: "alice", resource: "default" });
    await expectStreamError(old.raw, "conflict", "Replaced by new connection");
    expect(replacement.jid).toBe("alice@localhost/default");
    const live = server.server.sessions.get(parseJid("alice@localhost/default"));
    expect(live).toBeDefined();
    replacement.raw.send(`<iq type="get" id="p1" to="localhost"><ping xmlns="urn:xmpp:ping"/></iq>`);
    await replacement.raw.waitFor(`id="p1"`);
    replacement.raw.close();
  });

  describe("client-supplied from (§2.9)", () => {
    it.each([
      ["absent", ""],
      ["the bare JID", ` from="alice@localhost"`],
      ["the full JID", ` from="alice@localhost/desk"`],
      ["the bare JID in another case", ` from="ALICE@LocalHost"`],
    ])("%s is replaced with the full JID", async (name, from) => {
      const bob = await rawSession(server, "ws", { user: "bob", resource: "reader" });
      const alice = await rawSession(server, "tcp", { user: "alice", resource: "desk" });
      const id = `from-${name.replace(/\W/g, "")}`;
      alice.raw.send(`<message to="bob@localhost/reader" type="chat" id="${id}"${from}><body>x</body></message>`);
      const text = await bob.raw.waitFor(`id="${id}"`);
      expect(new RegExp(`<message[^>]*id="${id}"[^>]*>`).exec(text)?.[0]).toContain(` from="alice@localhost/desk"`);
      alice.raw.close();
      bob.raw.close();
    });

    it.each([
      ["another resource of the same account", "alice@localhost/other"],
      ["another account", "bob@localhost"],
      ["the server", "localhost"],
      ["a malformed JID", "@@"],
    ])("naming %s is stream error invalid-from", async (_name, from) => {
      const alice = await rawSession(server, "tcp", { user: "alice", resource: "liar" });
      alice.raw.send(`<message to="bob@localhost" type="chat" from="${from}"><body>x</body></message>`);
      await expectStreamError(alice.raw, "invalid-from");
    });

    it("applies to presence and IQ too", async () => {
      const alice = await rawSession(server, "tcp", { user: "alice", resource: "iq" });
      alice.raw.send(`<iq type="get" id="own" from="alice@localhost" to="localhost"><ping xmlns="urn:xmpp:ping"/></iq>`);
      await alice.raw.waitFor(/<iq[^>]*id="own"[^>]*type="result"|<iq[^>]*type="result"[^>]*id="own"/);
      alice.raw.send(`<presence from="carol@localhost"/>`);
      await expectStreamError(alice.raw, "invalid-from");
    });
  });

  it("processes a session's stanzas strictly in order, and pauses a flooding client instead of buffering it", async () => {
    const bob = await rawSession(server, "tcp", { user: "bob", resource: "sink" });
    const alice = await rawSession(server, "tcp", { user: "alice", resource: "flood" });
    const session = server.server.sessions.get(parseJid(alice.jid)) as C2sSession;
    let pauses = 0;
    let maxInbox = 0;
    const conn = session.conn;
    const pause = conn.pause.bind(conn);
    conn.pause = () => {
      pauses++;
      pause();
    };
    const onData = session.onData.bind(session);
    session.onData = (chunk: string) => {
      onData(chunk);
      maxInbox = Math.max(maxInbox, session.inboxLength);
    };
    const count = 5000;
    let flood = "";
    for (let i = 0; i < count; i++) flood += `<message to="bob@localhost/sink" type="chat" id="f${i}"><body>${i}</body></message>`;
    alice.raw.send(flood);
    await bob.raw.waitFor(`id="f${count - 1}"`, 20_000);
    const ids = [...bob.raw.text().matchAll(/<message[^>]* id="f(\d+)"/g)].map((m) => Number(m[1]));
    expect(ids).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(pauses).toBeGreaterThan(0);
    // Bounded by the queue limit plus what one read can hold, far below the whole flood.
    expect(maxInbox).toBeLessThan(64 + Math.ceil(65536 / 70));
    await until(() => session.isReadPaused, (p) => !p);
    alice.raw.close();
    bob.raw.close();
  });
});
