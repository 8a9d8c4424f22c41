// Room archive queries (PROTOCOL §6.4–§6.6 on room JIDs): RSM paging and `fin` as for user archives, the `with`
// filter on the sender's real bare JID, the exact bytes of a result (from the room JID, inner from room/nick with the
// room's stamps, delay from the MUC service) over TCP and WebSocket; then the standard profile (no tenant guard).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawSession } from "../harness/raw-session.js";
import type { TestClient, Transport, XmlElement } from "../harness/test-client.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { joined } from "./muc-helpers.js";
import { MAM2, RSM, bodies, outcome, post, queryRoom, rawOutcome, rsmOf, unwrap } from "./room-mam-helpers.js";

const SERVICE = "conference.localhost";
let roomSeq = 0;

async function createRoom(server: TestServer, prefix: string, options: Record<string, string> = {}): Promise<string> {
  const name = `${prefix}${++roomSeq}${Math.random().toString(36).slice(2, 6)}`;
  expect((await server.api("create_room_with_opts", { name, service: SERVICE, options })).status).toBe(200);
  return `${name}@${SERVICE}`;
}

describe("room archive queries, ethora profile", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ users: ["admin", "65f0a1_alice", "65f0a1_bob"], config: { auth: { mechanisms: ["PLAIN"] } } });
  });
  afterAll(() => server.stop());

  it.each<Transport>(["tcp", "ws"])("pages over %s: <before/> is the last page, oldest first; before/after ids, max 0, fin", async (transport) => {
    const room = await createRoom(server, "65f0a1_paging");
    const alice = await server.connect("65f0a1_alice", { transport });
    const bob = await server.connect("65f0a1_bob", { transport });
    await joined(alice, `${room}/65f0a1_alice`);
    const ids: string[] = [];
    for (let i = 1; i <= 7; i++) ids.push(await post(alice, room, `page ${i}`));
    expect(ids.every((id) => /^[1-9]\d{15}$/.test(id))).toBe(true);

    const last = await queryRoom(bob, room, { max: 3, before: "" });
    expect(bodies(last)).toEqual(["page 5", "page 6", "page 7"]);
    expect(last.results.map((r) => unwrap(r).id)).toEqual(ids.slice(4));
    expect(rsmOf(last.fin)).toEqual({ complete: "false", first: ids[4], index: "4", last: ids[6], count: "7" });

    const middle = await queryRoom(bob, room, { max: 3, before: ids[4] });
    expect(bodies(middle)).toEqual(["page 2", "page 3", "page 4"]);
    expect(rsmOf(middle.fin)).toMatchObject({ complete: "false", index: "1" });
    const oldest = await queryRoom(bob, room, { max: 3, before: ids[1] });
    expect(bodies(oldest)).toEqual(["page 1"]);
    expect(rsmOf(oldest.fin)).toEqual({ complete: "true", first: ids[0], index: "0", last: ids[0], count: "7" });

    const forward = await queryRoom(bob, room, { max: 5, after: ids[4] });
    expect(bodies(forward)).toEqual(["page 6", "page 7"]);
    expect(rsmOf(forward.fin)).toMatchObject({ complete: "true", index: "5" });
    const between = await queryRoom(bob, room, { max: 10, after: ids[1], before: ids[5] });
    expect(bodies(between)).toEqual(["page 3", "page 4", "page 5"]);
    // An id need not exist and compares numerically (§6.4).
    const fromNumber = await queryRoom(bob, room, { max: 2, after: String(Number(ids[2]) + 1) });
    expect(bodies(fromNumber)).toEqual(["page 4", "page 5"]);
    expect(rsmOf(fromNumber.fin).complete).toBe("false");

    const first = await queryRoom(bob, room, { max: 2 });
    expect(bodies(first)).toEqual(["page 1", "page 2"]);
    expect(rsmOf(first.fin)).toMatchObject({ complete: "false", index: "0" });
    const all = await queryRoom(bob, room);
    expect(bodies(all)).toHaveLength(7);
    expect(rsmOf(all.fin).complete).toBe("true");

    const countOnly = await queryRoom(bob, room, { max: 0 });
    expect(countOnly.results).toEqual([]);
    expect(countOnly.fin?.getChild("set", RSM)?.getChildElements().map((c) => c.toString())).toEqual(["<count>7</count>"]);
    await Promise.all([alice.stop(), bob.stop()]);
  });

  it("filters `with` on the sender's real bare JID, not on the room nick", async () => {
    const room = await createRoom(server, "65f0a1_with");
    const alice = await server.connect("65f0a1_alice");
    const bob = await server.connect("65f0a1_bob", { transport: "ws" });
    await joined(alice, `${room}/65f0a1_alice`);
    await joined(bob, `${room}/65f0a1_bob`);
    await post(alice, room, "a1");
    await post(bob, room, "b1");
    await post(alice, room, "a2");
    const byBob = await queryRoom(alice, room, { with: "65f0a1_bob@localhost" });
    expect(bodies(byBob)).toEqual(["b1"]);
    expect(unwrap(byBob.results[0] as XmlElement).message.attrs.from).toBe(`${room}/65f0a1_bob`);
    expect(rsmOf(byBob.fin)).toMatchObject({ count: "1", complete: "true" });
    expect(bodies(await queryRoom(bob, room, { with: "65f0a1_alice@localhost", before: "" }))).toEqual(["a1", "a2"]);
    expect(bodies(await queryRoom(bob, room, { with: `${room}/65f0a1_bob` }))).toEqual([]);
    await Promise.all([alice.stop(), bob.stop()]);
  });

  it("answers urn:xmpp:mam:1 in urn:xmpp:mam:1, and omits queryid when the request has none", async () => {
    const room = await createRoom(server, "65f0a1_ns");
    const alice = await server.connect("65f0a1_alice");
    await joined(alice, `${room}/65f0a1_alice`);
    await post(alice, room, "one");
    const v1 = await queryRoom(alice, room, { ns: "urn:xmpp:mam:1" });
    expect(v1.fin?.attrs.xmlns).toBe("urn:xmpp:mam:1");
    expect(v1.results.map((r) => r.getChild("result", "urn:xmpp:mam:1")?.attrs.queryid)).toEqual([v1.iq.attrs.id]);
    const start = alice.received.length;
    const legacy = await queryRoom(alice, room, { queryid: null });
    expect(legacy.iq.attrs.type).toBe("result");
    const plain = alice.received.slice(start).filter((s) => s.is("message") && s.getChild("result", MAM2) !== undefined);
    expect(plain.map((s) => s.getChild("result", MAM2)?.attrs.queryid)).toEqual([undefined]);
    await alice.stop();
  });

  it("writes result messages and the fin exactly as §6.6 shows (TCP bytes)", async () => {
    const room = await createRoom(server, "65f0a1_exact");
    const { raw, jid } = await rawSession(server, "tcp", { user: "65f0a1_alice", resource: "res1" });
    raw.send(`<presence/><presence to="${room}/65f0a1_alice"><x xmlns="http://jabber.org/protocol/muc"/></presence>`);
    await raw.waitFor(/<subject\/>/);
    raw.send(`<message to="${room}" type="groupchat" id="warm-up"><body>before</body></message>`);
    await raw.waitFor('id="warm-up"');
    const data = `<data xmlns="wss://chat.example.com/ws" senderFirstName="Alice" senderLastName="Smith" roomJid="${room}"/>`;
    raw.send(`<message to="${room}" type="groupchat" id="send-text-message-0b9e">${data}<body>Hello &amp; &lt;you&gt; "é"</body></message>`);
    const live = await raw.waitFor(/id="send-text-message-0b9e"[^>]*>.*?<\/message>/);
    const id = /<stanza-id xmlns="urn:xmpp:sid:0" by="[^"]+" id="(\d+)"\/><data/.exec(live)?.[1] ?? "none";

    const start = raw.text().length;
    raw.send(`<iq type="set" to="${room}" id="get-history:1"><query xmlns="${MAM2}" queryid="get-history:1"><set xmlns="${RSM}"><max>1</max><before/></set></query></iq>`);
    const text = (await raw.waitFor(/<iq [^>]*id="get-history:1"[\s\S]*?<\/iq>/)).slice(start);
    const stamp = new Date(Math.floor(Number(id) / 1000)).toISOString().slice(0, 19) + "." + id.slice(-6) + "Z";
    expect(text.replace(/^(<message from="[^"]+" to="[^"]+" id=")[^"]+/, "$1X")).toBe(
      `<message from="${room}" to="${jid}" id="X"><result xmlns="urn:xmpp:mam:2" queryid="get-history:1" id="${id}"><forwarded xmlns="urn:xmpp:forward:0">` +
        `<message xmlns="jabber:client" from="${room}/65f0a1_alice" type="groupchat" id="send-text-message-0b9e">` +
        `<archived xmlns="urn:xmpp:mam:tmp" by="${room}" id="${id}"/><stanza-id xmlns="urn:xmpp:sid:0" by="${room}" id="${id}"/>` +
        `${data}<body>Hello &amp; &lt;you&gt; "é"</body></message>` +
        `<delay xmlns="urn:xmpp:delay" from="${SERVICE}" stamp="${stamp}"/></forwarded></result></message>` +
        `<iq type="result" id="get-history:1" from="${room}" to="${jid}"><fin xmlns="urn:xmpp:mam:2" complete="false">` +
        `<set xmlns="${RSM}"><first index="1">${id}</first><last>${id}</last><count>2</count></set></fin></iq>`,
    );
    raw.close();
  });

  it("frames a result message and the fin as WebSocket stanzas, each declaring jabber:client", async () => {
    const room = await createRoom(server, "65f0a1_wsframes");
    const alice = await server.connect("65f0a1_alice");
    await joined(alice, `${room}/65f0a1_alice`);
    const id = await post(alice, room, "framed");
    const { raw, jid } = await rawSession(server, "ws", { user: "65f0a1_bob", resource: "web" });
    raw.send(`<iq xmlns="jabber:client" type="set" to="${room}" id="ws-q"><query xmlns="${MAM2}"/></iq>`);
    await raw.waitFor('id="ws-q"');
    const [message, iq] = raw.frames.slice(-2);
    expect(message).toMatch(new RegExp(`^<message xmlns="jabber:client" from="${room}" to="${jid}" id="[^"]+"><result xmlns="urn:xmpp:mam:2" id="${id}"><forwarded xmlns="urn:xmpp:forward:0"><message xmlns="jabber:client" from="${room}/65f0a1_alice" type="groupchat" id="[^"]+"><archived `));
    expect(message).toMatch(new RegExp(`<body>framed</body></message><delay xmlns="urn:xmpp:delay" from="${SERVICE}" stamp="[^"]+\\.\\d{6}Z"/></forwarded></result></message>$`));
    expect(iq).toBe(`<iq xmlns="jabber:client" type="result" id="ws-q" from="${room}" to="${jid}"><fin xmlns="urn:xmpp:mam:2" complete="true"><set xmlns="${RSM}"><first index="0">${id}</first><last>${id}</last><count>1</count></set></fin></iq>`);
    raw.close();
    await alice.stop();
  });
});

