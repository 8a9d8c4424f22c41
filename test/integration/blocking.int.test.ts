// XEP-0191 Blocking Command over real c2s connections (TCP with STARTTLS, and WebSocket), PROTOCOL §9.6.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient, type Transport, type XmlElement } from "../harness/test-client.js";
import { plainAuth, rawTcp, streamHeader } from "../harness/raw-client.js";

const BLOCKING = "urn:xmpp:blocking";
const STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";

let server: TestServer;
let counter = 0;
const nextId = (prefix: string) => `${prefix}-${++counter}`;

beforeAll(async () => {
  const users: string[] = [];
  for (const t of ["tcp", "ws"]) for (const u of ["juliet", "romeo", "nurse"]) users.push(`${u}_${t}`);
  users.push("full_list", "deleted_user", "raw_juliet", "raw_romeo", "sub_juliet", "sub_romeo");
  server = await startTestServer({ users, config: { block: { max_items: 3 } } });
});
afterAll(() => server.stop());

/** Sends an IQ and resolves with the reply (result or error), whatever it is. */
async function iqReply(client: TestClient, type: "get" | "set", payload: XmlElement, to?: string): Promise<XmlElement> {
  const id = nextId("iq");
  await client.send(xml("iq", { type, id, ...(to === undefined ? {} : { to }) }, payload));
  return client.receive((s) => s.is("iq") && s.attrs.id === id && (s.attrs.type === "result" || s.attrs.type === "error"));
}

/**
 * A round trip through the server: the session handles its stanzas in order, so once this returns
 * everything the client sent before has been routed, and everything routed to it before has arrived.
 */
async function sync(client: TestClient): Promise<void> {
  const reply = await iqReply(client, "get", xml("blocklist", { xmlns: BLOCKING }));
  expect(reply.attrs.type).toBe("result");
}

const items = (...jids: string[]) => jids.map((jid) => xml("item", { jid }));

async function blocklist(client: TestClient): Promise<string[]> {
  const reply = await iqReply(client, "get", xml("blocklist", { xmlns: BLOCKING }));
  expect(reply.attrs.type).toBe("result");
  return (reply.getChild("blocklist", BLOCKING)?.getChildren("item") ?? []).map((i) => i.attrs.jid ?? "");
}

function conditionOf(stanza: XmlElement): { type: string | undefined; children: string[] } {
  const error = stanza.getChild("error");
  return { type: error?.attrs.type, children: (error?.getChildElements() ?? []).map((c) => `${c.name} ${c.attrs.xmlns ?? ""}`) };
}

