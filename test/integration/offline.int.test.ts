// Offline storage over real sockets (PROTOCOL §9.3, §9.4; XEP-0160, XEP-0203), on TCP and WebSocket.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { offlineModule } from "../../src/modules/offline/offline.module.js";
import { parseJid } from "../../src/xmpp/jid.js";
import { rawTcp, streamHeader } from "../harness/raw-client.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient, type Transport, type XmlElement } from "../harness/test-client.js";

const STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";
const DELAY = "urn:xmpp:delay";
const FULL_TEXT = "Your contact offline message queue is full. The message has been discarded.";
const CAP = 4;

let server: TestServer;
let counter = 0;
const nextId = (p: string) => `${p}-${++counter}`;

beforeAll(async () => {
  const users: string[] = ["sender"];
  for (const t of ["tcp", "ws"]) for (const u of ["order", "callee", "filter", "full", "gone", "nopres", "negprio"]) users.push(`${u}_${t}`);
  server = await startTestServer({ users, config: { offline: { max_messages: CAP }, auth: { anonymous: true } } });
});
afterAll(() => server.stop());

/** A ping round trip: the session handles its stanzas in order, so what it sent before has been routed. */
async function sync(client: TestClient): Promise<void> {
  const id = nextId("sync");
  await client.send(xml("iq", { type: "get", id, to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })));
  await client.receive((s) => s.is("iq") && s.attrs.id === id);
}

async function offlineCount(user: string): Promise<number> {
  const reply = await server.api("get_offline_count", { user, host: "localhost" });
  expect(reply.status).toBe(200);
  return reply.body as number;
}

const chat = (to: string, id: string, ...children: XmlElement[]) => xml("message", { to, type: "chat", id }, ...children);
const body = (text: string) => xml("body", {}, text);
const lastChild = (s: XmlElement) => s.getChildElements().at(-1);

