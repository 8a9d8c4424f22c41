// §7.6 enforcement as a posting ban, over TCP and WebSocket: the bounce byte for byte (original children, then
// the error), chat states dropped silently, private messages and subject changes refused, joining, receiving
// and the affiliation untouched; the scope of type=all bans; cleanup on room destruction and account deletion.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawSession } from "../harness/raw-session.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient, type Transport } from "../harness/test-client.js";
import { banIq, BANNED, listBans } from "./ban-helpers.js";
import { drain, errorOf, groupchat, iqReply, iqSet, joined, nextId } from "./muc-helpers.js";

const H = "localhost";
const SERVICE = `conference.${H}`;
const STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";
const bannedError = `<error type="cancel"><forbidden xmlns="${STANZAS}"/><text xmlns="${STANZAS}">${BANNED}</text></error>`;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    users: ["admin", "65f0a1_alice", "65f0a1_bob", "65f0a1_carol", "65f0a1_dave", "legacyuser"],
    // The tenant guard would keep users out of other Apps' rooms; type=all scope across Apps is what is tested here.
    config: { auth: { mechanisms: ["PLAIN"] }, ethora: { tenant_guard: false } },
  });
});
afterAll(() => server.stop());

async function createRoom(name: string, affiliations: string): Promise<string> {
  expect((await server.api("create_room_with_opts", { name, service: SERVICE, options: { affiliations } })).status).toBe(200);
  return `${name}@${SERVICE}`;
}

/** Posts to a room; "echo" when the message came back relayed, else the error text. */
async function post(client: TestClient, room: string, body = "hi"): Promise<string> {
  const id = nextId("post");
  await client.send(groupchat(room, body, id));
  const reply = await client.receive((s) => s.is("message") && s.attrs.id === id);
  return reply.attrs.type === "error" ? String(errorOf(reply).text) : "echo";
}

