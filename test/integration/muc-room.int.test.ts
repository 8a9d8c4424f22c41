// Room configuration and life (PROTOCOL §3.10, §3.12–§3.14, §1.2, §2.10): the owner form, 104 notices,
// members-only switch (322), destruction with an alternate venue, mediated and direct invitations,
// room and service disco (with RSM and the tenant filter), and pings.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient, type Transport, type XmlElement } from "../harness/test-client.js";
import { errorOf, iqGet, iqReply, iqSet, item, joined, nextId, NS_DATA, NS_MUC_OWNER, NS_MUC_USER, statusCodes, submitForm } from "./muc-helpers.js";

const SERVICE = "conference.localhost";
const DISCO_INFO = "http://jabber.org/protocol/disco#info";
const DISCO_ITEMS = "http://jabber.org/protocol/disco#items";
let roomSeq = 0;

describe.each<Transport>(["tcp", "ws"])("MUC room configuration and life over %s", (transport) => {
  let server: TestServer;
  let admin: TestClient;
  let alice: TestClient;
  let bob: TestClient;
  let carol: TestClient;

  async function roomWith(options: Record<string, unknown>, ...members: [TestClient, string][]): Promise<string> {
    const name = `65f0a1_cfg${++roomSeq}${Math.random().toString(36).slice(2, 6)}`;
    expect((await server.api("create_room_with_opts", { name, service: SERVICE, options })).status).toBe(200);
    const room = `${name}@${SERVICE}`;
    for (const [client, nick] of members) await joined(client, `${room}/${nick}`);
    return room;
  }
  const options = async (room: string) => (await server.api("get_room_options", { name: room })).body as Record<string, string>;
  const configNotice = (client: TestClient, room: string) =>
    client.receive((s) => s.is("message") && s.attrs.from === room && s.getChild("x", NS_MUC_USER)?.getChild("status")?.attrs.code === "104");

  beforeAll(async () => {
    server = await startTestServer({ users: ["admin", "65f0a1_alice", "65f0a1_bob", "65f0a1_carol", "aa11bb_lister"], config: { auth: { mechanisms: ["PLAIN"] } } });
    [admin, alice, bob, carol] = (await Promise.all(["admin", "65f0a1_alice", "65f0a1_bob", "65f0a1_carol"].map((u) => server.connect(u, { transport })))) as [TestClient, TestClient, TestClient, TestClient];
  });
  afterAll(() => server.stop());

  it("gives owners the configuration form and refuses others with 'Owner privileges required'", async () => {
    const room = await roomWith({ title: "Lobby", affiliations: "owner=65f0a1_alice@localhost" });
    const form = await iqReply(alice, iqGet(room, xml("query", { xmlns: NS_MUC_OWNER })));
    const x = form.getChild("query", NS_MUC_OWNER)?.getChild("x", NS_DATA);
    expect(x?.attrs.type).toBe("form");
    const value = (v: string) => x?.getChildren("field").find((f) => f.attrs.var === v)?.getChildText("value");
    expect(value("FORM_TYPE")).toBe("http://jabber.org/protocol/muc#roomconfig");
    expect(value("muc#roomconfig_roomname")).toBe("Lobby");
    expect(value("muc#roomconfig_persistentroom")).toBe("1");
    expect(value("muc#roomconfig_whois")).toBe("moderators");
    expect(value("muc#roomconfig_allowpm")).toBe("anyone");
    expect(errorOf(await iqReply(bob, iqGet(room, xml("query", { xmlns: NS_MUC_OWNER }))))).toEqual({ type: "auth", condition: "forbidden", text: "Owner privileges required" });
    expect((await iqReply(admin, iqGet(room, xml("query", { xmlns: NS_MUC_OWNER })))).attrs.type).toBe("result");
  });

  it("applies a partial submit, keeps the rest, and announces it with 104 (§3.13)", async () => {
    const room = await roomWith({ title: "Old", description: "Keep me", affiliations: "owner=65f0a1_alice@localhost" }, [alice, "65f0a1_alice"], [bob, "65f0a1_bob"]);
    const reply = await iqReply(alice, xml("iq", { type: "set", to: room, id: "changeRoomName" }, submitForm({ "muc#roomconfig_roomname": "Lobby" })));
    expect(reply.attrs.type).toBe("result");
    expect(reply.children).toEqual([]);
    const notice = await configNotice(bob, room);
    expect(notice.attrs.type).toBe("groupchat");
    expect(notice.children.map(String)).toEqual([`<x xmlns="${NS_MUC_USER}"><status code="104"/></x>`]);
    expect(await options(room)).toMatchObject({ title: "Lobby", description: "Keep me" });
    const bad = await iqReply(alice, iqSet(room, submitForm({ "muc#roomconfig_maxusers": "many" })));
    expect(errorOf(bad).condition).toBe("bad-request");
  });

  it("answers an empty submit, a cancel and a set without form with a result and changes nothing", async () => {
    const room = await roomWith({ title: "Same", affiliations: "owner=65f0a1_alice@localhost" }, [alice, "65f0a1_alice"], [bob, "65f0a1_bob"]);
    const forms = [
      xml("query", { xmlns: NS_MUC_OWNER }, xml("x", { xmlns: NS_DATA, type: "submit" })),
      xml("query", { xmlns: NS_MUC_OWNER }, xml("x", { xmlns: NS_DATA, type: "cancel" })),
      xml("query", { xmlns: NS_MUC_OWNER }),
    ];
    for (const f of forms) expect((await iqReply(alice, iqSet(room, f))).attrs.type).toBe("result");
    await bob.expectNone((s) => s.is("message") && s.attrs.from === room && s.getChild("x", NS_MUC_USER) !== undefined, 200);
    expect((await options(room)).title).toBe("Same");
  });

  it("removes non-members with 322 when the room becomes members-only, and says 172 when it turns non-anonymous", async () => {
    const room = await roomWith({ affiliations: "owner=65f0a1_alice@localhost" }, [alice, "65f0a1_alice"], [bob, "65f0a1_bob"]);
    await iqReply(alice, iqSet(room, submitForm({ "muc#roomconfig_membersonly": "1", "muc#roomconfig_whois": "anyone" })));
    const notice = await configNotice(alice, room);
    expect(statusCodes(notice)).toEqual(["104", "172"]);
    const removed = await bob.receive((s) => s.attrs.type === "unavailable" && s.attrs.from === `${room}/65f0a1_bob`);
    expect(statusCodes(removed)).toEqual(["110", "322"]);
  });

  it("destroys a room for its owner, with the alternate venue and reason, and forgets it (§3.14)", async () => {
    const room = await roomWith({ affiliations: "owner=65f0a1_alice@localhost" }, [alice, "65f0a1_alice"], [bob, "65f0a1_bob"]);
    const destroy = xml("query", { xmlns: NS_MUC_OWNER }, xml("destroy", { jid: "65f0a1_new@conference.localhost" }, xml("reason", {}, "Moved")));
    expect(errorOf(await iqReply(bob, iqSet(room, destroy))).text).toBe("Owner privileges required");
    expect((await iqReply(alice, iqSet(room, destroy))).attrs.type).toBe("result");
    for (const [client, nick] of [[alice, "65f0a1_alice"], [bob, "65f0a1_bob"]] as const) {
      const gone = await client.receive((s) => s.attrs.type === "unavailable" && s.attrs.from === `${room}/${nick}`);
      expect(gone.children.map(String)).toEqual([
        `<x xmlns="${NS_MUC_USER}"><item affiliation="none" role="none"/><destroy jid="65f0a1_new@conference.localhost"><reason>Moved</reason></destroy></x>`,
      ]);
    }
    expect(await options(room)).toEqual({});
    expect((await server.api("get_room_affiliations", { name: room })).status).toBe(400);
  });

  it("relays mediated invitations per §3.10, and refuses them when user invites are off", async () => {
    const room = await roomWith({ members_only: "true", affiliations: "owner=65f0a1_alice@localhost;member=65f0a1_bob@localhost" }, [alice, "65f0a1_alice"], [bob, "65f0a1_bob"]);
    const refused = nextId("inv");
    await bob.send(xml("message", { to: room, id: refused }, xml("x", { xmlns: NS_MUC_USER }, xml("invite", { to: "65f0a1_carol@localhost" }))));
    const bounce = await bob.receive((s) => s.attrs.id === refused && s.attrs.type === "error");
    expect(errorOf(bounce)).toEqual({ type: "auth", condition: "forbidden", text: "Invitations are not allowed in this conference" });
    await alice.send(xml("message", { to: room, id: nextId("inv") }, xml("x", { xmlns: NS_MUC_USER }, xml("invite", { to: "65f0a1_carol@localhost" }, xml("reason", {}, "Join us")))));
    const invitation = await carol.receive((s) => s.is("message") && s.attrs.from === room);
    expect(invitation.attrs.to).toBe("65f0a1_carol@localhost");
    expect(invitation.attrs.type).toBeUndefined();
    // The invitee's own archive stamps (§6.2, a normal message with a body) may come first; the rest is §3.10's.
    const own = (c: XmlElement) => (c.name === "archived" || c.name === "stanza-id") && c.attrs.by === "65f0a1_carol@localhost";
    expect(invitation.getChildElements().filter((c) => !own(c)).map(String)).toEqual([
      `<x xmlns="${NS_MUC_USER}"><invite from="${alice.jid}"><reason>Join us</reason></invite></x>`,
      `<x xmlns="jabber:x:conference" jid="${room}"/>`,
      `<body>65f0a1_alice@localhost invites you to the room ${room} (Join us)</body>`,
    ]);
    // §3.10: an owner's invitation into a members-only room makes the invitee a member, so carol may join.
    expect(item(await joined(carol, `${room}/65f0a1_carol`)).affiliation).toBe("member");
  });

  it("forwards a decline to the inviter, and passes direct invitations (XEP-0249) user to user", async () => {
    const room = await roomWith({}, [alice, "65f0a1_alice"]);
    await bob.send(xml("message", { to: room }, xml("x", { xmlns: NS_MUC_USER }, xml("decline", { to: alice.jid }, xml("reason", {}, "Busy")))));
    const decline = await alice.receive((s) => s.is("message") && s.attrs.from === room && s.getChild("x", NS_MUC_USER)?.getChild("decline") !== undefined);
    expect(decline.getChild("x", NS_MUC_USER)?.getChild("decline")?.attrs.from).toBe("65f0a1_bob@localhost");
    const direct = nextId("direct");
    await alice.send(xml("message", { to: "65f0a1_bob@localhost", id: direct }, xml("x", { xmlns: "jabber:x:conference", jid: room, reason: "Come" })));
    const got = await bob.receive((s) => s.attrs.id === direct);
    expect(got.children.map(String)).toEqual([`<x xmlns="jabber:x:conference" jid="${room}" reason="Come"/>`]);
  });

  it("describes a room exactly as §3.12 shows: identity first, flags, the roominfo form with values first", async () => {
    const room = await roomWith({ title: "Lobby", description: "Company-wide chat" }, [alice, "65f0a1_alice"], [bob, "65f0a1_bob"]);
    const reply = await iqReply(carol, iqGet(room, xml("query", { xmlns: DISCO_INFO })));
    expect(reply.getChild("query")?.children.map(String).join("")).toBe(
      '<identity category="conference" type="text" name="Lobby"/>' +
        ["http://jabber.org/protocol/muc", DISCO_INFO, DISCO_ITEMS, "muc_public", "muc_persistent", "muc_open", "muc_semianonymous", "muc_moderated", "muc_unsecured", "urn:xmpp:mucsub:0", "urn:xmpp:mam:1", "urn:xmpp:mam:2", "urn:xmpp:sid:0"]
          .map((f) => `<feature var="${f}"/>`)
          .join("") +
        '<x xmlns="jabber:x:data" type="result">' +
        '<field var="FORM_TYPE" type="hidden"><value>http://jabber.org/protocol/muc#roominfo</value></field>' +
        '<field var="muc#roominfo_occupants" type="text-single" label="Number of occupants"><value>2</value></field>' +
        '<field var="muc#roomconfig_roomname" type="text-single" label="Natural-Language Room Name"><value>Lobby</value></field>' +
        '<field var="muc#roominfo_description" type="text-single" label="Room description"><value>Company-wide chat</value></field>' +
        '<field var="muc#roomconfig_changesubject" type="boolean"><value>1</value></field>' +
        '<field var="muc#roomconfig_allowinvites" type="boolean"><value>0</value></field>' +
        '<field var="muc#roomconfig_allow_query_users" type="boolean"><value>1</value></field>' +
        '<field var="muc#roomconfig_allowpm" type="list-single"><value>anyone</value></field>' +
        '<field var="muc#roominfo_lang" type="text-single"><value>en</value></field>' +
        "</x>",
    );
  });

  it("flips each room-type flag and drops the conditional features with their options", async () => {
    const room = await roomWith({ public: "false", persistent: "false", members_only: "true", anonymous: "false", moderated: "false", password_protected: "true", allow_subscription: "false", mam: "false" });
    const reply = await iqReply(carol, iqGet(room, xml("query", { xmlns: DISCO_INFO })));
    const query = reply.getChild("query") as XmlElement;
    expect(query.getChildElements()[0]?.attrs.name).toBe(room.slice(0, room.indexOf("@")));
    expect(query.getChildren("feature").map((f) => f.attrs.var)).toEqual([
      "http://jabber.org/protocol/muc", DISCO_INFO, DISCO_ITEMS, "muc_hidden", "muc_temporary", "muc_membersonly", "muc_nonanonymous", "muc_unmoderated", "muc_passwordprotected", "urn:xmpp:sid:0",
    ]);
    const fields = query.getChild("x", NS_DATA)?.getChildren("field") ?? [];
    expect(fields.map((f) => f.getChildElements()[0]?.name)).toEqual(Array(9).fill("value"));
  });

  it("lists public rooms of the requester's App, ascending, paged with RSM (§1.2)", async () => {
    const names = ["aa11bb_d", "aa11bb_a", "aa11bb_c", "aa11bb_b", "aa11bb_hidden"];
    for (const n of names) await server.api("create_room_with_opts", { name: `${n}${transport}`, service: SERVICE, options: { public: n.endsWith("hidden") ? "false" : "true", title: n === "aa11bb_a" ? "Alpha" : "" } });
    const lister = await server.connect("aa11bb_lister", { transport });
    const all = await iqReply(lister, iqGet(SERVICE, xml("query", { xmlns: DISCO_ITEMS })));
    const jids = (r: XmlElement) => r.getChild("query")?.getChildren("item").map((i) => (i.attrs.jid ?? "").split("@")[0] ?? "") ?? [];
    expect(jids(all)).toEqual(["a", "b", "c", "d"].map((l) => `aa11bb_${l}${transport}`));
    expect(all.getChild("query")?.getChildren("item")[0]?.attrs.name).toBe("Alpha");
    expect(all.getChild("query")?.getChild("set")).toBeUndefined();
    const rsm = (...children: XmlElement[]) => xml("query", { xmlns: DISCO_ITEMS }, xml("set", { xmlns: "http://jabber.org/protocol/rsm" }, ...children));
    const page1 = await iqReply(lister, iqGet(SERVICE, rsm(xml("max", {}, "2"))));
    expect(jids(page1)).toEqual([`aa11bb_a${transport}`, `aa11bb_b${transport}`]);
    const set1 = page1.getChild("query")?.getChild("set");
    expect(set1?.getChild("first")?.attrs.index).toBe("0");
    expect(set1?.getChildText("count")).toBe("4");
    const page2 = await iqReply(lister, iqGet(SERVICE, rsm(xml("max", {}, "2"), xml("after", {}, set1?.getChildText("last") ?? ""))));
    expect(jids(page2)).toEqual([`aa11bb_c${transport}`, `aa11bb_d${transport}`]);
    const last = await iqReply(lister, iqGet(SERVICE, rsm(xml("max", {}, "1"), xml("before", {}))));
    expect(jids(last)).toEqual([`aa11bb_d${transport}`]);
    expect(last.getChild("query")?.getChild("set")?.getChild("first")?.attrs.index).toBe("3");
    // Other Apps' rooms are hidden from alice; the server admin sees them.
    expect(jids(await iqReply(alice, iqGet(SERVICE, xml("query", { xmlns: DISCO_ITEMS })))).some((j) => j.startsWith("aa11bb_"))).toBe(false);
    expect(jids(await iqReply(admin, iqGet(SERVICE, xml("query", { xmlns: DISCO_ITEMS })))).filter((j) => j.startsWith("aa11bb_")).length).toBeGreaterThanOrEqual(4);
    await lister.stop();
  });

  it("cuts an unpaged room list at 100 items and says so with <set> (§1.2)", async () => {
    for (let i = 0; i < 101; i++) await server.api("create_room_with_opts", { name: `bb22cc_r${String(i).padStart(3, "0")}${transport}`, service: SERVICE });
    await server.register(`bb22cc_${transport}`);
    const lister = await server.connect(`bb22cc_${transport}`, { transport });
    const reply = await iqReply(lister, iqGet(SERVICE, xml("query", { xmlns: DISCO_ITEMS })));
    const query = reply.getChild("query") as XmlElement;
    expect(query.getChildren("item")).toHaveLength(100);
    const set = query.getChild("set", "http://jabber.org/protocol/rsm");
    expect(set?.getChildText("count")).toBe("101");
    expect(set?.getChildText("first")).toBe(`bb22cc_r000${transport}@${SERVICE}`);
    expect(set?.getChildText("last")).toBe(`bb22cc_r099${transport}@${SERVICE}`);
    await lister.stop();
  });

  it("relays IQs to occupants: vCard to the bare JID, other queries to the session, answers back from room/nick", async () => {
    const room = await roomWith({}, [alice, "65f0a1_alice"], [bob, "65f0a1_bob"]);
    const vcard = await iqReply(alice, iqGet(`${room}/65f0a1_bob`, xml("vCard", { xmlns: "vcard-temp" })));
    expect(vcard.attrs).toMatchObject({ type: "result", from: `${room}/65f0a1_bob`, to: alice.jid });
    expect(vcard.getChild("vCard", "vcard-temp")).toBeDefined();
    const version = await iqReply(alice, iqGet(`${room}/65f0a1_bob`, xml("query", { xmlns: "jabber:iq:version" })));
    expect(version.attrs.from).toBe(`${room}/65f0a1_bob`);
    expect(["result", "error"]).toContain(version.attrs.type);
    expect(errorOf(await iqReply(carol, iqGet(`${room}/65f0a1_bob`, xml("vCard", { xmlns: "vcard-temp" })))).condition).toBe("not-acceptable");
    expect(errorOf(await iqReply(alice, iqGet(`${room}/nobody`, xml("vCard", { xmlns: "vcard-temp" })))).condition).toBe("item-not-found");
    const closed = await roomWith({ allow_query_users: "false" }, [alice, "65f0a1_alice"], [bob, "65f0a1_bob"]);
    expect(errorOf(await iqReply(alice, iqGet(`${closed}/65f0a1_bob`, xml("vCard", { xmlns: "vcard-temp" })))).condition).toBe("forbidden");
  });

  it("answers pings: the service always, a room only for occupants (§2.10, XEP-0410)", async () => {
    const room = await roomWith({}, [alice, "65f0a1_alice"]);
    const ping = () => xml("ping", { xmlns: "urn:xmpp:ping" });
    expect((await iqReply(bob, iqGet(SERVICE, ping()))).attrs.type).toBe("result");
    expect((await iqReply(alice, iqGet(room, ping()))).attrs.type).toBe("result");
    expect((await iqReply(alice, iqGet(`${room}/65f0a1_alice`, ping()))).attrs.type).toBe("result");
    expect(errorOf(await iqReply(bob, iqGet(room, ping()))).condition).toBe("not-acceptable");
    expect(errorOf(await iqReply(bob, iqGet(`${room}/65f0a1_alice`, ping()))).condition).toBe("not-acceptable");
  });
});
