// MUC joins in the `ethora` profile (PROTOCOL §3.1, §3.3–§3.5, §4): creation policy, the join checks in
// order, the occupant list / self-presence / subject sequence, the positional presence format (byte
// level), multiple sessions, nick changes, leaves and disconnects; over TCP and WebSocket.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawSession } from "../harness/raw-session.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient, type Transport, type XmlElement } from "../harness/test-client.js";
import { drain, errorOf, iqGet, iqReply, item, join, joined, joinPresence, leave, nextId, NS_MUC, NS_MUC_USER, statusCodes } from "./muc-helpers.js";

const SERVICE = "conference.localhost";
let roomSeq = 0;
const newRoomName = (app = "65f0a1") => `${app}_room${++roomSeq}${Math.random().toString(36).slice(2, 6)}`;

describe.each<Transport>(["tcp", "ws"])("MUC joins (ethora profile) over %s", (transport) => {
  let server: TestServer;
  let admin: TestClient;
  let alice: TestClient;
  let bob: TestClient;
  let other: TestClient;
  const users = ["admin", "65f0a1_alice", "65f0a1_bob", "65f0a1_carol", "65f0a1_dave", "77aa00_other"];

  async function createRoom(options: Record<string, unknown> = {}, app = "65f0a1"): Promise<string> {
    const name = newRoomName(app);
    const reply = await server.api("create_room_with_opts", { name, service: SERVICE, host: "localhost", options });
    expect(reply.status).toBe(200);
    return `${name}@${SERVICE}`;
  }

  beforeAll(async () => {
    server = await startTestServer({ users, config: { muc: { max_user_conferences: 20 }, auth: { mechanisms: ["PLAIN"] } } });
    [admin, alice, bob, other] = await Promise.all([
      server.connect("admin", { transport }),
      server.connect("65f0a1_alice", { transport, resource: "a1" }),
      server.connect("65f0a1_bob", { transport }),
      server.connect("77aa00_other", { transport }),
    ]);
  });
  afterAll(() => server.stop());

  it("answers the service's disco#info with the §1.2 identity and features", async () => {
    const reply = await iqReply(alice, iqGet(SERVICE, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
    expect(reply.attrs.type).toBe("result");
    expect(reply.getChild("query")?.children.map(String)).toEqual([
      '<identity category="conference" type="text" name="Chatrooms"/>',
      '<feature var="http://jabber.org/protocol/muc"/>',
      '<feature var="urn:xmpp:mucsub:0"/>',
      '<feature var="http://jabber.org/protocol/disco#info"/>',
      '<feature var="http://jabber.org/protocol/disco#items"/>',
    ]);
  });

  it("refuses room creation by a regular user with the exact §3.1 error, children kept", async () => {
    const roomNick = `${newRoomName()}@${SERVICE}/65f0a1_alice`;
    const reply = await join(alice, roomNick, { id: "presenceInRoom-lx2k-1" });
    expect(reply.attrs).toMatchObject({ type: "error", id: "presenceInRoom-lx2k-1", from: roomNick });
    expect(reply.children.map(String)).toEqual([
      `<x xmlns="${NS_MUC}"/>`,
      '<error type="auth"><forbidden xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/><text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">Room creation is denied by service policy</text></error>',
    ]);
    // Nothing was created (§4: nothing is stored for a refused join).
    const name = roomNick.slice(0, roomNick.indexOf("@"));
    expect((await server.api("get_room_options", { name, service: SERVICE })).body).toEqual({});
  });

  it("lets a server admin create a persistent room by joining: 110 + 201, owner, moderator", async () => {
    const name = newRoomName();
    const self = await joined(admin, `${name}@${SERVICE}/admin`);
    expect(statusCodes(self)).toEqual(["110", "201"]);
    expect(item(self)).toMatchObject({ affiliation: "owner", role: "moderator" });
    const options = await server.api("get_room_options", { name, service: SERVICE });
    expect(options.body).toMatchObject({ persistent: "true", mam: "true", allow_subscription: "true" });
    expect((await server.api("get_room_affiliations", { name, service: SERVICE })).body).toEqual([
      { username: "admin", domain: "localhost", jid: "admin@localhost", affiliation: "owner", reason: "" },
    ]);
  });

  it("sends the occupant list, then the self-presence echoing the id, then the empty subject", async () => {
    const room = await createRoom();
    await joined(admin, `${room}/admin`);
    drain(bob);
    const self = await joined(bob, `${room}/65f0a1_bob`, { id: "roomPresence-7" });
    expect(self.attrs.id).toBe("roomPresence-7");
    const subject = await bob.receive((s) => s.is("message") && s.attrs.from === room);
    const fromRoom = bob.received.filter((s) => s.attrs.from?.startsWith(room));
    expect(fromRoom.map((s) => `${s.name} ${s.attrs.from}`)).toEqual([`presence ${room}/admin`, `presence ${room}/65f0a1_bob`, `message ${room}`]);
    expect(subject.attrs.type).toBe("groupchat");
    expect(subject.attrs.id).toBeUndefined();
    expect(subject.children.map(String)).toEqual(["<subject/>"]);
    // The admin (a moderator) sees bob's real JID; bob, a participant in a semi-anonymous room, does not see the admin's.
    const seen = await admin.receive((s) => s.is("presence") && s.attrs.from === `${room}/65f0a1_bob`);
    expect(item(seen)).toEqual({ affiliation: "none", role: "participant", jid: bob.jid });
    expect(seen.attrs.id).toBe("roomPresence-7");
    expect(statusCodes(seen)).toEqual([]);
    // A server admin's stored affiliation is reported as it is (§3.2): none here, with the moderator role.
    expect(item(fromRoom[0] as XmlElement)).toEqual({ affiliation: "none", role: "moderator" });
  });

  it("puts the vcard <x> first, the muc#user <x> second, then the client's own children (byte level, §3.3/§3.4)", async () => {
    const room = await createRoom({ affiliations: "member=65f0a1_carol@localhost" });
    const { raw, jid } = await rawSession(server, transport, { user: "65f0a1_carol", resource: "res1" });
    raw.send(
      `<presence to="${room}/65f0a1_carol" id="presenceInRoom-lx2k-1"><x xmlns="${NS_MUC}"/><show>away</show><data xmlns="wss://chat.example.com/ws" fullName="Carol C"/></presence>`,
    );
    const text = await raw.waitFor(/<status code="110"\/><\/x>[^]*?<\/presence>/);
    const self = /<presence[^>]*id="presenceInRoom-lx2k-1"[^>]*>.*?<\/presence>/.exec(text)?.[0] ?? "";
    expect(self).toContain(`from="${room}/65f0a1_carol"`);
    expect(self.replace(/^<presence[^>]*>/, "")).toBe(
      '<x xmlns="vcard-temp:x:update"/>' +
        `<x xmlns="${NS_MUC_USER}"><item affiliation="member" role="participant" jid="${jid}"/><status code="110"/></x>` +
        '<show>away</show><data xmlns="wss://chat.example.com/ws" fullName="Carol C"/></presence>',
    );
    raw.close();
  });

  it("adds status 100 in non-anonymous rooms, where everyone sees real JIDs", async () => {
    const room = await createRoom({ anonymous: "false" });
    await joined(bob, `${room}/65f0a1_bob`);
    const self = await joined(alice, `${room}/65f0a1_alice`);
    expect(statusCodes(self)).toEqual(["110", "100"]);
    const bobSeen = alice.received.find((s) => s.is("presence") && s.attrs.from === `${room}/65f0a1_bob`);
    expect(item(bobSeen as XmlElement).jid).toBe(bob.jid);
    const aliceSeen = await bob.receive((s) => s.is("presence") && s.attrs.from === `${room}/65f0a1_alice`);
    expect(item(aliceSeen).jid).toBe(alice.jid);
    await leave(alice, `${room}/65f0a1_alice`);
    await leave(bob, `${room}/65f0a1_bob`);
  });

  it("uses the client's own vcard <x> in first position", async () => {
    const room = await createRoom();
    const photo = xml("x", { xmlns: "vcard-temp:x:update" }, xml("photo", {}, "abc123"));
    const self = await joined(alice, `${room}/65f0a1_alice`, { children: [xml("status", {}, "hi"), photo] });
    expect(self.children.map((c) => (typeof c === "string" ? c : `${c.name} ${c.attrs.xmlns ?? ""}`))).toEqual([
      "x vcard-temp:x:update",
      `x ${NS_MUC_USER}`,
      "status ",
    ]);
    expect(self.getChild("x", "vcard-temp:x:update")?.getChildText("photo")).toBe("abc123");
    await leave(alice, `${room}/65f0a1_alice`);
  });

  it("applies the tenant guard: wrong app name, wrong nickname; server admins are exempt (§4)", async () => {
    const foreign = await createRoom({}, "77aa00");
    const expectRefusal = async (client: TestClient, roomNick: string, text: string) => {
      const reply = await join(client, roomNick);
      expect(reply.attrs.type).toBe("error");
      expect(errorOf(reply)).toEqual({ type: "auth", condition: "forbidden", text });
    };
    await expectRefusal(alice, `${foreign}/65f0a1_alice`, "wrong app name");
    const own = await createRoom();
    await expectRefusal(alice, `${own}/alice`, "wrong nickname");
    await expectRefusal(other, `${own}/77aa00_other`, "wrong app name");
    const self = await joined(admin, `${foreign}/anything-goes`);
    expect(statusCodes(self)).toEqual(["110"]);
  });

  it("refuses an empty nick with modify/jid-malformed", async () => {
    const room = await createRoom();
    const reply = await join(alice, room);
    expect(errorOf(reply)).toEqual({ type: "modify", condition: "jid-malformed", text: "Nickname can't be empty" });
  });

  it("refuses outcasts, non-members of members-only rooms, and wrong passwords, in that order", async () => {
    const banned = await createRoom({ affiliations: "outcast=65f0a1_alice@localhost", members_only: "true", password_protected: "true", password: "pw" });
    expect(errorOf(await join(alice, `${banned}/65f0a1_alice`))).toEqual({ type: "auth", condition: "forbidden", text: "You have been banned from this room" });
    const members = await createRoom({ members_only: "true", password_protected: "true", password: "pw" });
    expect(errorOf(await join(alice, `${members}/65f0a1_alice`))).toEqual({
      type: "auth",
      condition: "registration-required",
      text: "Membership is required to enter this room",
    });
    const secret = await createRoom({ password_protected: "true", password: "pw" });
    expect(errorOf(await join(alice, `${secret}/65f0a1_alice`))).toEqual({ type: "auth", condition: "not-authorized", text: "A password is required to enter this room" });
    expect(errorOf(await join(alice, `${secret}/65f0a1_alice`, { password: "nope" }))).toEqual({ type: "auth", condition: "not-authorized", text: "Incorrect password" });
    await joined(alice, `${secret}/65f0a1_alice`, { password: "pw" });
    await leave(alice, `${secret}/65f0a1_alice`);
  });

  it("lets members into members-only rooms and server admins anywhere", async () => {
    const room = await createRoom({ members_only: "true", affiliations: "member=65f0a1_alice@localhost;outcast=admin@localhost" });
    expect(item(await joined(alice, `${room}/65f0a1_alice`))).toMatchObject({ affiliation: "member", role: "participant" });
    expect(item(await joined(admin, `${room}/admin`))).toMatchObject({ affiliation: "outcast", role: "moderator" });
    await leave(alice, `${room}/65f0a1_alice`);
  });

  it("enforces max_users, except for owners, admins and server admins", async () => {
    const room = await createRoom({ max_users: "1", affiliations: "admin=65f0a1_bob@localhost" });
    await joined(alice, `${room}/65f0a1_alice`);
    const carol = await server.connect("65f0a1_carol", { transport });
    expect(errorOf(await join(carol, `${room}/65f0a1_carol`))).toEqual({ type: "wait", condition: "resource-constraint", text: "Too many users in this conference" });
    await joined(bob, `${room}/65f0a1_bob`);
    await joined(admin, `${room}/admin`);
    await carol.stop();
    await leave(alice, `${room}/65f0a1_alice`);
  });

  it("refuses a nick held by another user with cancel/conflict", async () => {
    const room = await createRoom();
    await joined(alice, `${room}/65f0a1_alice`);
    expect(errorOf(await join(admin, `${room}/65f0a1_alice`))).toEqual({
      type: "cancel",
      condition: "conflict",
      text: "That nickname is already in use by another occupant",
    });
    await leave(alice, `${room}/65f0a1_alice`);
  });

  it("limits the rooms one session may join (muc.max_user_conferences)", async () => {
    const dave = await server.connect("65f0a1_dave", { transport });
    const rooms: string[] = [];
    for (let i = 0; i < 21; i++) rooms.push(await createRoom());
    for (const r of rooms.slice(0, 20)) await joined(dave, `${r}/65f0a1_dave`);
    expect(errorOf(await join(dave, `${rooms[20]}/65f0a1_dave`))).toEqual({
      type: "wait",
      condition: "resource-constraint",
      text: "You have joined too many conferences",
    });
    await leave(dave, `${rooms[0]}/65f0a1_dave`);
    await joined(dave, `${rooms[20]}/65f0a1_dave`);
    await dave.stop();
  });

  it("treats a repeated join as a presence update: new id echoed, 110 without 201, others updated", async () => {
    const room = await createRoom();
    await joined(admin, `${room}/admin`);
    await joined(alice, `${room}/65f0a1_alice`);
    const again = await joined(alice, `${room}/65f0a1_alice`, { id: "again-1", children: [xml("show", {}, "dnd")] });
    expect(statusCodes(again)).toEqual(["110"]);
    const update = await admin.receive((s) => s.is("presence") && s.attrs.id === "again-1");
    expect(update.getChildText("show")).toBe("dnd");
    expect(statusCodes(update)).toEqual([]);
    await leave(alice, `${room}/65f0a1_alice`);
  });

  it("joins several sessions of one user under one nick; only the first join and the last leave are broadcast", async () => {
    const room = await createRoom();
    await joined(admin, `${room}/admin`);
    await joined(alice, `${room}/65f0a1_alice`);
    await admin.receive((s) => s.is("presence") && s.attrs.from === `${room}/65f0a1_alice`);
    const alice2 = await server.connect("65f0a1_alice", { transport, resource: "a2" });
    drain(admin);
    drain(alice);
    const self2 = await joined(alice2, `${room}/65f0a1_alice`);
    expect(item(self2).jid).toBe(alice2.jid);
    expect(alice2.received.some((s) => s.is("presence") && s.attrs.from === `${room}/admin`)).toBe(true);
    const occupants = await server.api("get_room_occupants", { name: room, service: SERVICE });
    expect((occupants.body as { jid: string }[]).map((o) => o.jid).sort()).toEqual([admin.jid, alice.jid, alice2.jid].sort());
    expect((await server.api("get_room_occupants_number", { name: room })).body).toBe(2);
    // The second session leaves: only it hears about it.
    const bye = await leave(alice2, `${room}/65f0a1_alice`);
    expect(item(bye)).toMatchObject({ role: "none", jid: alice2.jid });
    await admin.expectNone((s) => s.is("presence") && s.attrs.from === `${room}/65f0a1_alice`, 200);
    expect(alice.received.some((s) => s.is("presence") && s.attrs.from?.startsWith(room))).toBe(false);
    // The last session leaves: everyone hears it.
    await leave(alice, `${room}/65f0a1_alice`);
    const gone = await admin.receive((s) => s.is("presence") && s.attrs.type === "unavailable" && s.attrs.from === `${room}/65f0a1_alice`);
    expect(gone.getChildElements()[0]?.attrs.xmlns).toBe(NS_MUC_USER);
    expect(statusCodes(gone)).toEqual([]);
    await alice2.stop();
  });

  it("treats unavailable presence to any nick of the room as the session's leave, and ignores it from non-occupants", async () => {
    const room = await createRoom();
    await joined(admin, `${room}/admin`);
    await joined(alice, `${room}/65f0a1_alice`);
    const id = nextId("bye");
    await alice.send(xml("presence", { to: `${room}/some-other-nick`, type: "unavailable", id }));
    const self = await alice.receive((s) => s.attrs.type === "unavailable" && s.attrs.from === `${room}/65f0a1_alice`);
    expect(statusCodes(self)).toEqual(["110"]);
    expect(self.attrs.id).toBe(id);
    await admin.receive((s) => s.attrs.type === "unavailable" && s.attrs.from === `${room}/65f0a1_alice`);
    drain(bob);
    await bob.send(xml("presence", { to: `${room}/65f0a1_bob`, type: "unavailable" }));
    await bob.expectNone((s) => s.attrs.from?.startsWith(room) === true, 200);
  });

  it("leaves every room when the connection closes or the session goes unavailable", async () => {
    const rooms = [await createRoom(), await createRoom()];
    const carol = await server.connect("65f0a1_carol", { transport });
    for (const r of rooms) {
      await joined(admin, `${r}/admin`);
      await joined(carol, `${r}/65f0a1_carol`);
    }
    await carol.stop();
    for (const r of rooms) await admin.receive((s) => s.attrs.type === "unavailable" && s.attrs.from === `${r}/65f0a1_carol`);
    const carol2 = await server.connect("65f0a1_carol", { transport });
    await joined(carol2, `${rooms[0]}/65f0a1_carol`);
    drain(admin);
    await carol2.send(xml("presence", { type: "unavailable" }));
    await admin.receive((s) => s.attrs.type === "unavailable" && s.attrs.from === `${rooms[0]}/65f0a1_carol`);
    expect((await server.api("get_room_occupants_number", { name: rooms[0] })).body).toBe(1);
    await carol2.stop();
  });

  it("changes a nick with 303 (admins are exempt from the nick guard); others get wrong nickname", async () => {
    const room = await createRoom();
    await joined(alice, `${room}/65f0a1_alice`);
    await joined(admin, `${room}/admin`);
    drain(alice);
    const id = nextId("nick");
    await admin.send(xml("presence", { to: `${room}/boss`, id }, xml("x", { xmlns: NS_MUC })));
    const out = await alice.receive((s) => s.attrs.type === "unavailable" && s.attrs.from === `${room}/admin`);
    expect(statusCodes(out)).toEqual(["303"]);
    expect(item(out).nick).toBe("boss");
    const inn = await alice.receive((s) => s.is("presence") && s.attrs.type === undefined && s.attrs.from === `${room}/boss`);
    expect(item(inn)).toMatchObject({ affiliation: "none", role: "moderator" });
    const selfOut = await admin.receive((s) => s.attrs.type === "unavailable" && s.attrs.from === `${room}/admin`);
    expect(statusCodes(selfOut)).toEqual(["303", "110"]);
    const selfIn = await admin.receive((s) => s.attrs.from === `${room}/boss` && statusCodes(s).includes("110"));
    expect(selfIn.attrs.id).toBe(id);
    const refused = await join(alice, `${room}/alice-renamed`);
    expect(errorOf(refused)).toEqual({ type: "auth", condition: "forbidden", text: "wrong nickname" });
    await leave(alice, `${room}/65f0a1_alice`);
  });

  it("answers a message or IQ to a missing room with item-not-found 'Conference room does not exist'", async () => {
    const missing = `${newRoomName()}@${SERVICE}`;
    const id = nextId("m");
    await alice.send(xml("message", { to: missing, type: "groupchat", id }, xml("body", {}, "hi")));
    const bounce = await alice.receive((s) => s.is("message") && s.attrs.id === id);
    expect(bounce.attrs).toMatchObject({ type: "error", from: missing });
    expect(errorOf(bounce)).toEqual({ type: "cancel", condition: "item-not-found", text: "Conference room does not exist" });
    const iq = await iqReply(alice, iqGet(missing, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
    expect(errorOf(iq)).toEqual({ type: "cancel", condition: "item-not-found", text: "Conference room does not exist" });
  });

  it("keeps element order of the join presence in the error (children first, then <error>)", async () => {
    const presence = joinPresence(`${newRoomName()}@${SERVICE}/65f0a1_alice`, { id: "ord" });
    presence.children.push(xml("c", { xmlns: "http://jabber.org/protocol/caps", node: "n", ver: "v", hash: "sha-1" }));
    await alice.send(presence);
    const reply = await alice.receive((s) => s.attrs.id === "ord" && s.attrs.type === "error");
    expect(reply.getChildElements().map((c) => c.name)).toEqual(["x", "c", "error"]);
  });
});