describe.each<Transport>(["tcp", "ws"])("XEP-0191 blocking over %s", (transport) => {
  const juliet = `juliet_${transport}@localhost`;
  const romeo = `romeo_${transport}@localhost`;
  const nurse = `nurse_${transport}@localhost`;
  let j1: TestClient;
  let j2: TestClient;
  let j3: TestClient;
  let r: TestClient;
  let n: TestClient;

  beforeAll(async () => {
    j1 = await server.connect(`juliet_${transport}`, { transport, resource: "chamber" });
    j2 = await server.connect(`juliet_${transport}`, { transport, resource: "balcony" });
    j3 = await server.connect(`juliet_${transport}`, { transport, resource: "garden" });
    r = await server.connect(`romeo_${transport}`, { transport, resource: "orchard" });
    n = await server.connect(`nurse_${transport}`, { transport });
  });

  it("returns an empty blocklist, then the blocked JIDs after a block (§3.2, §3.3)", async () => {
    expect(await blocklist(j1)).toEqual([]);
    expect(await blocklist(j2)).toEqual([]); // j1 and j2 asked for the list; j3 never does
    const reply = await iqReply(j1, "set", xml("block", { xmlns: BLOCKING }, items(romeo)));
    expect(reply.attrs.type).toBe("result");
    expect(await blocklist(j1)).toEqual([romeo]);
  });

  it("pushes the block to every resource that requested the blocklist, and only to them (§3.3)", async () => {
    const isPush = (s: XmlElement) => s.is("iq") && s.attrs.type === "set" && s.getChild("block", BLOCKING) !== undefined;
    for (const c of [j1, j2]) {
      const push = await c.receive(isPush);
      expect(push.attrs.from).toBe(juliet);
      expect(push.attrs.to).toBe(c.jid);
      expect(push.getChild("block", BLOCKING)?.getChildren("item").map((i) => i.attrs.jid)).toEqual([romeo]);
    }
    await sync(j3);
    expect(j3.received.filter(isPush)).toEqual([]);
  });

  it("refuses a stanza to a blocked JID with not-acceptable and <blocked/>, type cancel (§3.3)", async () => {
    const id = nextId("m");
    await j1.send(xml("message", { to: romeo, type: "chat", id }, xml("body", {}, "Can you hear me now?")));
    const bounce = await j1.receive((s) => s.is("message") && s.attrs.id === id);
    expect(bounce.attrs.type).toBe("error");
    expect(bounce.attrs.from).toBe(romeo);
    expect(bounce.attrs.to).toBe(j1.jid);
    expect(conditionOf(bounce)).toEqual({ type: "cancel", children: [`not-acceptable ${STANZAS}`, "blocked urn:xmpp:blocking:errors"] });
    await sync(r);
    expect(r.received.filter((s) => s.attrs.id === id)).toEqual([]);
  });

  it("also refuses directed presence and IQs to the blocked JID", async () => {
    const iq = await iqReply(j1, "get", xml("ping", { xmlns: "urn:xmpp:ping" }), `${romeo}/orchard`);
    expect(conditionOf(iq)).toEqual({ type: "cancel", children: [`not-acceptable ${STANZAS}`, "blocked urn:xmpp:blocking:errors"] });
    const id = nextId("p");
    await j1.send(xml("presence", { to: romeo, id }));
    const bounce = await j1.receive((s) => s.is("presence") && s.attrs.id === id);
    expect(conditionOf(bounce).children[1]).toBe("blocked urn:xmpp:blocking:errors");
  });

  it("bounces a message from the blocked JID with service-unavailable and does not deliver it (§3.3)", async () => {
    const id = nextId("m");
    await r.send(xml("message", { to: juliet, type: "chat", id }, xml("body", {}, "It is my lady")));
    const bounce = await r.receive((s) => s.is("message") && s.attrs.id === id);
    expect(bounce.attrs.type).toBe("error");
    expect(bounce.attrs.from).toBe(juliet);
    expect(conditionOf(bounce)).toEqual({ type: "cancel", children: [`service-unavailable ${STANZAS}`] });
    for (const c of [j1, j2, j3]) await sync(c);
    for (const c of [j1, j2, j3]) expect(c.received.filter((s) => s.attrs.id === id)).toEqual([]);
  });

  it("bounces a message to a full JID of the blocking user too", async () => {
    const id = nextId("m");
    await r.send(xml("message", { to: j2.jid, type: "chat", id }, xml("body", {}, "psst")));
    const bounce = await r.receive((s) => s.is("message") && s.attrs.id === id);
    expect(conditionOf(bounce).children).toEqual([`service-unavailable ${STANZAS}`]);
  });

  it("drops presence from the blocked JID without an error (§3.3)", async () => {
    const id = nextId("p");
    await r.send(xml("presence", { to: juliet, id }));
    await r.send(xml("presence", { to: j1.jid, id: `${id}-full` }));
    await sync(r);
    for (const c of [j1, j2, j3]) await sync(c);
    for (const c of [j1, j2, j3]) expect(c.received.filter((s) => s.attrs.id === id || s.attrs.id === `${id}-full`)).toEqual([]);
    expect(r.received.filter((s) => s.attrs.id === id || s.attrs.id === `${id}-full`)).toEqual([]);
  });

  it("answers an IQ get from the blocked JID to a full JID with service-unavailable, not delivering it (§3.3)", async () => {
    const reply = await iqReply(r, "get", xml("time", { xmlns: "urn:xmpp:time" }), j1.jid);
    expect(reply.attrs.type).toBe("error");
    expect(conditionOf(reply).children).toEqual([`service-unavailable ${STANZAS}`]);
    await sync(j1);
    expect(j1.received.filter((s) => s.attrs.id === reply.attrs.id)).toEqual([]);
  });

  it("still delivers messages from JIDs that are not blocked", async () => {
    const id = nextId("m");
    await n.send(xml("message", { to: juliet, type: "chat", id }, xml("body", {}, "Juliet!")));
    const got = await j1.receive((s) => s.is("message") && s.attrs.id === id);
    expect(got.getChildText("body")).toBe("Juliet!");
  });

  it("unblocks one JID, pushes the unblock, and lets its messages through again (§3.4)", async () => {
    await iqReply(j1, "set", xml("block", { xmlns: BLOCKING }, items(nurse)));
    const reply = await iqReply(j2, "set", xml("unblock", { xmlns: BLOCKING }, items(romeo)));
    expect(reply.attrs.type).toBe("result");
    const isPush = (s: XmlElement) => s.is("iq") && s.attrs.type === "set" && s.getChild("unblock", BLOCKING) !== undefined;
    for (const c of [j1, j2]) {
      const push = await c.receive(isPush);
      expect(push.getChild("unblock", BLOCKING)?.getChildren("item").map((i) => i.attrs.jid)).toEqual([romeo]);
    }
    expect(await blocklist(j1)).toEqual([nurse]);
    const id = nextId("m");
    await r.send(xml("message", { to: juliet, type: "chat", id }, xml("body", {}, "Lady!")));
    expect((await j1.receive((s) => s.is("message") && s.attrs.id === id)).getChildText("body")).toBe("Lady!");
  });

  it("unblocks everything with an empty <unblock/> and pushes an empty <unblock/> (§3.5)", async () => {
    await iqReply(j1, "set", xml("block", { xmlns: BLOCKING }, items(romeo)));
    expect(await blocklist(j1)).toEqual([nurse, romeo]);
    const reply = await iqReply(j1, "set", xml("unblock", { xmlns: BLOCKING }));
    expect(reply.attrs.type).toBe("result");
    const push = await j2.receive((s) => s.is("iq") && s.attrs.type === "set" && s.getChild("unblock", BLOCKING)?.getChildren("item").length === 0);
    expect(push.attrs.to).toBe(j2.jid);
    expect(await blocklist(j1)).toEqual([]);
    const id = nextId("m");
    await n.send(xml("message", { to: juliet, type: "chat", id }, xml("body", {}, "Madam")));
    await j1.receive((s) => s.is("message") && s.attrs.id === id);
  });

  it("refuses <block/> without items with bad-request and a malformed JID with jid-malformed", async () => {
    const empty = await iqReply(j1, "set", xml("block", { xmlns: BLOCKING }));
    expect(conditionOf(empty).children[0]).toBe(`bad-request ${STANZAS}`);
    const malformed = await iqReply(j1, "set", xml("block", { xmlns: BLOCKING }, items("romeo@")));
    expect(conditionOf(malformed).children[0]).toBe(`jid-malformed ${STANZAS}`);
    expect(await blocklist(j1)).toEqual([]);
  });

  it("refuses to read or change another user's blocklist", async () => {
    const reply = await iqReply(r, "get", xml("blocklist", { xmlns: BLOCKING }), juliet);
    expect(conditionOf(reply).children[0]).toBe(`forbidden ${STANZAS}`);
  });
});