describe.each<Transport>(["tcp", "ws"])("a room ban over %s", (transport) => {
  const name = `65f0a1_enf${transport}`;
  const room = `${name}@${SERVICE}`;
  const open = (el: string) => (transport === "ws" ? `<${el} xmlns="jabber:client"` : `<${el}`);
  let alice: TestClient;

  beforeAll(async () => {
    await createRoom(name, `owner=65f0a1_alice@${H};member=65f0a1_bob@${H}`);
    alice = await server.connect("65f0a1_alice", { transport });
    await joined(alice, `${room}/65f0a1_alice`);
    expect((await banIq(alice, { action: "ban", user: `65f0a1_bob@${H}`, room, comment: "Spam" })).ok).toBe(true);
  });

  it("lets the banned user join and receive, keeps the affiliation, and bounces what they post (byte level)", async () => {
    const { raw, jid } = await rawSession(server, transport, { user: "65f0a1_bob", resource: "res9" });
    raw.send(`<presence to="${room}/65f0a1_bob" id="j1"><x xmlns="http://jabber.org/protocol/muc"/></presence>`);
    const joinText = await raw.waitFor(/<subject\/>|<subject>/);
    expect(joinText).toMatch(/<presence[^>]*from="[^"]*\/65f0a1_bob"[^>]*>.*?affiliation="member".*?<status code="110"\/>/);

    drain(alice);
    raw.send(`<message to="${room}" type="groupchat" id="send-text-message-1"><body>hi</body></message>`);
    const text = await raw.waitFor(/<message[^>]*id="send-text-message-1"[\s\S]*?<\/message>/);
    const bounce = /<message[^>]*id="send-text-message-1"[\s\S]*?<\/message>/.exec(text)?.[0];
    expect(bounce).toBe(`${open("message")} type="error" id="send-text-message-1" from="${room}" to="${jid}"><body>hi</body>${bannedError}</message>`);

    // Receiving stays allowed; the occupants never saw the refused message (alice's echo comes after it would have).
    const id = nextId("hello");
    await alice.send(groupchat(room, "hello bob", id));
    await raw.waitFor(new RegExp(`id="${id}"[^>]*>[\\s\\S]*?hello bob`));
    await alice.receive((s) => s.attrs.id === id);
    expect(alice.received.filter((s) => s.attrs.id === "send-text-message-1")).toEqual([]);
    raw.close();
  });

  it("drops a chat-state-only message silently", async () => {
    const { raw } = await rawSession(server, transport, { user: "65f0a1_bob", resource: "cs" });
    raw.send(`<presence to="${room}/65f0a1_bob"><x xmlns="http://jabber.org/protocol/muc"/></presence>`);
    await raw.waitFor(/<subject/);
    drain(alice);
    raw.send(`<message to="${room}" type="groupchat" id="cs-1"><composing xmlns="http://jabber.org/protocol/chatstates"/></message>`);
    raw.send(`<message to="${room}" type="groupchat" id="cs-2"><body>after</body></message>`);
    await raw.waitFor(/id="cs-2"[\s\S]*You are banned in this room!/);
    expect(raw.text()).not.toContain(`id="cs-1"`);
    const id = nextId("marker");
    await alice.send(groupchat(room, "marker", id));
    await alice.receive((s) => s.attrs.id === id);
    expect(alice.received.filter((s) => s.attrs.id === "cs-1" || s.attrs.id === "cs-2")).toEqual([]);
    raw.close();
  });

  it("refuses private messages through the room and subject changes with the same bounce", async () => {
    const { raw, jid } = await rawSession(server, transport, { user: "65f0a1_bob", resource: "pm" });
    raw.send(`<presence to="${room}/65f0a1_bob"><x xmlns="http://jabber.org/protocol/muc"/></presence>`);
    await raw.waitFor(/<subject/);
    raw.send(`<message to="${room}/65f0a1_alice" type="chat" id="pm-1"><body>psst</body></message>`);
    const pm = /<message[^>]*id="pm-1"[\s\S]*?<\/message>/.exec(await raw.waitFor(/<message[^>]*id="pm-1"[\s\S]*?<\/message>/))?.[0];
    expect(pm).toBe(`${open("message")} type="error" id="pm-1" from="${room}/65f0a1_alice" to="${jid}"><body>psst</body>${bannedError}</message>`);
    raw.send(`<message to="${room}" type="groupchat" id="subj-1"><subject>Taken over</subject></message>`);
    const subj = /<message[^>]*id="subj-1"[\s\S]*?<\/message>/.exec(await raw.waitFor(/<message[^>]*id="subj-1"[\s\S]*?<\/message>/))?.[0];
    expect(subj).toBe(`${open("message")} type="error" id="subj-1" from="${room}" to="${jid}"><subject>Taken over</subject>${bannedError}</message>`);
    expect(alice.received.filter((s) => s.attrs.id === "pm-1" || s.attrs.id === "subj-1")).toEqual([]);
    raw.close();
  });

  it("lets the banned user read the room's history and subscribe (MucSub)", async () => {
    const bob = await server.connect("65f0a1_bob", { transport, resource: "reader" });
    const mam = await iqReply(bob, iqSet(room, xml("query", { xmlns: "urn:xmpp:mam:2", queryid: "q1" })));
    expect(mam.attrs.type).toBe("result");
    expect(mam.getChild("fin", "urn:xmpp:mam:2")).toBeDefined();
    const subscribe = xml("subscribe", { xmlns: "urn:xmpp:mucsub:0", nick: "65f0a1_bob" }, xml("event", { node: "urn:xmpp:mucsub:nodes:messages" }));
    expect((await iqReply(bob, iqSet(room, subscribe))).attrs.type).toBe("result");
    await bob.stop();
  });

  it("lets the user post again once unbanned, at once on this node", async () => {
    const bob = await server.connect("65f0a1_bob", { transport, resource: "again" });
    await joined(bob, `${room}/65f0a1_bob`);
    expect(await post(bob, room)).toBe(BANNED);
    expect((await banIq(alice, { action: "unban", user: `65f0a1_bob@${H}`, room })).ok).toBe(true);
    expect(await post(bob, room)).toBe("echo");
    expect((await banIq(alice, { action: "ban", user: `65f0a1_bob@${H}`, room, comment: "again" })).ok).toBe(true);
    expect(await post(bob, room)).toBe(BANNED);
    await bob.stop();
  });
});

