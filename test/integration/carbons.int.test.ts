// XEP-0280 Message Carbons over real sockets (PROTOCOL §9.3), on TCP and WebSocket.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plainAuth, rawTcp, streamHeader } from "../harness/raw-client.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient, type Transport, type XmlElement } from "../harness/test-client.js";

const CARBONS = "urn:xmpp:carbons:2";
const FORWARD = "urn:xmpp:forward:0";

let server: TestServer;
let counter = 0;
const nextId = (p: string) => `${p}-${++counter}`;

beforeAll(async () => {
  const users: string[] = [];
  for (const t of ["tcp", "ws"]) for (const u of ["romeo", "juliet", "lowprio"]) users.push(`${u}_${t}`);
  users.push("raw_romeo", "raw_juliet", "mallory");
  server = await startTestServer({ users });
});
afterAll(() => server.stop());

async function iqReply(client: TestClient, payload: XmlElement, to?: string): Promise<XmlElement> {
  const id = nextId("iq");
  await client.send(xml("iq", { type: "set", id, ...(to === undefined ? {} : { to }) }, payload));
  return client.receive((s) => s.is("iq") && s.attrs.id === id);
}

const enable = (c: TestClient) => iqReply(c, xml("enable", { xmlns: CARBONS }));
const disable = (c: TestClient) => iqReply(c, xml("disable", { xmlns: CARBONS }));
const chat = (to: string, id: string, ...extra: XmlElement[]) => xml("message", { to, type: "chat", id }, xml("body", {}, `text of ${id}`), ...extra);

/** The copy of message `id` of the given kind, if this client got one. */
const copyOf = (kind: "sent" | "received", id: string) => (s: XmlElement) =>
  s.is("message") && s.getChild(kind, CARBONS)?.getChild("forwarded", FORWARD)?.getChild("message")?.attrs.id === id;
const anyCopyOf = (id: string) => (s: XmlElement) => copyOf("sent", id)(s) || copyOf("received", id)(s);
const plain = (id: string) => (s: XmlElement) => s.is("message") && s.attrs.id === id;