describe("XEP-0191 limits and account deletion", () => {
  it("refuses a block past block.max_items with resource-constraint and stores nothing (PROTOCOL §9.1)", async () => {
    const c = await server.connect("full_list");
    const ok = await iqReply(c, "set", xml("block", { xmlns: BLOCKING }, items("a@x.lit", "b@x.lit")));
    expect(ok.attrs.type).toBe("result");
    const refused = await iqReply(c, "set", xml("block", { xmlns: BLOCKING }, items("a@x.lit", "c@x.lit", "d@x.lit")));
    expect(conditionOf(refused)).toEqual({ type: "wait", children: [`resource-constraint ${STANZAS}`, `text ${STANZAS}`] });
    expect(await blocklist(c)).toEqual(["a@x.lit", "b@x.lit"]);
    // Re-blocking present items adds nothing, so it fits.
    const again = await iqReply(c, "set", xml("block", { xmlns: BLOCKING }, items("a@x.lit", "b@x.lit", "c@x.lit")));
    expect(again.attrs.type).toBe("result");
  });

  it("deletes the block list with the account (user.deleted)", async () => {
    let c = await server.connect("deleted_user");
    await iqReply(c, "set", xml("block", { xmlns: BLOCKING }, items("romeo_tcp@localhost")));
    expect(await blocklist(c)).toEqual(["romeo_tcp@localhost"]);
    expect((await server.api("unregister", { user: "deleted_user", host: "localhost" })).status).toBe(200);
    await server.register("deleted_user");
    c = await server.connect("deleted_user");
    expect(await blocklist(c)).toEqual([]);
  });

  it("advertises urn:xmpp:blocking in the server's disco#info (§3.1)", async () => {
    const c = await server.connect("full_list", { resource: "disco" });
    const reply = await iqReply(c, "get", xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), "localhost");
    const features = (reply.getChild("query")?.getChildren("feature") ?? []).map((f) => f.attrs.var);
    expect(features).toContain(BLOCKING);
  });
});

