// User archives over real sockets (PROTOCOL §6, XEP-0313): archiving, live stamps, queries and paging,
// errors, the exact bytes of a result, over TCP and WebSocket.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawSession } from "../harness/raw-session.js";
import { xml, type TestClient, type XmlElement } from "../harness/test-client.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";

const MAM2 = "urn:xmpp:mam:2";
const RSM = "http://jabber.org/protocol/rsm";
let queryCounter = 0;

interface QueryOptions {
  readonly ns?: string;
  readonly to?: string;
  readonly max?: number;
  readonly before?: string | undefined;
  readonly after?: string | undefined;
  readonly with?: string;
}

interface QueryReply {
  readonly results: XmlElement[];
  readonly fin: XmlElement;
  readonly queryid: string;
}

function queryStanza(o: QueryOptions, queryid: string): XmlElement {
  const ns = o.ns ?? MAM2;
  const rsm: XmlElement[] = [];
  if (o.max !== undefined) rsm.push(xml("max", {}, String(o.max)));
  if (o.after !== undefined) rsm.push(xml("after", {}, o.after));
  if (o.before !== undefined) rsm.push(o.before === "" ? xml("before") : xml("before", {}, o.before));
  const form =
    o.with === undefined
      ? undefined
      : xml("x", { xmlns: "jabber:x:data", type: "submit" }, xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, ns)), xml("field", { var: "with" }, xml("value", {}, o.with)));
  return xml("iq", { type: "set", ...(o.to === undefined ? {} : { to: o.to }) }, xml("query", { xmlns: ns, queryid }, form, rsm.length > 0 ? xml("set", { xmlns: RSM }, ...rsm) : undefined));
}

async function mamQuery(client: TestClient, o: QueryOptions = {}): Promise<QueryReply> {
  const ns = o.ns ?? MAM2;
  const queryid = `q${++queryCounter}`;
  const start = client.received.length;
  const iq = await client.iq(queryStanza(o, queryid));
  const results = client.received.slice(start).filter((s) => s.is("message") && s.getChild("result", ns)?.attrs.queryid === queryid);
  const fin = iq.getChild("fin", ns);
  if (fin === undefined) throw new Error(`no fin in ${iq.toString()}`);
  return { results, fin, queryid };
}

/** The archived message inside a result, and its result id. */
function unwrap(result: XmlElement, ns = MAM2): { id: string; message: XmlElement; delay: XmlElement } {
  const r = result.getChild("result", ns) as XmlElement;
  const forwarded = r.getChild("forwarded", "urn:xmpp:forward:0") as XmlElement;
  const [message, delay] = forwarded.getChildElements() as [XmlElement, XmlElement];
  return { id: r.attrs.id as string, message, delay };
}

function rsmOf(fin: XmlElement): Record<"first" | "index" | "last" | "count", string | undefined> {
  const set = fin.getChild("set", RSM) as XmlElement;
  const first = set.getChild("first");
  return { first: first?.text(), index: first?.attrs.index, last: set.getChild("last")?.text(), count: set.getChildText("count") ?? undefined };
}

async function errorOf(promise: Promise<unknown>): Promise<{ condition: string; type: string }> {
  try {
    await promise;
  } catch (e) {
    const err = e as { condition: string; type: string };
    return { condition: err.condition, type: err.type };
  }
  throw new Error("expected an error reply");
}

async function chat(from: TestClient, to: string, id: string, body: string, extra: XmlElement[] = []): Promise<void> {
  await from.send(xml("message", { to, type: "chat", id }, ...extra, xml("body", {}, body)));
}

