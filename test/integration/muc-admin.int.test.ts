// Roles and affiliations (PROTOCOL §3.5, §3.11; XEP-0045 §8–§10): kick (307), ban (301), membership removal
// (321, byte level), voice, the permission matrix and its errors, list get/set, notices about users who
// are not in the room, and muc#owner items treated as muc#admin.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawSession } from "../harness/raw-session.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient, type Transport } from "../harness/test-client.js";
import { adminQuery, errorOf, iqGet, iqReply, iqSet, item, join, joined, NS_MUC_ADMIN, NS_MUC_OWNER, NS_MUC_USER, statusCodes } from "./muc-helpers.js";

const SERVICE = "conference.localhost";
let roomSeq = 0;

describe.each<Transport>(["tcp", "ws"])("MUC roles and affiliations over %s", (transport) => {
  let server: TestServer;
  let admin: TestClient;
  let alice: TestClient;
  let bob: TestClient;
  let carol: TestClient;

  async function roomWith(options: Record<string, unknown>, ...members: [TestClient, string][]): Promise<string> {
    const name = `65f0a1_adm${++roomSeq}${Math.random().toString(36).slice(2, 6)}`;
    expect((await server.api("create_room_with_opts", { name, service: SERVICE, options })).status).toBe(200);
    const room = `${name}@${SERVICE}`;
    for (const [client, nick] of members) await joined(client, `${room}/${nick}`);
    return room;
  }
  const setItems = (client: TestClient, room: string, ...items: ReturnType<typeof xml>[]) => iqReply(client, iqSet(room, adminQuery(...items)));
  const affiliations = async (room: string) => (await server.api("get_room_affiliations", { name: room })).body as { jid: string; affiliation: string; reason: string }[];

  beforeAll(async () => {
    server = await startTestServer({ users: ["admin", "65f0a1_alice", "65f0a1_bob", "65f0a1_carol"], config: { auth: { mechanisms: ["PLAIN"] } } });
    [admin, alice, bob, carol] = (await Promise.all(["admin", "65f0a1_alice", "65f0a1_bob", "65f0a1_carol"].map((u) => server.connect(u, { transport })))) as [TestClient, TestClient, TestClient, TestClient];
  });
  afterAll(() => server.stop());

  it("kicks with 307: 110 and the reason to the kicked session, 307 to the others (XEP-0045 §8.2)", async () => {
    const room = await roomWith({}, [admin, "admin"], [alice, "65f0a1_alice"], [bob, "65f0a1_bob"]);
    const reply = await setItems(admin, room, xml("item", { nick: "65f0a1_alice", role: "none" }, xml("reason", {}, "Avaunt")));
    expect(reply.attrs.type).toBe("result");
    const self = await alice.receive((s) => s.attrs.type === "unavailable" && s.attrs.from === `${room}/65f0a1_alice`);
    expect(statusCodes(self)).toEqual(["110", "307"]);
    expect(item(self)).toEqual({ jid: alice.jid, affiliation: "none", role: "none" });
    expect(self.getChild("x", NS_MUC_USER)?.getChild("item")?.getChildText("reason")).toBe("Avaunt");
    const seen = await bob.receive((s) => s.attrs.type === "unavailable" && s.attrs.from === `${room}/65f0a1_alice`);
    expect(statusCodes(seen)).toEqual(["307"]);
    expect(item(seen).jid).toBeUndefined();
    expect((await server.api("get_room_occupants_number", { name: room })).body).toBe(2);
  });

  it("refuses kicks by non-moderators (forbidden) and of admins or owners (not-allowed)", async () => {
    const room = await roomWith({ affiliations: "admin=65f0a1_alice@localhost;owner=65f0a1_carol@localhost" }, [alice, "65f0a1_alice"], [bob, "65f0a1_bob"], [carol, "65f0a1_carol"]);
    expect(errorOf(await setItems(bob, room, xml("item", { nick: "65f0a1_alice", role: "none" }))).condition).toBe("forbidden");
    expect(errorOf(await setItems(alice, room, xml("item", { nick: "65f0a1_carol", role: "none" }))).condition).toBe("not-allowed");
    expect(errorOf(await setItems(alice, room, xml("item", { nick: "nobody", role: "none" }))).condition).toBe("item-not-found");
    expect((await server.api("get_room_occupants_number", { name: room })).body).toBe(3);
  });

  it("bans with outcast: 301 to everyone, the reason stored, and no way back in", async () => {
    const room = await roomWith({}, [admin, "admin"], [alice, "65f0a1_alice"], [bob, "65f0a1_bob"]);
    const reply = await setItems(admin, room, xml("item", { jid: "65f0a1_alice@localhost", affiliation: "outcast" }, xml("reason", {}, "spam")));
    expect(reply.attrs.type).toBe("result");
    const self = await alice.receive((s) => s.attrs.type === "unavailable" && s.attrs.from === `${room}/65f0a1_alice`);
    expect(statusCodes(self)).toEqual(["110", "301"]);
    expect(item(self)).toMatchObject({ affiliation: "outcast", role: "none" });
    expect(statusCodes(await bob.receive((s) => s.attrs.type === "unavailable" && s.attrs.from === `${room}/65f0a1_alice`))).toEqual(["301"]);
    expect(await affiliations(room)).toEqual([{ username: "65f0a1_alice", domain: "localhost", jid: "65f0a1_alice@localhost", affiliation: "outcast", reason: "spam" }]);
    expect(errorOf(await join(alice, `${room}/65f0a1_alice`)).text).toBe("You have been banned from this room");
    const list = await iqReply(admin, iqGet(room, adminQuery(xml("item", { affiliation: "outcast" }))));
    expect(list.getChild("query")?.children.map(String)).toEqual(['<item affiliation="outcast" jid="65f0a1_alice@localhost"><reason>spam</reason></item>']);
  });

  it("removes a member who loses membership of a members-only room with 110+321 (byte level, §3.5)", async () => {
    const room = await roomWith({ members_only: "true", affiliations: "owner=65f0a1_carol@localhost;member=65f0a1_bob@localhost" }, [carol, "65f0a1_carol"]);
    const { raw, jid } = await rawSession(server, transport, { user: "65f0a1_bob", resource: "515555070583875399454338" });
    raw.send(`<presence to="${room}/65f0a1_bob"><x xmlns="http://jabber.org/protocol/muc"/></presence>`);
    await raw.waitFor("<subject/>");
    expect((await setItems(carol, room, xml("item", { jid: "65f0a1_bob@localhost", affiliation: "none" }))).attrs.type).toBe("result");
    const text = await raw.waitFor(/<status code="321"\/><\/x><\/presence>/);
    const removal = /<presence[^>]*type="unavailable"[^>]*>.*?<\/presence>/.exec(text)?.[0] ?? "";
    expect(removal.replace(/^<presence[^>]*>/, "")).toBe(
      `<x xmlns="${NS_MUC_USER}"><item jid="${jid}" affiliation="none" role="none"/><status code="110"/><status code="321"/></x></presence>`,
    );
    const seen = await carol.receive((s) => s.attrs.type === "unavailable" && s.attrs.from === `${room}/65f0a1_bob`);
    expect(statusCodes(seen)).toEqual(["321"]);
    // Owners are moderators, so carol sees the real JID (§3.4).
    expect(item(seen).jid).toBe(jid);
    raw.close();
  });

  it("shows an occupant's new affiliation by presence, and notifies occupants about absent users by message", async () => {
    const room = await roomWith({}, [admin, "admin"], [alice, "65f0a1_alice"]);
    await setItems(admin, room, xml("item", { jid: "65f0a1_alice@localhost", affiliation: "member" }));
    const self = await alice.receive((s) => s.is("presence") && s.attrs.from === `${room}/65f0a1_alice` && item(s).affiliation === "member");
    expect(statusCodes(self)).toEqual(["110"]);
    await setItems(admin, room, xml("item", { jid: "65f0a1_carol@localhost", affiliation: "member" }));
    const notice = await alice.receive((s) => s.is("message") && s.attrs.from === room && s.getChild("x", NS_MUC_USER) !== undefined);
    expect(notice.attrs.type).toBeUndefined();
    expect(notice.attrs.id).toMatch(/^aff-/);
    expect(notice.children.map(String)).toEqual([`<x xmlns="${NS_MUC_USER}"><item jid="65f0a1_carol@localhost" affiliation="member"/></x>`]);
  });

  it("applies the permission matrix: admins manage members, owners everything; errors name the privilege", async () => {
    const room = await roomWith({ affiliations: "owner=65f0a1_carol@localhost;admin=65f0a1_alice@localhost;member=65f0a1_bob@localhost" });
    expect((await setItems(alice, room, xml("item", { jid: "x_1@localhost", affiliation: "member" }))).attrs.type).toBe("result");
    expect(errorOf(await setItems(alice, room, xml("item", { jid: "x_2@localhost", affiliation: "admin" })))).toEqual({ type: "auth", condition: "forbidden", text: "Owner privileges required" });
    expect(errorOf(await setItems(alice, room, xml("item", { jid: "65f0a1_carol@localhost", affiliation: "outcast" }))).text).toBe("Owner privileges required");
    expect(errorOf(await setItems(bob, room, xml("item", { jid: "x_3@localhost", affiliation: "member" })))).toEqual({
      type: "auth",
      condition: "forbidden",
      text: "Administrator privileges required",
    });
    // A set is checked whole: nothing changes when one item is refused.
    expect((await setItems(alice, room, xml("item", { jid: "x_4@localhost", affiliation: "member" }), xml("item", { jid: "x_5@localhost", affiliation: "owner" }))).attrs.type).toBe("error");
    expect((await affiliations(room)).map((a) => a.jid)).not.toContain("x_4@localhost");
    expect((await setItems(carol, room, xml("item", { jid: "x_6@localhost", affiliation: "admin" }))).attrs.type).toBe("result");
    expect(errorOf(await setItems(carol, room, xml("item", { jid: "65f0a1_carol@localhost", affiliation: "member" }))).condition).toBe("conflict");
  });

  it("lists affiliations for admins and owners, roles for moderators", async () => {
    const room = await roomWith({ affiliations: "owner=65f0a1_carol@localhost;member=65f0a1_bob@localhost;member=65f0a1_alice@localhost" }, [carol, "65f0a1_carol"], [bob, "65f0a1_bob"]);
    const members = await iqReply(carol, iqGet(room, adminQuery(xml("item", { affiliation: "member" }))));
    expect(members.getChild("query", NS_MUC_ADMIN)?.children.map(String)).toEqual([
      '<item affiliation="member" jid="65f0a1_alice@localhost"/>',
      '<item affiliation="member" jid="65f0a1_bob@localhost"/>',
    ]);
    expect(errorOf(await iqReply(bob, iqGet(room, adminQuery(xml("item", { affiliation: "member" }))))).text).toBe("Administrator privileges required");
    const participants = await iqReply(carol, iqGet(room, adminQuery(xml("item", { role: "participant" }))));
    expect(participants.getChild("query")?.getChildren("item").map((i) => i.attrs)).toEqual([{ affiliation: "member", role: "participant", nick: "65f0a1_bob", jid: bob.jid }]);
    expect(errorOf(await iqReply(bob, iqGet(room, adminQuery(xml("item", { role: "moderator" }))))).condition).toBe("forbidden");
  });

  it("grants and revokes voice in a moderated room (XEP-0045 §8.3–§8.4)", async () => {
    const room = await roomWith({ moderated: "true", members_by_default: "false" }, [admin, "admin"]);
    expect(item(await joined(alice, `${room}/65f0a1_alice`)).role).toBe("visitor");
    await setItems(admin, room, xml("item", { nick: "65f0a1_alice", role: "participant" }));
    const voiced = await alice.receive((s) => s.is("presence") && s.attrs.from === `${room}/65f0a1_alice` && item(s).role === "participant");
    expect(statusCodes(voiced)).toEqual(["110"]);
    await setItems(admin, room, xml("item", { nick: "65f0a1_alice", role: "visitor" }));
    await alice.receive((s) => s.is("presence") && s.attrs.from === `${room}/65f0a1_alice` && item(s).role === "visitor" && s !== voiced);
    expect(errorOf(await setItems(alice, room, xml("item", { nick: "admin", role: "visitor" }))).condition).toBe("forbidden");
  });

  it("treats affiliation items in the muc#owner namespace like muc#admin (§3.11 Decision)", async () => {
    const room = await roomWith({ affiliations: "owner=65f0a1_carol@localhost" });
    const reply = await iqReply(carol, iqSet(room, xml("query", { xmlns: NS_MUC_OWNER }, xml("item", { jid: "65f0a1_bob@localhost", affiliation: "admin" }))));
    expect(reply.attrs.type).toBe("result");
    expect((await affiliations(room)).find((a) => a.jid === "65f0a1_bob@localhost")?.affiliation).toBe("admin");
  });
});
