// `ns:getrooms` (PROTOCOL §7.3) and `ns:getrooms:setprofile` (§7.4) over real sockets: which rooms (every kind of
// membership, outcasts and strangers left out, changes seen at once), order and attributes, RSM paging, the
// chat-list summary (last message, unread with and without a read marker, blocked senders), the setprofile
// permission matrix, bad input with nothing stored changed, and the status-104 notice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockingModule } from "../../src/modules/blocking/blocking.module.js";
import { parseJid } from "../../src/xmpp/jid.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient, type Transport } from "../harness/test-client.js";
import { errorOf, groupchat, iqReply, joined, nextId, statusCodes } from "./muc-helpers.js";
import { subscribe, unsubscribe } from "./mucsub-helpers.js";
import {
  affiliate,
  createRoom,
  getrooms,
  getroomsIq,
  jidsOf,
  nextMillisecond,
  roomsOf,
  rsmOf,
  SERVICE,
  setProfile,
  setProfileIq,
  setReadState,
} from "./getrooms-helpers.js";

const BOB = "65f0a1_bob";
const CAROL = "65f0a1_carol";
const DAVE = "65f0a1_dave";
let seq = 0;

describe.each<Transport>(["tcp", "ws"])("ns:getrooms over %s", (transport) => {
  let server: TestServer;
  let bob: TestClient;
  let carol: TestClient;

  /** A fresh registered and connected user, so each test owns its room list. */
  async function freshUser(tag: string): Promise<{ name: string; bare: string; client: TestClient }> {
    const name = `65f0a1_${tag}${++seq}${transport}`;
    await server.register(name);
    return { name, bare: `${name}@localhost`, client: await server.connect(name, { transport }) };
  }

  /** Sends a groupchat from a joined client and resolves with its archive id (the reflected stanza-id). */
  async function post(client: TestClient, room: string, body: string): Promise<number> {
    const id = nextId("m");
    await client.send(groupchat(room, body, id));
    const echo = await client.receive((s) => s.is("message") && s.attrs.id === id && s.attrs.type === "groupchat");
    await nextMillisecond(); // the next message lands in a later millisecond, so markers can fall between them
    return Number(echo.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.by === room ? echo.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.id : NaN);
  }

  beforeAll(async () => {
    server = await startTestServer({
      users: ["admin", BOB, CAROL, DAVE],
      config: { getrooms: { max_items: 4 }, muc: { access_create: "local" }, auth: { mechanisms: ["PLAIN"] } },
    });
    [bob, carol] = await Promise.all([server.connect(BOB, { transport }), server.connect(CAROL, { transport })]);
  });
  afterAll(() => server.stop());

  it("lists rooms of every membership kind, not outcast or foreign ones, in JID order with §7.3's attributes", async () => {
    const u = await freshUser("kinds");
    const p = `65f0a1_k${seq}${transport}`;
    const owner = await createRoom(server, `${p}_a`, { title: "Lobby", affiliations: `owner=${u.bare};member=${BOB}@localhost;outcast=${DAVE}@localhost` });
    await subscribe(carol, owner); // a subscriber without affiliation counts as a member
    const admin = await createRoom(server, `${p}_b`, { affiliations: `owner=${BOB}@localhost;admin=${u.bare}` });
    const member = await createRoom(server, `${p}_c`, { affiliations: `owner=${BOB}@localhost;member=${u.bare}` });
    const subscriber = await createRoom(server, `${p}_d`, { affiliations: `owner=${BOB}@localhost` });
    expect((await subscribe(u.client, subscriber)).attrs.type).toBe("result");
    const outcast = await createRoom(server, `${p}_e`, { affiliations: `owner=${BOB}@localhost;outcast=${u.bare}` });
    await createRoom(server, `${p}_f`, { affiliations: `owner=${BOB}@localhost;member=${CAROL}@localhost` });
    // A room created by joining it: the creator is its owner.
    const created = `${p}_g@${SERVICE}`;
    await joined(u.client, `${created}/${u.name}`);

    const reply = await getrooms(u.client);
    expect(reply.attrs.from).toBe(u.bare);
    expect(reply.attrs.to).toBe(u.client.jid);
    const rooms = roomsOf(reply);
    // max_items is 4 in this server: the first four in order.
    expect(rooms.map((r) => r.jid)).toEqual([owner, admin, member, subscriber]);
    expect(rooms[0]).toEqual({ jid: owner, name: "Lobby", users_cnt: "3", room_thumbnail: "none", room_background: "none", unread: "0" });
    expect(Object.keys(rooms[0] ?? {})).toEqual(["jid", "name", "users_cnt", "room_thumbnail", "room_background", "unread"]);
    expect(rooms[1]).toEqual({ jid: admin, users_cnt: "2", room_thumbnail: "none", room_background: "none", unread: "0" });
    expect(rooms[3]).toMatchObject({ jid: subscriber, users_cnt: "2" });
    expect(jidsOf(await getrooms(u.client, { max: 50 }))).toEqual([owner, admin, member, subscriber, created]);

    // Changes show at once: unsubscribed, affiliation removed, room destroyed, outcast readmitted.
    expect((await unsubscribe(u.client, subscriber)).attrs.type).toBe("result");
    await affiliate(server, member, u.name, "none");
    expect((await server.api("destroy_room", { name: owner })).status).toBe(200);
    await affiliate(server, outcast, u.name, "member");
    expect(jidsOf(await getrooms(u.client, { max: 50 }))).toEqual([admin, outcast, created]);
    // Subscribed and then banned: an outcast is no member.
    await subscribe(u.client, admin);
    await affiliate(server, admin, u.name, "outcast");
    expect(jidsOf(await getrooms(u.client, { max: 50 }))).toEqual([outcast, created]);
  });

  it("pages by room JID with §6.5 semantics (after, before, empty before, unknown JIDs, empty pages, count)", async () => {
    const u = await freshUser("page");
    const p = `65f0a1_p${seq}${transport}`;
    const rooms: string[] = [];
    for (const s of ["a", "b", "c", "d", "e"]) rooms.push(await createRoom(server, `${p}_${s}`, { affiliations: `owner=${BOB}@localhost;member=${u.bare}` }));
    const [a, b, c, d, e] = rooms as [string, string, string, string, string];

    const unpaged = await getrooms(u.client);
    expect(jidsOf(unpaged)).toEqual([a, b, c, d]); // getrooms.max_items
    expect(rsmOf(unpaged)).toBeUndefined();

    const cases: [string, Parameters<typeof getrooms>[1], string[], string | undefined][] = [
      ["neither", { max: 2 }, [a, b], "0"],
      ["default max", {}, [a, b, c, d, e], "0"],
      ["after", { max: 2, after: b }, [c, d], "2"],
      ["before", { max: 2, before: d }, [b, c], "1"],
      ["empty before", { max: 2, before: "" }, [d, e], "3"],
      ["after and before", { max: 9, after: a, before: e }, [b, c, d], "1"],
      ["unknown after, placed by comparison", { max: 2, after: `${p}_bz@${SERVICE}` }, [c, d], "2"],
      ["unknown before, placed by comparison", { max: 9, before: `${p}_cc@${SERVICE}` }, [a, b, c], "0"],
      ["after the last", { max: 2, after: e }, [], undefined],
      ["before the first", { max: 2, before: a }, [], undefined],
      ["max 0", { max: 0 }, [], undefined],
    ];
    for (const [name, rsm, expected, index] of cases) {
      const reply = await getrooms(u.client, rsm);
      expect(jidsOf(reply), name).toEqual(expected);
      const set = rsmOf(reply);
      if (expected.length === 0) expect(set, name).toEqual({ children: ["count"], count: "5" });
      else expect(set, name).toEqual({ children: ["first", "last", "count"], first: expected[0], index, last: expected.at(-1), count: "5" });
    }
    expect(errorOf(await getrooms(u.client, { max: "lots" }))).toMatchObject({ type: "modify", condition: "bad-request" });
  });

  it("carries the chat-list summary: last message, unread from the read marker or from membership, own and blocked senders left out", async () => {
    const u = await freshUser("sum");
    const room = await createRoom(server, `65f0a1_s${seq}${transport}`, { affiliations: `owner=${BOB}@localhost;member=${u.bare};member=${CAROL}@localhost` });
    await Promise.all([joined(bob, `${room}/${BOB}`), joined(carol, `${room}/${CAROL}`), joined(u.client, `${room}/${u.name}`)]);
    const m1 = await post(bob, room, "one");
    const m2 = await post(bob, room, "two");
    const m3 = await post(u.client, room, "mine");
    const m4 = await post(carol, room, "four");
    expect(m1 < m2 && m2 < m3 && m3 < m4).toBe(true);
    const summary = async (who: TestClient = u.client) => roomsOf(await getrooms(who)).find((r) => r.jid === room);

    // No read marker: everything since the membership began, but not the requester's own message.
    expect(await summary()).toEqual({
      jid: room,
      users_cnt: "3",
      room_thumbnail: "none",
      room_background: "none",
      last_message_id: String(m4),
      last_message_at: String(Math.floor(m4 / 1000)),
      last_message_from: `${CAROL}@localhost`,
      unread: "3",
    });
    // The marker (epoch ms) at m2: only m4 is newer and not the requester's.
    await setReadState(u.client, { [room]: String(Math.floor(m2 / 1000)), [`65f0a1_other@${SERVICE}`]: "1" });
    expect(await summary()).toMatchObject({ last_message_id: String(m4), unread: "1" });
    await setReadState(u.client, { [room]: String(Math.floor(m4 / 1000)) });
    expect(await summary()).toMatchObject({ unread: "0" });

    // §7.7 block list: carol's messages are neither unread nor the last message; the XEP-0191 list does not count here.
    await setReadState(u.client, {});
    const blocking = server.server.modules.api(blockingModule);
    await blocking.block(parseJid(u.bare), "user-block", [`${CAROL}@localhost`]);
    await blocking.block(parseJid(u.bare), "blocking", [`${BOB}@localhost`]);
    expect(await summary()).toMatchObject({ last_message_id: String(m3), last_message_from: u.bare, unread: "2" });
    await blocking.unblock(parseJid(u.bare), "user-block");
    await blocking.unblock(parseJid(u.bare), "blocking");

    // A member who joins later: only what was sent after their membership began is unread.
    const late = await freshUser("late");
    await affiliate(server, room, late.name, "member");
    await nextMillisecond();
    const m5 = await post(bob, room, "five");
    expect(await summary(late.client)).toMatchObject({ users_cnt: "4", last_message_id: String(m5), last_message_from: `${BOB}@localhost`, unread: "1" });
  });

  it("setprofile: the stored values echoed, absent unchanged, empty or none cleared, a localpart resolved, 104 to occupants", async () => {
    const room = await createRoom(server, `65f0a1_img${seq++}${transport}`, { affiliations: `owner=${BOB}@localhost;member=${CAROL}@localhost` });
    await joined(carol, `${room}/${CAROL}`);
    const thumb = "https://cdn.example.com/l.png?a=1&b=2";
    const reply = await setProfile(bob, { room, room_thumbnail: thumb, room_background: "none" });
    expect(reply.attrs.type).toBe("result");
    expect(reply.attrs.from).toBe(`${BOB}@localhost`);
    const echo = reply.getChild("query", "ns:getrooms:setprofile");
    expect(echo?.attrs).toEqual({ xmlns: "ns:getrooms:setprofile", room, room_thumbnail: thumb, room_background: "none" });
    const notice = await carol.receive((s) => s.is("message") && s.attrs.from === room && statusCodes(s).includes("104"));
    expect(notice.attrs.type).toBe("groupchat");
    expect((await server.api("get_room_options", { name: room })).body).toMatchObject({ room_thumbnail: thumb, room_background: "none" });
    expect(roomsOf(await getrooms(carol)).find((r) => r.jid === room)).toMatchObject({ room_thumbnail: thumb, room_background: "none" });

    // Absent: unchanged; a bare localpart names a room of the MUC service.
    const local = room.split("@")[0] ?? "";
    const bg = "https://cdn.example.com/bg.jpg";
    expect((await setProfile(bob, { room: local, room_background: bg })).getChild("query", "ns:getrooms:setprofile")?.attrs).toMatchObject({ room, room_thumbnail: thumb, room_background: bg });
    // Empty string and "none" clear.
    expect((await setProfile(bob, { room, room_thumbnail: "" })).getChild("query", "ns:getrooms:setprofile")?.attrs).toMatchObject({ room_thumbnail: "none", room_background: bg });
    expect((await setProfile(bob, { room, room_background: "none" })).getChild("query", "ns:getrooms:setprofile")?.attrs).toMatchObject({ room_thumbnail: "none", room_background: "none" });
    expect((await server.api("get_room_options", { name: room })).body).toMatchObject({ room_thumbnail: "none", room_background: "none" });
    // A value of exactly 2048 characters is fine.
    const long = "https://x/" + "a".repeat(2038);
    expect((await setProfile(bob, { room, room_thumbnail: long })).attrs.type).toBe("result");
  });

  describe("setprofile authorization (§7.4)", () => {
    let room: string;
    beforeAll(async () => {
      room = await createRoom(server, `65f0a1_auth${transport}`, {
        affiliations: `owner=${BOB}@localhost;admin=65f0a1_adm@localhost;member=${CAROL}@localhost;outcast=65f0a1_out@localhost`,
      });
      for (const name of ["65f0a1_adm", "65f0a1_out", "65f0a1_none"]) await server.register(name);
      await server.api("subscribe_room", { user: `${DAVE}@localhost`, nick: DAVE, room, nodes: "urn:xmpp:mucsub:nodes:messages" });
    });

    it.each([
      ["owner", BOB, true],
      ["room admin", "65f0a1_adm", true],
      ["server admin (no affiliation)", "admin", true],
      ["member", CAROL, false],
      ["subscriber", DAVE, false],
      ["outcast", "65f0a1_out", false],
      ["no affiliation", "65f0a1_none", false],
    ])("%s", async (_kind, user, allowed) => {
      const client = await server.connect(user, { transport });
      const before = (await server.api("get_room_options", { name: room })).body as Record<string, string>;
      const url = `https://cdn.example.com/${user}.png`;
      const reply = await setProfile(client, { room, room_thumbnail: url });
      const after = (await server.api("get_room_options", { name: room })).body as Record<string, string>;
      if (allowed) {
        expect(reply.attrs.type).toBe("result");
        expect(after.room_thumbnail).toBe(url);
      } else {
        expect(errorOf(reply)).toEqual({ type: "auth", condition: "forbidden", text: "Owner or admin privileges required" });
        expect(after).toEqual(before);
      }
      await client.stop();
    });
  });

  it("refuses bad input with nothing stored changed", async () => {
    const room = await createRoom(server, `65f0a1_bad${seq++}${transport}`, { affiliations: `owner=${BOB}@localhost` });
    const before = (await server.api("get_room_options", { name: room })).body;
    const cases: [string, ReturnType<typeof setProfileIq>, { type: string; condition: string; text?: string | undefined }][] = [
      ["no room", setProfileIq({ room_thumbnail: "https://x/y.png" }), { type: "modify", condition: "bad-request" }],
      ["empty room", setProfileIq({ room: "", room_thumbnail: "https://x/y.png" }), { type: "modify", condition: "bad-request" }],
      ["malformed room", setProfileIq({ room: "a@b@c@", room_thumbnail: "https://x/y.png" }), { type: "modify", condition: "bad-request" }],
      ["thumbnail over 2048", setProfileIq({ room, room_thumbnail: "x".repeat(2049) }), { type: "modify", condition: "bad-request" }],
      ["background over 2048", setProfileIq({ room, room_background: "x".repeat(2049) }), { type: "modify", condition: "bad-request" }],
      ["unknown room", setProfileIq({ room: `65f0a1_nope@${SERVICE}`, room_thumbnail: "https://x/y.png" }), { type: "cancel", condition: "item-not-found", text: "Conference room does not exist" }],
      ["unknown localpart", setProfileIq({ room: "65f0a1_nope", room_thumbnail: "https://x/y.png" }), { type: "cancel", condition: "item-not-found", text: "Conference room does not exist" }],
      ["setprofile as get", setProfileIq({ room, room_thumbnail: "https://x/y.png" }, "get"), { type: "modify", condition: "bad-request" }],
      ["getrooms as set", xml("iq", { type: "set", id: nextId("gr") }, xml("query", { xmlns: "ns:getrooms" })), { type: "modify", condition: "bad-request" }],
      ["getrooms to another user", getroomsIq(undefined, { to: `${CAROL}@localhost` }), { type: "auth", condition: "forbidden" }],
      ["setprofile to another user", xml("iq", { type: "set", id: nextId("sp"), to: `${CAROL}@localhost` }, xml("query", { xmlns: "ns:getrooms:setprofile", room, room_thumbnail: "https://x/y.png" })), { type: "auth", condition: "forbidden" }],
    ];
    for (const [name, iq, expected] of cases) {
      const error = errorOf(await iqReply(bob, iq));
      expect({ type: error.type, condition: error.condition }, name).toEqual({ type: expected.type, condition: expected.condition });
      if (expected.text !== undefined) expect(error.text, name).toBe(expected.text);
    }
    expect((await server.api("get_room_options", { name: room })).body).toEqual(before);
    // Addressed to the own bare JID or to the host: accepted (§7 preamble).
    expect((await iqReply(bob, getroomsIq(undefined, { to: `${BOB}@localhost` }))).attrs.type).toBe("result");
    expect((await iqReply(bob, getroomsIq(undefined, { to: "localhost" }))).attrs.type).toBe("result");
  });
});

describe("ns:getrooms with the summary off", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ users: [BOB], config: { getrooms: { summary: false }, auth: { mechanisms: ["PLAIN"] } } });
  });
  afterAll(() => server.stop());

  it("has only the §7.3 attributes", async () => {
    const room = await createRoom(server, "65f0a1_plain", { affiliations: `owner=${BOB}@localhost` });
    const bob = await server.connect(BOB);
    await joined(bob, `${room}/${BOB}`);
    await bob.send(groupchat(room, "hello"));
    await bob.receive((s) => s.is("message") && s.getChildText("body") === "hello");
    expect(roomsOf(await getrooms(bob))).toEqual([{ jid: room, users_cnt: "1", room_thumbnail: "none", room_background: "none" }]);
  });
});