describe("MAM user archives over real sockets", () => {
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;

  beforeAll(async () => {
    server = await startTestServer({ users: ["alice", "bob", "carol", "dave", "eve", "frank"], config: { auth: { anonymous: true } } });
    alice = await server.connect("alice", { transport: "tcp", resource: "desk" });
    bob = await server.connect("bob", { transport: "ws", resource: "web" });
  });
  afterAll(() => server.stop());

  it("stores a message in both archives under one id; the live copy has archived then stanza-id first, forged stamps removed", async () => {
    const forged = xml("stanza-id", { xmlns: "urn:xmpp:sid:0", by: "bob@localhost", id: "forged" });
    await chat(alice, "bob@localhost", "m-both", "hello bob", [forged]);
    const live = await bob.receive((s) => s.is("message") && s.attrs.id === "m-both");
    const [archived, stanzaId, ...rest] = live.getChildElements();
    expect(archived?.is("archived", "urn:xmpp:mam:tmp")).toBe(true);
    expect(archived?.attrs.by).toBe("bob@localhost");
    expect(stanzaId?.is("stanza-id", "urn:xmpp:sid:0")).toBe(true);
    expect(stanzaId?.attrs).toMatchObject({ by: "bob@localhost", id: archived?.attrs.id });
    expect(rest.map((c) => c.name)).toEqual(["body"]);
    const id = archived?.attrs.id as string;
    expect(id).toMatch(/^[1-9]\d{15}$/);

    const mine = await mamQuery(alice, { with: "bob@localhost", before: "" });
    const theirs = await mamQuery(bob, { with: "alice@localhost", before: "" });
    expect(mine.results.map((r) => unwrap(r).id).at(-1)).toBe(id);
    expect(theirs.results.map((r) => unwrap(r).id).at(-1)).toBe(id);
    const stored = unwrap(mine.results.at(-1) as XmlElement).message;
    expect(stored.getChildElements().map((c) => [c.name, c.attrs.by])).toEqual([["archived", "alice@localhost"], ["stanza-id", "alice@localhost"], ["body", undefined]]);
  });

  it("archives for an offline recipient too", async () => {
    await chat(alice, "carol@localhost", "m-offline", "are you there?");
    const mine = await mamQuery(alice, { with: "carol@localhost" });
    expect(mine.results).toHaveLength(1);
    const carol = await server.connect("carol", { presence: false });
    const theirs = await mamQuery(carol, {});
    expect(theirs.results.map((r) => unwrap(r).id)).toEqual([unwrap(mine.results[0] as XmlElement).id]);
    expect(unwrap(theirs.results[0] as XmlElement).message.getChildText("body")).toBe("are you there?");
    await carol.stop();
  });

  it("pages backwards from <before/>: oldest first within a page, fin with complete/first index/last/count", async () => {
    const dave = await server.connect("dave");
    const eve = await server.connect("eve");
    for (let i = 1; i <= 7; i++) await chat(dave, "eve@localhost", `p${i}`, `page ${i}`);
    await eve.receive((s) => s.is("message") && s.attrs.id === "p7");

    const last = await mamQuery(eve, { max: 3, before: "" });
    expect(last.results.map((r) => unwrap(r).message.getChildText("body"))).toEqual(["page 5", "page 6", "page 7"]);
    const ids = last.results.map((r) => unwrap(r).id);
    expect(last.fin.attrs.complete).toBe("false");
    expect(rsmOf(last.fin)).toEqual({ first: ids[0], index: "4", last: ids[2], count: "7" });

    const middle = await mamQuery(eve, { max: 3, before: ids[0] });
    expect(middle.results.map((r) => unwrap(r).message.getChildText("body"))).toEqual(["page 2", "page 3", "page 4"]);
    expect(rsmOf(middle.fin).index).toBe("1");
    const oldest = await mamQuery(eve, { max: 3, before: rsmOf(middle.fin).first });
    expect(oldest.results.map((r) => unwrap(r).message.getChildText("body"))).toEqual(["page 1"]);
    expect(oldest.fin.attrs.complete).toBe("true");
    expect(rsmOf(oldest.fin)).toMatchObject({ index: "0", count: "7" });

    const forward = await mamQuery(dave, { max: 5, after: ids[0] });
    expect(forward.results.map((r) => unwrap(r).message.getChildText("body"))).toEqual(["page 6", "page 7"]);
    expect(forward.fin.attrs.complete).toBe("true");
    const empty = await mamQuery(dave, { max: 5, after: ids[2] });
    expect(empty.results).toEqual([]);
    expect(rsmOf(empty.fin)).toEqual({ first: undefined, index: undefined, last: undefined, count: "7" });
    await Promise.all([dave.stop(), eve.stop()]);
  });

  it("archives messages sent through the admin API, whatever the sender", async () => {
    const carol = await server.connect("carol", { presence: false });
    expect((await server.api("send_message", { type: "chat", from: "alice@localhost/api", to: "carol@localhost", body: "via api" })).status).toBe(200);
    expect((await server.api("send_message", { type: "normal", from: "localhost", to: "carol@localhost", body: "from the server" })).status).toBe(200);
    const theirs = await mamQuery(carol, { max: 2, before: "" });
    expect(theirs.results.map((r) => [unwrap(r).message.attrs.from, unwrap(r).message.getChildText("body")])).toEqual([
      ["alice@localhost/api", "via api"],
      ["localhost", "from the server"],
    ]);
    const mine = await mamQuery(alice, { max: 1, before: "", with: "carol@localhost" });
    expect(mine.results.map((r) => unwrap(r).id)).toEqual([unwrap(theirs.results[0] as XmlElement).id]);
    await carol.stop();
  });

  it("deletes the archive of a deleted account, and only that one", async () => {
    await server.register("gina");
    await chat(alice, "gina@localhost", "to-gina", "before deletion");
    const before = await mamQuery(alice, { max: 1, before: "", with: "gina@localhost" });
    expect(before.results).toHaveLength(1);
    expect((await server.api("unregister", { user: "gina", host: "localhost" })).status).toBe(200);
    await server.register("gina");
    const gina = await server.connect("gina", { presence: false });
    const after = await mamQuery(gina, {});
    expect(after.results).toEqual([]);
    expect(rsmOf(after.fin).count).toBe("0");
    expect((await mamQuery(alice, { max: 1, before: "", with: "gina@localhost" })).results.map((r) => unwrap(r).id)).toEqual([unwrap(before.results[0] as XmlElement).id]);
    await gina.stop();
  });

  it("never interleaves two queries of one session", async () => {
    const [q1, q2] = ["inter1", "inter2"];
    const start = alice.received.length;
    const replies = Promise.all([alice.iq(queryStanza({ max: 3 }, q1)), alice.iq(queryStanza({ max: 3 }, q2))]);
    await replies;
    const order = alice.received
      .slice(start)
      .map((s) => (s.is("iq") ? `iq:${s.getChild("fin", MAM2) !== undefined ? "fin" : "?"}` : (s.getChild("result", MAM2)?.attrs.queryid ?? "other")));
    const count = order.filter((o) => o === q1).length;
    expect(count).toBeGreaterThan(0);
    expect(order).toEqual([...Array(count).fill(q1), "iq:fin", ...Array(count).fill(q2), "iq:fin"]);
  });

  it("refuses another user's archive (auth/forbidden), non-numeric ids (modify/bad-request), and mam:tmp queries", async () => {
    const start = alice.received.length;
    expect(await errorOf(mamQuery(alice, { to: "bob@localhost" }))).toEqual({ condition: "forbidden", type: "auth" });
    expect(await errorOf(mamQuery(alice, { before: "12abc" }))).toEqual({ condition: "bad-request", type: "modify" });
    expect(await errorOf(mamQuery(alice, { after: "x" }))).toEqual({ condition: "bad-request", type: "modify" });
    expect(await errorOf(mamQuery(alice, { ns: "urn:xmpp:mam:tmp" }))).toEqual({ condition: "service-unavailable", type: "cancel" });
    expect(alice.received.slice(start).filter((s) => s.is("message"))).toEqual([]);
  });

  it("answers urn:xmpp:mam:1 in urn:xmpp:mam:1, own bare JID as `to` included, queryid echoed", async () => {
    const reply = await mamQuery(alice, { ns: "urn:xmpp:mam:1", to: "alice@localhost", max: 1, before: "" });
    expect(reply.results).toHaveLength(1);
    const result = (reply.results[0] as XmlElement).getChild("result", "urn:xmpp:mam:1");
    expect(result?.attrs.queryid).toBe(reply.queryid);
    expect(reply.fin.attrs.xmlns).toBe("urn:xmpp:mam:1");
  });

  it("never archives for anonymous accounts, but archives their messages in the other side's archive", async () => {
    const anon = await rawSession(server, "tcp", "anonymous");
    anon.raw.send(`<presence/><message to="frank@localhost" type="chat" id="from-anon"><body>hi frank</body></message><iq type="get" id="anon-sync"><ping xmlns="urn:xmpp:ping"/></iq>`);
    await anon.raw.waitFor('id="anon-sync"'); // the session handles stanzas in order: the message is routed
    const frank = await server.connect("frank");
    const fromAnon = await mamQuery(frank, {});
    expect(fromAnon.results.map((r) => unwrap(r).message.attrs.from)).toEqual([anon.jid]);
    await chat(frank, anon.jid, "to-anon", "hello anon");
    await anon.raw.waitFor('id="to-anon"');
    expect(anon.raw.text()).not.toContain("urn:xmpp:mam:tmp");
    anon.raw.send(`<iq type="set" id="anon-q"><query xmlns="${MAM2}"/></iq>`);
    const text = await anon.raw.waitFor(/<iq [^>]*id="anon-q"[\s\S]*?<\/iq>/);
    expect(text).toContain('<count>0</count>');
    expect(text).not.toContain("<result");
    anon.raw.close();
    await frank.stop();
  });

  it("advertises MAM and stanza-id on the account, answers the form fields and the metadata", async () => {
    const info = await alice.iq(xml("iq", { type: "get", to: "alice@localhost" }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
    const features = (info.getChild("query")?.getChildren("feature") ?? []).map((f) => f.attrs.var);
    expect(features).toEqual(expect.arrayContaining([MAM2, "urn:xmpp:mam:1", "urn:xmpp:sid:0"]));
    const fields = await alice.iq(xml("iq", { type: "get" }, xml("query", { xmlns: MAM2 })));
    const vars = fields.getChild("query", MAM2)?.getChild("x", "jabber:x:data")?.getChildren("field").map((f) => f.attrs.var);
    expect(vars).toEqual(["FORM_TYPE", "with", "start", "end"]);
    const metadata = (await alice.iq(xml("iq", { type: "get" }, xml("metadata", { xmlns: MAM2 })))).getChild("metadata", MAM2);
    const all = await mamQuery(alice, { max: 250 });
    expect(metadata?.getChild("start")?.attrs.id).toBe(unwrap(all.results[0] as XmlElement).id);
    expect(metadata?.getChild("end")?.attrs.id).toBe(unwrap(all.results.at(-1) as XmlElement).id);
  });

  it("writes a result message and the fin exactly as §6.6 shows, and the live copy as §6.7", async () => {
    const a = await rawSession(server, "tcp", { user: "alice", resource: "raw" });
    const b = await rawSession(server, "tcp", { user: "bob", resource: "rawb" });
    b.raw.send("<presence/>");
    a.raw.send(`<message to="bob@localhost" type="chat" id="exact-1"><data xmlns="wss://chat.example.com/ws" senderFirstName="A &amp; B"/><body>Hello "there" &lt;3</body></message>`);
    const bobText = await b.raw.waitFor('id="exact-1"');
    // The client's attributes keep their order; the server appends the `from` it stamps (§2.9).
    const live = /<message to="bob@localhost" type="chat" id="exact-1" from="alice@localhost\/raw">.*?<\/message>/.exec(bobText)?.[0];
    const id = /id="(\d+)"\/>/.exec(live ?? "")?.[1] as string;
    expect(live).toBe(
      `<message to="bob@localhost" type="chat" id="exact-1" from="alice@localhost/raw"><archived xmlns="urn:xmpp:mam:tmp" by="bob@localhost" id="${id}"/><stanza-id xmlns="urn:xmpp:sid:0" by="bob@localhost" id="${id}"/><data xmlns="wss://chat.example.com/ws" senderFirstName="A &amp; B"/><body>Hello "there" &lt;3</body></message>`,
    );

    a.raw.send(`<iq type="set" id="exact-q"><query xmlns="${MAM2}" queryid="qx"><set xmlns="${RSM}"><max>1</max><before/></set></query></iq>`);
    const text = await a.raw.waitFor(/<iq [^>]*id="exact-q"[\s\S]*?<\/iq>/);
    const tail = text.slice(text.lastIndexOf('<message from="alice@localhost" to="alice@localhost/raw"'));
    const stamp = new Date(Math.floor(Number(id) / 1000)).toISOString().slice(0, 19) + "." + id.slice(-6) + "Z";
    expect(tail).toMatch(/^<message from="alice@localhost" to="alice@localhost\/raw" id="[^"]+">/);
    const count = countIn(tail);
    expect(tail.replace(/^(<message [^>]* id=")[^"]+/, "$1X")).toBe(
      `<message from="alice@localhost" to="alice@localhost/raw" id="X"><result xmlns="urn:xmpp:mam:2" queryid="qx" id="${id}"><forwarded xmlns="urn:xmpp:forward:0">` +
        `<message xmlns="jabber:client" to="bob@localhost" type="chat" id="exact-1" from="alice@localhost/raw"><archived xmlns="urn:xmpp:mam:tmp" by="alice@localhost" id="${id}"/><stanza-id xmlns="urn:xmpp:sid:0" by="alice@localhost" id="${id}"/>` +
        `<data xmlns="wss://chat.example.com/ws" senderFirstName="A &amp; B"/><body>Hello "there" &lt;3</body></message>` +
        `<delay xmlns="urn:xmpp:delay" from="localhost" stamp="${stamp}"/></forwarded></result></message>` +
        `<iq type="result" id="exact-q" from="alice@localhost" to="alice@localhost/raw"><fin xmlns="urn:xmpp:mam:2" complete="false"><set xmlns="${RSM}"><first index="${count - 1}">${id}</first><last>${id}</last><count>${count}</count></set></fin></iq>`,
    );
    expect(count).toBeGreaterThan(1);
    a.raw.close();
    b.raw.close();
  });

  it("frames a result message and the fin as WebSocket stanzas (RFC 7395: each declares jabber:client)", async () => {
    const b = await rawSession(server, "ws", { user: "bob", resource: "rawws" });
    b.raw.send(`<iq xmlns="jabber:client" type="set" id="ws-q"><query xmlns="${MAM2}"><set xmlns="${RSM}"><max>1</max><before/></set></query></iq>`);
    await b.raw.waitFor('id="ws-q"');
    const frames = b.raw.frames.slice(-2);
    expect(frames[0]).toMatch(/^<message xmlns="jabber:client" from="bob@localhost" to="bob@localhost\/rawws" id="[^"]+"><result xmlns="urn:xmpp:mam:2" id="\d+"><forwarded xmlns="urn:xmpp:forward:0"><message xmlns="jabber:client" /);
    expect(frames[0]).toMatch(/<\/message><delay xmlns="urn:xmpp:delay" from="localhost" stamp="[^"]+\.\d{6}Z"\/><\/forwarded><\/result><\/message>$/);
    expect(frames[1]).toMatch(/^<iq xmlns="jabber:client" type="result" id="ws-q" from="bob@localhost" to="bob@localhost\/rawws"><fin xmlns="urn:xmpp:mam:2" complete="false">/);
    b.raw.close();
  });
});

function countIn(text: string): number {
  return Number(/<count>(\d+)<\/count>/.exec(text)?.[1]);
}
