// What happens to unacknowledged stanzas when a session ends (PROTOCOL §2.11, §9.4), with raw stream
// management clients that never acknowledge, over TCP and WebSocket.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { offlineModule } from "../../src/modules/offline/offline.module.js";
import type { OfflineRow } from "../../src/modules/offline/offline.store.js";
import { parseJid } from "../../src/xmpp/jid.js";
import { rawSmSession } from "../harness/raw-session.js";
import { until } from "../harness/until.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient, type XmlElement } from "../harness/test-client.js";

type RawTransport = "tcp" | "ws";

let counter = 0;
const nextId = (p: string) => `${p}-${++counter}`;

const chat = (to: string, id: string, text: string) => xml("message", { to, type: "chat", id }, xml("body", {}, text));
const idOf = (row: OfflineRow) => /^<message[^>]* id="([^"]+)"/.exec(row.stanza)?.[1];
const isMessage = (id: string) => (s: XmlElement) => s.is("message") && s.attrs.id === id;

describe("PROTOCOL §2.11 in the ethora profile (no resumption: the session ends at once)", () => {
  let server: TestServer;
  const list = (user: string) => server.server.modules.api(offlineModule).list(parseJid(`${user}@localhost`));
  const count = (user: string) => server.server.modules.api(offlineModule).count(parseJid(`${user}@localhost`));

  beforeAll(async () => {
    const users = ["alice"];
    for (const t of ["tcp", "ws"]) for (const u of ["reroute", "fanout", "store", "again", "acked"]) users.push(`${u}_${t}`);
    server = await startTestServer({ users });
  });
  afterAll(() => server.stop());

  describe.each<RawTransport>(["tcp", "ws"])("raw client over %s", (transport) => {
    let alice: TestClient;
    beforeAll(async () => {
      alice = await server.connect("alice", { resource: `a-${transport}` });
    });

    it("re-routes a message addressed to the ended session to another available resource", async () => {
      const user = `reroute_${transport}`;
      const other = await server.connect(user, { resource: "other" });
      const raw = await rawSmSession(server, transport, user, "raw");
      const id = nextId("direct");
      await alice.send(chat(`${user}@localhost/raw`, id, "for raw"));
      await raw.waitFor(`id="${id}"`);
      expect(other.received.some(isMessage(id))).toBe(false);
      raw.close();
      const got = await other.receive(isMessage(id));
      expect(got.attrs.to).toBe(`${user}@localhost/other`);
      expect(got.attrs.from).toBe(alice.jid);
      expect(got.getChildText("body")).toBe("for raw");
      expect(await count(user)).toBe(0);
    });

    it("does not duplicate a bare-JID message the other resource already had", async () => {
      const user = `fanout_${transport}`;
      const other = await server.connect(user, { resource: "other" });
      const raw = await rawSmSession(server, transport, user, "raw");
      const bare = nextId("bare");
      const direct = nextId("direct");
      await alice.send(chat(`${user}@localhost`, bare, "to everyone"));
      await alice.send(chat(`${user}@localhost/raw`, direct, "for raw"));
      await raw.waitFor(`id="${direct}"`);
      await other.receive(isMessage(bare));
      raw.close();
      // Unacked stanzas are handled oldest first: once `direct` arrives, `bare` has been dealt with.
      await other.receive(isMessage(direct));
      expect(other.received.filter(isMessage(bare))).toHaveLength(1);
    });

    it("stores unacked chat messages offline when no other resource is available, and drops the rest", async () => {
      const user = `store_${transport}`;
      const raw = await rawSmSession(server, transport, user, "raw");
      const ids = { headline: nextId("hl"), groupchat: nextId("gc"), bare: nextId("bare"), direct: nextId("direct"), call: nextId("call") };
      await alice.send(xml("message", { to: `${user}@localhost/raw`, type: "headline", id: ids.headline }, xml("body", {}, "news")));
      const gc = `<message type="groupchat" id="${ids.groupchat}"><body>room</body></message>`;
      expect((await server.api("send_stanza", { from: "room@conference.localhost/nick", to: `${user}@localhost/raw`, stanza: gc })).status).toBe(200);
      await alice.send(chat(`${user}@localhost`, ids.bare, "one"));
      await alice.send(chat(`${user}@localhost/raw`, ids.direct, "two"));
      await alice.send(xml("message", { to: `${user}@localhost`, type: "chat", id: ids.call }, xml("data", { type: "call-invite" })));
      await raw.waitFor(`id="${ids.call}"`);
      expect(raw.text()).toContain(`id="${ids.groupchat}"`);
      expect(await count(user)).toBe(0);
      raw.close();
      const rows = await until(() => list(user), (r) => r.length >= 3);
      expect(rows.map(idOf)).toEqual([ids.bare, ids.direct, ids.call]);

      const back = await server.connect(user);
      for (const id of [ids.bare, ids.direct, ids.call]) {
        const got = await back.receive(isMessage(id));
        expect(got.getChildElements().at(-1)?.is("delay", "urn:xmpp:delay")).toBe(true);
      }
      expect(back.received.filter((s) => s.is("message")).map((s) => s.attrs.id)).toEqual([ids.bare, ids.direct, ids.call]);
    });

    it("stores a delivered but unacknowledged offline message again, in its place and only once", async () => {
      const user = `again_${transport}`;
      const first = nextId("first");
      const second = nextId("second");
      await alice.send(chat(`${user}@localhost`, first, "one"));
      await alice.send(chat(`${user}@localhost`, second, "two"));
      const stored = await until(() => list(user), (r) => r.length === 2);

      const raw = await rawSmSession(server, transport, user, "raw");
      const text = await raw.waitFor(`id="${second}"`);
      // Delivered with the delay appended as the last child, exactly as stored otherwise.
      const delivered = new RegExp(`<message[^>]*id="${first}"[^>]*>[\\s\\S]*?</message>`).exec(text)?.[0];
      expect(delivered).toMatch(/<body>one<\/body><delay xmlns="urn:xmpp:delay" from="localhost" stamp="[^"]+"\/><\/message>$/);
      expect(await count(user)).toBe(0);
      raw.close();
      const back = await until(() => list(user), (r) => r.length >= 2);
      expect(back).toEqual(stored);

      const client = await server.connect(user);
      await client.receive(isMessage(second));
      expect(client.received.filter((s) => s.is("message")).map((s) => s.attrs.id)).toEqual([first, second]);
      expect(client.received.find(isMessage(first))?.getChildren("delay", "urn:xmpp:delay")).toHaveLength(1);
    });

    it("does not store again what the client acknowledged", async () => {
      const user = `acked_${transport}`;
      const raw = await rawSmSession(server, transport, user, "raw");
      const m1 = nextId("m1");
      const m2 = nextId("m2");
      await alice.send(chat(`${user}@localhost`, m1, "one"));
      await raw.waitFor(`id="${m1}"`);
      // h = stanzas received since <enabled/>: the presence echo and m1.
      const since = raw.text().slice(raw.text().indexOf("<enabled"));
      const h = (since.match(/<(message|presence|iq)[\s>/]/g) ?? []).length;
      expect(h).toBe(2);
      raw.send(`<a xmlns="urn:xmpp:sm:3" h="${h}"/>`);
      await alice.send(chat(`${user}@localhost`, m2, "two"));
      await raw.waitFor(`id="${m2}"`);
      raw.close();
      const rows = await until(() => list(user), (r) => r.length >= 1);
      expect(rows.map(idOf)).toEqual([m2]);
    });
  });
});

describe("PROTOCOL §2.11 with stream resumption (standard profile): the hibernation timeout ends the session", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ profile: "standard", users: ["alice", "sleeper"], config: { sm: { resume_timeout: 1 } } });
  });
  afterAll(() => server.stop());

  it("keeps messages queued while hibernated and stores them offline when the timeout expires", async () => {
    const offline = server.server.modules.api(offlineModule);
    const sleeper = parseJid("sleeper@localhost");
    const alice = await server.connect("alice");
    const raw = await rawSmSession(server, "tcp", "sleeper", "raw");
    expect(raw.text()).toMatch(/<enabled[^>]*resume="true"/);
    raw.close();
    // Hibernated: still routable, so this message is queued for the session, not stored.
    await until(async () => server.server.sessions.get(parseJid("sleeper@localhost/raw"))?.isHibernated ?? false, (v) => v);
    const id = nextId("sleep");
    await alice.send(chat("sleeper@localhost", id, "wake up"));
    const rows = await until(() => offline.list(sleeper), (r) => r.length >= 1);
    expect(rows.map(idOf)).toEqual([id]);
    expect(server.server.sessions.get(parseJid("sleeper@localhost/raw"))).toBeUndefined();
  });
});