describe("room archive queries, standard profile (no tenant guard)", () => {
  let server: TestServer;
  let alice: TestClient;
  let carol: TestClient;

  beforeAll(async () => {
    server = await startTestServer({ profile: "standard", users: ["alice", "carol", "65f0a1_zed"], config: { auth: { mechanisms: ["PLAIN"], anonymous: true } } });
    alice = await server.connect("alice");
    carol = await server.connect("carol", { transport: "ws" });
  });
  afterAll(() => server.stop());

  it("lets any non-anonymous user read an open room created by joining, whatever its name; refuses anonymous users", async () => {
    const room = `lounge@${SERVICE}`;
    await joined(alice, `${room}/alice`);
    await post(alice, room, "hi");
    expect(await outcome(carol, room)).toBe("ok:1");
    const zed = await server.connect("65f0a1_zed");
    expect(await outcome(zed, room)).toBe("ok:1");
    const anon = await rawSession(server, "tcp", "anonymous");
    expect(await rawOutcome(anon.raw, room)).toBe("auth/forbidden/anonymous not allowed");
    anon.raw.close();
    await zed.stop();
  });

  it("keeps the members-only and mam rules", async () => {
    const closed = await createRoom(server, "club", { members_only: "true", affiliations: "owner=alice@localhost" });
    await joined(alice, `${closed}/alice`);
    await post(alice, closed, "members only");
    expect(await outcome(alice, closed)).toBe("ok:1");
    expect(await outcome(carol, closed)).toBe("auth/forbidden/Only members may query archives of this room");
    const quiet = await createRoom(server, "quiet", { mam: "false" });
    expect(await outcome(carol, quiet)).toBe("cancel/service-unavailable/");
  });
});