describe.each<Transport>(["tcp", "ws"])("offline storage over %s", (transport) => {
  let sender: TestClient;
  beforeAll(async () => {
    sender = await server.connect("sender", { transport, resource: `s-${transport}` });
  });

  it("stores messages for an offline user and delivers them after initial presence, in order, with the delay appended", async () => {
    const user = `order_${transport}`;
    const before = Date.now();
    for (const n of [1, 2, 3]) await sender.send(chat(`${user}@localhost`, `o${n}-${transport}`, body(`hello ${n}`), xml("data", { n: String(n) })));
    await sync(sender);
    const after = Date.now();
    expect(await offlineCount(user)).toBe(3);

    const client = await server.connect(user, { transport, presence: false });
    await sync(client);
    // Nothing moves before initial presence.
    expect(await offlineCount(user)).toBe(3);
    expect(client.received.some((s) => s.is("message"))).toBe(false);

    await client.send(xml("presence"));
    const got: XmlElement[] = [];
    for (const n of [1, 2, 3]) got.push(await client.receive((s) => s.is("message") && s.attrs.id === `o${n}-${transport}`));
    const messages = client.received.filter((s) => s.is("message"));
    expect(messages.map((s) => s.attrs.id)).toEqual([`o1-${transport}`, `o2-${transport}`, `o3-${transport}`]);
    for (const [i, m] of got.entries()) {
      expect(m.attrs.from).toBe(sender.jid);
      expect(m.attrs.to).toBe(client.jid);
      expect(m.getChildText("body")).toBe(`hello ${i + 1}`);
      // Children keep their order (archive stamps, if any, are prepended at routing); the delay comes last.
      expect(m.getChildElements().map((c) => c.name).slice(-3)).toEqual(["body", "data", "delay"]);
      expect(m.getChildren("delay", DELAY)).toHaveLength(1);
      const delay = lastChild(m);
      expect(delay?.attrs.xmlns).toBe(DELAY);
      expect(delay?.attrs.from).toBe("localhost");
      const stamp = Date.parse(delay?.attrs.stamp ?? "");
      expect(delay?.attrs.stamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      expect(stamp).toBeGreaterThanOrEqual(before - 1);
      expect(stamp).toBeLessThanOrEqual(after + 1);
    }
    expect(await offlineCount(user)).toBe(0);
  });

  it("stores body-less call signalling", async () => {
    const user = `callee_${transport}`;
    const id = nextId("call");
    await sender.send(chat(`${user}@localhost`, id, xml("data", { type: "call-invite", callId: "c-1", room: "r" })));
    await sync(sender);
    expect(await offlineCount(user)).toBe(1);
    const client = await server.connect(user, { transport });
    const got = await client.receive((s) => s.is("message") && s.attrs.id === id);
    expect(got.getChild("data")?.attrs).toEqual({ type: "call-invite", callId: "c-1", room: "r" });
    expect(got.getChild("body")).toBeUndefined();
    expect(lastChild(got)?.is("delay", DELAY)).toBe(true);
  });

  it("does not store errors, headlines, groupchat, chat states or no-store messages", async () => {
    const user = `filter_${transport}`;
    const to = `${user}@localhost`;
    const ids = { headline: nextId("hl"), groupchat: nextId("gc"), state: nextId("cs"), nostore: nextId("ns"), error: nextId("er"), kept: nextId("kept") };
    await sender.send(xml("message", { to, type: "headline", id: ids.headline }, body("news")));
    await sender.send(xml("message", { to, type: "groupchat", id: ids.groupchat }, body("room")));
    await sender.send(chat(to, ids.state, xml("composing", { xmlns: "http://jabber.org/protocol/chatstates" })));
    await sender.send(chat(to, ids.nostore, body("secret"), xml("no-store", { xmlns: "urn:xmpp:hints" })));
    await sender.send(xml("message", { to, type: "error", id: ids.error }, xml("error", { type: "cancel" }, xml("gone", { xmlns: STANZAS }))));
    await sender.send(chat(to, ids.kept, body("kept")));
    await sync(sender);
    expect(await offlineCount(user)).toBe(1);
    const rows = await server.server.modules.api(offlineModule).list(parseJid(to));
    expect(rows.map((r) => /id="([^"]+)"/.exec(r.stanza)?.[1])).toEqual([ids.kept]);
  });

  it("bounces a user's message with wait/resource-constraint and the literal text once the queue is full", async () => {
    const user = `full_${transport}`;
    for (let i = 0; i < CAP; i++) await sender.send(chat(`${user}@localhost`, nextId("fill"), body(`m${i}`)));
    const overflow = nextId("overflow");
    await sender.send(chat(`${user}@localhost`, overflow, body("one too many")));
    const bounce = await sender.receive((s) => s.is("message") && s.attrs.id === overflow);
    expect(bounce.attrs.type).toBe("error");
    expect(bounce.attrs.from).toBe(`${user}@localhost`);
    expect(bounce.attrs.to).toBe(sender.jid);
    const error = bounce.getChild("error");
    expect(error?.attrs.type).toBe("wait");
    expect(error?.getChildElements().map((c) => `${c.name} ${c.attrs.xmlns}`)).toEqual([`resource-constraint ${STANZAS}`, `text ${STANZAS}`]);
    expect(error?.getChildText("text", STANZAS)).toBe(FULL_TEXT);
    expect(await offlineCount(user)).toBe(CAP);
  });

  it("drops a MucSub event silently once the queue is full", async () => {
    const user = `full_${transport}`; // filled by the previous test
    expect(await offlineCount(user)).toBe(CAP);
    const id = nextId("mucsub");
    const event =
      `<message id="${id}"><event xmlns="http://jabber.org/protocol/pubsub#event"><items node="urn:xmpp:mucsub:nodes:messages">` +
      `<item id="1"><message xmlns="jabber:client" type="groupchat" from="room@conference.localhost/x"><body>hi</body></message></item></items></event></message>`;
    // Sent as the sender's own JID, so that a bounce, if there were one, would reach a client we watch.
    const reply = await server.api("send_stanza", { from: sender.jid, to: `${user}@localhost`, stanza: event });
    expect(reply.status).toBe(200);
    await sync(sender);
    expect(sender.received.some((s) => s.attrs.id === id)).toBe(false);
    expect(await offlineCount(user)).toBe(CAP);
  });

  it("bounces a message to an unknown account with cancel/service-unavailable and stores nothing", async () => {
    const id = nextId("unknown");
    await sender.send(chat(`nobody_${transport}@localhost`, id, body("anyone?")));
    const bounce = await sender.receive((s) => s.is("message") && s.attrs.id === id);
    expect(bounce.attrs.type).toBe("error");
    expect(bounce.getChild("error")?.attrs.type).toBe("cancel");
    expect(bounce.getChild("error")?.getChild("service-unavailable", STANZAS)).toBeDefined();
    expect(await offlineCount(`nobody_${transport}`)).toBe(0);
  });

  it("removes the queue when the account is unregistered", async () => {
    const user = `gone_${transport}`;
    await sender.send(chat(`${user}@localhost`, nextId("gone"), body("bye")));
    await sync(sender);
    expect(await offlineCount(user)).toBe(1);
    expect((await server.api("unregister", { user, host: "localhost" })).status).toBe(200);
    expect(await offlineCount(user)).toBe(0);
    await server.register(user);
    const client = await server.connect(user, { transport });
    await sync(client);
    expect(client.received.some((s) => s.is("message"))).toBe(false);
  });

  it("keeps messages for a session that never sent presence", async () => {
    const user = `nopres_${transport}`;
    const client = await server.connect(user, { transport, presence: false });
    const id = nextId("np");
    await sender.send(chat(`${user}@localhost`, id, body("are you there?")));
    await sync(sender);
    await sync(client);
    expect(client.received.some((s) => s.attrs.id === id)).toBe(false);
    expect(await offlineCount(user)).toBe(1);
    await client.send(xml("presence"));
    const got = await client.receive((s) => s.is("message") && s.attrs.id === id);
    expect(lastChild(got)?.is("delay", DELAY)).toBe(true);
  });
});

describe.each<Transport>(["tcp", "ws"])("offline delivery and priority over %s (XEP-0160 §2)", (transport) => {
  it("does not hand the queue to a session whose initial presence has a negative priority", async () => {
    const user = `negprio_${transport}`;
    const sender = await server.connect("sender", { transport, resource: `neg-${transport}` });
    const id = nextId("neg");
    await sender.send(chat(`${user}@localhost`, id, body("later")));
    await sync(sender);
    const low = await server.connect(user, { transport, resource: "low", presence: false });
    await low.send(xml("presence", {}, xml("priority", {}, "-1")));
    await sync(low);
    expect(await offlineCount(user)).toBe(1);
    expect(low.received.some((s) => s.attrs.id === id)).toBe(false);
    const high = await server.connect(user, { transport, resource: "high" });
    await high.receive((s) => s.is("message") && s.attrs.id === id);
    expect(await offlineCount(user)).toBe(0);
  });
});

describe("anonymous accounts (PROTOCOL §2.6: no offline storage)", () => {
  /** An anonymous session that binds but never sends presence. */
  async function anonymousSession() {
    const raw = await rawTcp(server.port("c2s"));
    raw.send(streamHeader("localhost"));
    await raw.waitFor("</stream:features>");
    raw.send(`<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="ANONYMOUS"/>`);
    await raw.waitFor("<success");
    raw.send(streamHeader("localhost"));
    await raw.waitFor(/<\/stream:features>[\s\S]*<\/stream:features>/);
    raw.send(`<iq type="set" id="bind"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/></iq>`);
    const jid = /<jid>([^<]+)<\/jid>/.exec(await raw.waitFor("</bind></iq>"))?.[1] ?? "";
    return { raw, jid: parseJid(jid) };
  }

  it("stores nothing for an anonymous session that is not available, and bounces nothing", async () => {
    const sender = await server.connect("sender", { resource: "anon-test" });
    const { raw, jid } = await anonymousSession();
    expect(jid.local).toMatch(/^anon-[0-9a-f]{16}$/);
    const id = nextId("anon");
    await sender.send(chat(jid.bareString, id, body("hello stranger")));
    await sync(sender);
    expect(sender.received.some((s) => s.attrs.id === id)).toBe(false);
    expect(await server.server.modules.api(offlineModule).count(jid)).toBe(0);
    raw.close();
  });
});