describe("type=all scope", () => {
  it("covers the App's rooms and 1:1 rooms, not other Apps' rooms nor rooms the target owns; a user with no App everywhere", async () => {
    const app = await createRoom("65f0a1_scope", `member=65f0a1_carol@${H};member=legacyuser@${H}`);
    const oneToOne = await createRoom("65f0a1_carol-65f0a1_dave", `member=65f0a1_carol@${H};member=65f0a1_dave@${H}`);
    const other = await createRoom("77aa00_scope", `member=65f0a1_carol@${H};member=legacyuser@${H}`);
    const owned = await createRoom("65f0a1_carols", `owner=65f0a1_carol@${H}`);
    const legacy = await createRoom("legacyroom", `member=65f0a1_carol@${H};member=legacyuser@${H}`);
    const [admin, carol, legacyUser] = await Promise.all([server.connect("admin"), server.connect("65f0a1_carol"), server.connect("legacyuser")]);
    for (const r of [app, oneToOne, other, owned, legacy]) await joined(carol, `${r}/65f0a1_carol`);
    for (const r of [app, other, legacy]) await joined(legacyUser, `${r}/legacyuser`);

    expect((await banIq(admin, { action: "ban", type: "all", user: `65f0a1_carol@${H}` })).ok).toBe(true);
    expect((await banIq(admin, { action: "ban", type: "all", user: `legacyuser@${H}` })).ok).toBe(true);
    const outcomes = async (client: TestClient, rooms: string[]) => Promise.all(rooms.map((r) => post(client, r)));
    expect(await outcomes(carol, [app, oneToOne, other, owned, legacy])).toEqual([BANNED, BANNED, "echo", "echo", "echo"]);
    expect(await outcomes(legacyUser, [app, other, legacy])).toEqual([BANNED, BANNED, BANNED]);

    for (const user of ["65f0a1_carol", "legacyuser"]) expect((await banIq(admin, { action: "unban", type: "all", user: `${user}@${H}` })).ok).toBe(true);
    expect(await outcomes(carol, [app, oneToOne])).toEqual(["echo", "echo"]);
    expect(await outcomes(legacyUser, [other])).toEqual(["echo"]);
  });
});

describe("cleanup", () => {
  it("drops a room's bans when it is destroyed", async () => {
    const affiliations = `owner=65f0a1_alice@${H};member=65f0a1_dave@${H}`;
    const room = await createRoom("65f0a1_doomed", affiliations);
    const alice = await server.connect("65f0a1_alice");
    expect((await banIq(alice, { action: "ban", user: `65f0a1_dave@${H}`, room })).ok).toBe(true);
    expect((await server.api("destroy_room", { name: "65f0a1_doomed", service: SERVICE })).status).toBe(200);
    await createRoom("65f0a1_doomed", affiliations);
    expect(await listBans(alice, { room })).toEqual([]);
    const dave = await server.connect("65f0a1_dave");
    await joined(dave, `${room}/65f0a1_dave`);
    expect(await post(dave, room)).toBe("echo");
  });

  it("drops a deleted account's bans", async () => {
    const room = await createRoom("65f0a1_gone", `owner=65f0a1_alice@${H};member=65f0a1_dave@${H}`);
    const [alice, admin] = await Promise.all([server.connect("65f0a1_alice"), server.connect("admin")]);
    expect((await banIq(alice, { action: "ban", user: `65f0a1_dave@${H}`, room })).ok).toBe(true);
    expect((await banIq(admin, { action: "ban", type: "all", user: `65f0a1_dave@${H}` })).ok).toBe(true);
    expect((await server.api("unregister", { user: "65f0a1_dave", host: H })).status).toBe(200);
    expect(await listBans(alice, { room })).toEqual([]);
    expect((await listBans(admin, { type: "all" })).filter((i) => i.user === `65f0a1_dave@${H}`)).toEqual([]);
  });
});