describe("XEP-0191 presence to a subscribed contact (§3.3, §3.4)", () => {
  it("sends unavailable presence on block, withholds broadcasts, and sends the current presence on unblock", async () => {
    const j = await server.connect("sub_juliet", { resource: "balcony" });
    const r = await server.connect("sub_romeo", { resource: "orchard" });
    // Romeo subscribes to Juliet's presence and she approves: Romeo may now receive it (RFC 6121 §3.1).
    await r.send(xml("presence", { to: "sub_juliet@localhost", type: "subscribe" }));
    await j.receive((s) => s.is("presence") && s.attrs.type === "subscribe");
    await j.send(xml("presence", { to: "sub_romeo@localhost", type: "subscribed" }));
    await r.receive((s) => s.is("presence") && s.attrs.from === j.jid && s.attrs.type === undefined);

    await iqReply(j, "set", xml("block", { xmlns: BLOCKING }, items("sub_romeo@localhost")));
    const unavailable = await r.receive((s) => s.is("presence") && s.attrs.from === j.jid && s.attrs.type === "unavailable");
    expect(unavailable.attrs.to).toBe("sub_romeo@localhost");

    await j.send(xml("presence", {}, xml("status", {}, "away from the window")));
    await sync(j);
    await sync(r);
    expect(r.received.filter((s) => s.getChildText("status") === "away from the window")).toEqual([]);

    await iqReply(j, "set", xml("unblock", { xmlns: BLOCKING }, items("sub_romeo@localhost")));
    const current = await r.receive((s) => s.is("presence") && s.attrs.from === j.jid && s.getChildText("status") === "away from the window");
    expect(current.attrs.type).toBeUndefined();
  });
});

describe("XEP-0191 error bytes", () => {
  async function rawLogin(user: string) {
    const raw = await rawTcp(server.port("c2s"));
    raw.send(streamHeader("localhost"));
    await raw.waitFor("</stream:features>");
    raw.send(plainAuth(user, "secret"));
    await raw.waitFor("<success");
    raw.send(streamHeader("localhost"));
    await raw.waitFor(/<stream:features[\s\S]*<\/stream:features>[\s\S]*<stream:features[\s\S]*<\/stream:features>/);
    raw.send(`<iq type="set" id="b"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><resource>raw</resource></bind></iq>`);
    await raw.waitFor("</bind></iq>");
    return raw;
  }

  it("serialises the refusal as in the XEP's example: condition first, then <blocked/>", async () => {
    const raw = await rawLogin("raw_juliet");
    raw.send(`<iq type="set" id="blk"><block xmlns="urn:xmpp:blocking"><item jid="raw_romeo@localhost"/></block></iq>`);
    await raw.waitFor(`id="blk"`);
    raw.send(`<message to="raw_romeo@localhost" type="chat" id="hear"><body>Can you hear me now?</body></message>`);
    const text = await raw.waitFor(/<message[^>]*id="hear"[\s\S]*?<\/message>/);
    const bounce = /<message[^>]*id="hear"[\s\S]*?<\/message>/.exec(text)?.[0];
    expect(bounce).toBe(
      `<message type="error" id="hear" from="raw_romeo@localhost" to="raw_juliet@localhost/raw"><body>Can you hear me now?</body>` +
        `<error type="cancel"><not-acceptable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/><blocked xmlns="urn:xmpp:blocking:errors"/></error></message>`,
    );
    raw.close();
  });
});