describe.each<Transport>(["tcp", "ws"])("message carbons over %s", (transport) => {
  const romeoBare = `romeo_${transport}@localhost`;
  const julietBare = `juliet_${transport}@localhost`;
  let garden: TestClient; // romeo, carbons on
  let home: TestClient; // romeo, carbons on
  let phone: TestClient; // romeo, carbons never enabled
  let juliet: TestClient;
  let nurse: TestClient; // juliet's second resource, carbons on

  beforeAll(async () => {
    garden = await server.connect(`romeo_${transport}`, { transport, resource: "garden" });
    home = await server.connect(`romeo_${transport}`, { transport, resource: "home" });
    phone = await server.connect(`romeo_${transport}`, { transport, resource: "phone" });
    juliet = await server.connect(`juliet_${transport}`, { transport, resource: "balcony" });
    nurse = await server.connect(`juliet_${transport}`, { transport, resource: "chamber" });
    for (const c of [garden, home, juliet, nurse]) expect((await enable(c)).attrs.type).toBe("result");
  });

  it("answers enable and disable with an empty result from the bare JID, repeatedly (XEP-0280 §4, §5, §11.1)", async () => {
    const again = await enable(garden);
    expect(again.attrs.type).toBe("result");
    expect(again.attrs.from).toBe(romeoBare);
    expect(again.getChildElements()).toHaveLength(0);
    expect((await iqReply(garden, xml("enable", { xmlns: CARBONS }), romeoBare)).attrs.type).toBe("result");
  });

  it("refuses to enable carbons for another account with not-allowed", async () => {
    const reply = await iqReply(garden, xml("enable", { xmlns: CARBONS }), julietBare);
    expect(reply.attrs.type).toBe("error");
    expect(reply.getChild("error")?.getChild("not-allowed", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBeDefined();
  });

  it("gives the sender's other carbons-enabled resources a <sent/> copy (XEP-0280 §8)", async () => {
    const id = nextId("sent");
    await garden.send(chat(`${julietBare}/balcony`, id, xml("data", { x: "1" })));
    const copy = await home.receive(copyOf("sent", id));
    expect(copy.attrs).toMatchObject({ from: romeoBare, to: home.jid, type: "chat" });
    expect(copy.getChildElements().map((c) => c.name)).toEqual(["sent"]);
    const inner = copy.getChild("sent", CARBONS)?.getChild("forwarded", FORWARD)?.getChild("message");
    expect(inner?.attrs).toMatchObject({ xmlns: "jabber:client", from: garden.jid, to: `${julietBare}/balcony`, type: "chat", id });
    expect(inner?.getChildText("body")).toBe(`text of ${id}`);
    expect(inner?.getChild("data")?.attrs.x).toBe("1");
    await juliet.receive(plain(id));
    // The order of one session's stream is kept: a later message proves no copy went to the others.
    const marker = nextId("marker");
    await juliet.send(chat(romeoBare, marker));
    for (const c of [garden, phone]) await c.receive(plain(marker));
    expect(garden.received.some(anyCopyOf(id))).toBe(false);
    expect(phone.received.some(anyCopyOf(id))).toBe(false);
  });

  it("gives the recipient's other carbons-enabled resources a <received/> copy of a full-JID message (XEP-0280 §7)", async () => {
    const id = nextId("recv");
    await juliet.send(chat(`${romeoBare}/garden`, id));
    const original = await garden.receive(plain(id));
    expect(original.getChild("received", CARBONS)).toBeUndefined();
    const copy = await home.receive(copyOf("received", id));
    expect(copy.attrs).toMatchObject({ from: romeoBare, to: home.jid, type: "chat" });
    const inner = copy.getChild("received", CARBONS)?.getChild("forwarded", FORWARD)?.getChild("message");
    expect(inner?.attrs).toMatchObject({ from: juliet.jid, to: `${romeoBare}/garden`, id });
    // Juliet's own other resource gets the <sent/> copy of what she sent.
    await nurse.receive(copyOf("sent", id));
    const marker = nextId("marker");
    await juliet.send(chat(romeoBare, marker));
    await phone.receive(plain(marker));
    expect(phone.received.some(anyCopyOf(id))).toBe(false);
    expect(garden.received.some(anyCopyOf(id))).toBe(false);
  });

  it("sends no received copies for a bare-JID message, which every resource gets (PROTOCOL §9.3)", async () => {
    const id = nextId("bare");
    await juliet.send(chat(romeoBare, id));
    for (const c of [garden, home, phone]) await c.receive(plain(id));
    const marker = nextId("marker");
    await juliet.send(chat(`${romeoBare}/home`, marker));
    await home.receive(plain(marker));
    await garden.receive(copyOf("received", marker));
    for (const c of [garden, home, phone]) expect(c.received.some(copyOf("received", id))).toBe(false);
  });

  it("makes no copies of <private/> messages and removes the element before delivery (XEP-0280 §10)", async () => {
    const id = nextId("private");
    await garden.send(chat(`${julietBare}/balcony`, id, xml("private", { xmlns: CARBONS })));
    const got = await juliet.receive(plain(id));
    expect(got.getChild("private", CARBONS)).toBeUndefined();
    expect(got.getChildText("body")).toBe(`text of ${id}`);
    const marker = nextId("marker");
    await garden.send(chat(`${julietBare}/balcony`, marker));
    await home.receive(copyOf("sent", marker));
    await nurse.receive(copyOf("received", marker));
    expect(home.received.some(anyCopyOf(id))).toBe(false);
    expect(nurse.received.some(anyCopyOf(id))).toBe(false);
  });

  it("makes no copies of <no-copy/> hinted messages (XEP-0334)", async () => {
    const id = nextId("nocopy");
    await garden.send(chat(`${julietBare}/balcony`, id, xml("no-copy", { xmlns: "urn:xmpp:hints" })));
    const got = await juliet.receive(plain(id));
    expect(got.getChild("no-copy", "urn:xmpp:hints")).toBeDefined();
    const marker = nextId("marker");
    await garden.send(chat(`${julietBare}/balcony`, marker));
    await home.receive(copyOf("sent", marker));
    await nurse.receive(copyOf("received", marker));
    expect(home.received.some(anyCopyOf(id))).toBe(false);
    expect(nurse.received.some(anyCopyOf(id))).toBe(false);
  });

  it("copies normal messages with a body, not headlines or body-less normal messages (XEP-0280 §6)", async () => {
    const normal = nextId("normal");
    const headline = nextId("headline");
    const bodyless = nextId("bodyless");
    await garden.send(xml("message", { to: `${julietBare}/balcony`, id: headline, type: "headline" }, xml("body", {}, "news")));
    await garden.send(xml("message", { to: `${julietBare}/balcony`, id: bodyless }, xml("data", { a: "b" })));
    await garden.send(xml("message", { to: `${julietBare}/balcony`, id: normal }, xml("body", {}, "plain")));
    const copy = await home.receive(copyOf("sent", normal));
    expect(copy.attrs.type).toBeUndefined();
    expect(home.received.some(anyCopyOf(headline)) || home.received.some(anyCopyOf(bodyless))).toBe(false);
  });

  it("gives a received copy of a bare-JID message to a carbons-enabled resource with negative priority, which §9.3 skips", async () => {
    const low = await server.connect(`lowprio_${transport}`, { transport, resource: "low", presence: false });
    const high = await server.connect(`lowprio_${transport}`, { transport, resource: "high" });
    await low.send(xml("presence", {}, xml("priority", {}, "-1")));
    expect((await enable(low)).attrs.type).toBe("result");
    const id = nextId("lowprio");
    await juliet.send(chat(`lowprio_${transport}@localhost`, id));
    await high.receive(plain(id));
    const copy = await low.receive(copyOf("received", id));
    expect(copy.attrs.to).toBe(low.jid);
    expect(low.received.some(plain(id))).toBe(false);
  });

  it("stops copying to a resource that disabled carbons", async () => {
    expect((await disable(home)).attrs.type).toBe("result");
    expect((await disable(home)).attrs.type).toBe("result");
    const id = nextId("after-disable");
    await garden.send(chat(`${julietBare}/balcony`, id));
    await juliet.receive(plain(id));
    const marker = nextId("marker");
    await juliet.send(chat(romeoBare, marker));
    await home.receive(plain(marker));
    expect(home.received.some(anyCopyOf(id))).toBe(false);
    expect((await enable(home)).attrs.type).toBe("result");
    const again = nextId("after-enable");
    await garden.send(chat(`${julietBare}/balcony`, again));
    await home.receive(copyOf("sent", again));
  });
});

describe("carbons on the wire", () => {
  it("advertises urn:xmpp:carbons:2 on the server's disco#info", async () => {
    const client = await server.connect("mallory");
    const id = nextId("disco");
    await client.send(xml("iq", { type: "get", id, to: "localhost" }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
    const reply = await client.receive((s) => s.is("iq") && s.attrs.id === id);
    const features = (reply.getChild("query")?.getChildren("feature") ?? []).map((f) => f.attrs.var);
    expect(features).toContain(CARBONS);
  });

  it("serialises a copy exactly: wrapper from the bare JID, the original inside as jabber:client", async () => {
    const login = async (user: string, resource: string) => {
      const raw = await rawTcp(server.port("c2s"));
      raw.send(streamHeader("localhost"));
      await raw.waitFor("</stream:features>");
      raw.send(plainAuth(user, "secret"));
      await raw.waitFor("<success");
      raw.send(streamHeader("localhost"));
      await raw.waitFor(/<\/stream:features>[\s\S]*<\/stream:features>/);
      raw.send(`<iq type="set" id="b"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><resource>${resource}</resource></bind></iq>`);
      await raw.waitFor("</bind></iq>");
      raw.send(`<presence/><iq type="set" id="c"><enable xmlns="urn:xmpp:carbons:2"/></iq>`);
      await raw.waitFor(`id="c"`);
      return raw;
    };
    const a = await login("raw_romeo", "a");
    const b = await login("raw_romeo", "b");
    a.send(`<message to="raw_juliet@localhost" type="chat" id="w1"><body>hi</body><data type="x"/></message>`);
    const text = await b.waitFor(/<message from="raw_romeo@localhost" to="raw_romeo@localhost\/b"[\s\S]*?<\/sent><\/message>/);
    const copy = /<message from="raw_romeo@localhost" to="raw_romeo@localhost\/b"[\s\S]*?<\/sent><\/message>/.exec(text)?.[0];
    expect(copy).toBe(
      `<message from="raw_romeo@localhost" to="raw_romeo@localhost/b" type="chat"><sent xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0">` +
        `<message xmlns="jabber:client" to="raw_juliet@localhost" type="chat" id="w1" from="raw_romeo@localhost/a"><body>hi</body><data type="x"/></message>` +
        `</forwarded></sent></message>`,
    );
    a.close();
    b.close();
  });
});
