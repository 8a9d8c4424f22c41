// MucSub lifetime and node events (PROTOCOL §5.1, §5.5, §5.8, §3.11, §3.14, §2.11): subscriptions end on
// outcast, on membership loss in members-only rooms, on destruction and on account removal; the other
// nodes (presence, subscribers, affiliations, config, system) reach subscribers wrapped; membership changes
// are raised as hooks (§7.9); the push hook fires while every session of a subscriber is hibernated.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mucsubModule } from "../../src/modules/mucsub/mucsub.module.js";
import { parseJid } from "../../src/xmpp/jid.js";
import { plainAuth, rawTcp, streamHeader, type RawClient } from "../harness/raw-client.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient } from "../harness/test-client.js";
import { groupchat, iqReply, iqSet, joined, leave, nextId, submitForm } from "./muc-helpers.js";
import { change, hookProbe, NODE, subscribe, unsubscribe, wrapped, wrapperNode } from "./mucsub-helpers.js";

const SERVICE = "conference.localhost";
let roomSeq = 0;

describe("MucSub lifetime, node events and membership hooks", () => {
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  let carol: TestClient;
  const probe = hookProbe();
  const subscribers = async (room: string) => (await server.api("get_subscribers", { name: room })).body;

  async function createRoom(options: Record<string, unknown> = {}): Promise<string> {
    const name = `65f0a1_life${++roomSeq}${Math.random().toString(36).slice(2, 6)}`;
    expect((await server.api("create_room_with_opts", { name, service: SERVICE, options: { affiliations: "owner=65f0a1_alice@localhost", ...options } })).status).toBe(200);
    return `${name}@${SERVICE}`;
  }

  beforeAll(async () => {
    server = await startTestServer({
      users: ["admin", "65f0a1_alice", "65f0a1_bob", "65f0a1_carol", "65f0a1_gone"],
      config: { auth: { mechanisms: ["PLAIN"] } },
      modules: [probe.module],
    });
    [alice, bob, carol] = await Promise.all([server.connect("65f0a1_alice"), server.connect("65f0a1_bob"), server.connect("65f0a1_carol")]);
  });
  afterAll(() => server.stop());

  it("reports joins and exits of room members: subscribing a non-member, unsubscribing, affiliations (§5.2, §5.3, §7.9)", async () => {
    const room = await createRoom();
    const joinedBefore = probe.log.joined.length;
    const leftBefore = probe.log.left.length;
    await subscribe(bob, room);
    await subscribe(alice, room); // already a member (owner): no new membership
    await unsubscribe(bob, room);
    await server.api("set_room_affiliation", { name: room, jid: "65f0a1_carol@localhost", affiliation: "member" });
    await server.api("set_room_affiliation", { name: room, jid: "65f0a1_carol@localhost", affiliation: "none" });
    expect(probe.log.joined.slice(joinedBefore).map(change)).toEqual([
      [room, "65f0a1_bob@localhost", "subscribe"],
      [room, "65f0a1_carol@localhost", "affiliation"],
    ]);
    expect(probe.log.left.slice(leftBefore).map(change)).toEqual([
      [room, "65f0a1_bob@localhost", "unsubscribe"],
      [room, "65f0a1_carol@localhost", "affiliation"],
    ]);
    expect(probe.log.joined[joinedBefore]).toMatchObject({ affiliation: "none", subscribed: true });
  });

  it("reports a membership created by an owner's invitation with reason invite (§3.10, §7.9)", async () => {
    const room = await createRoom({ members_only: "true" });
    await joined(alice, `${room}/65f0a1_alice`);
    const joinedBefore = probe.log.joined.length;
    await alice.send(xml("message", { to: room, id: nextId("inv") }, xml("x", { xmlns: "http://jabber.org/protocol/muc#user" }, xml("invite", { to: "65f0a1_carol@localhost" }))));
    await carol.receive((s) => s.is("message") && s.attrs.from === room && s.getChild("x", "jabber:x:conference") !== undefined);
    expect(probe.log.joined.slice(joinedBefore).map(change)).toEqual([[room, "65f0a1_carol@localhost", "invite"]]);
  });

  it("ends a subscription on outcast and on membership loss in a members-only room (§3.11, §5.8)", async () => {
    const open = await createRoom();
    await subscribe(bob, open);
    await subscribe(carol, open);
    await server.api("set_room_affiliation", { name: open, jid: "65f0a1_bob@localhost", affiliation: "outcast" });
    expect(await subscribers(open)).toEqual(["65f0a1_carol@localhost"]);
    const leftBefore = probe.log.left.length;
    const membersOnly = await createRoom({ members_only: "true", affiliations: "owner=65f0a1_alice@localhost;member=65f0a1_bob@localhost;member=65f0a1_carol@localhost" });
    await subscribe(bob, membersOnly);
    await subscribe(carol, membersOnly);
    // Through muc#admin, as an owner does it.
    const reply = await iqReply(alice, iqSet(membersOnly, xml("query", { xmlns: "http://jabber.org/protocol/muc#admin" }, xml("item", { jid: "65f0a1_bob@localhost", affiliation: "none" }))));
    expect(reply.attrs.type).toBe("result");
    expect(await subscribers(membersOnly)).toEqual(["65f0a1_carol@localhost"]);
    expect(probe.log.left.slice(leftBefore).map(change)).toEqual([[membersOnly, "65f0a1_bob@localhost", "affiliation"]]);
  });

  it("Decision: subscribers without affiliation lose their subscription when the room becomes members-only", async () => {
    const room = await createRoom({ affiliations: "owner=65f0a1_alice@localhost;member=65f0a1_carol@localhost" });
    await subscribe(bob, room);
    await subscribe(carol, room);
    expect((await iqReply(alice, iqSet(room, submitForm({ "muc#roomconfig_membersonly": "1" })))).attrs.type).toBe("result");
    expect(await subscribers(room)).toEqual(["65f0a1_carol@localhost"]);
  });

  it("drops every subscription of a destroyed room, sending the system node its notice (§3.14, §5.8)", async () => {
    const room = await createRoom({ affiliations: "owner=65f0a1_alice@localhost;member=65f0a1_carol@localhost" });
    await subscribe(bob, room, { nodes: ["messages", "system"] });
    const leftBefore = probe.log.left.length;
    expect((await server.api("destroy_room", { name: room })).status).toBe(200);
    const notice = await bob.receive((s) => wrapperNode(s) === NODE("system") && s.attrs.from === room);
    const inner = wrapped(notice);
    expect(inner?.is("presence")).toBe(true);
    expect(inner?.attrs.type).toBe("unavailable");
    expect(inner?.getChild("x", "http://jabber.org/protocol/muc#user")?.getChild("destroy")).toBeDefined();
    expect((await server.api("get_user_subscriptions", { user: "65f0a1_bob", host: "localhost" })).body).toEqual([]);
    expect(
      probe.log.left
        .slice(leftBefore)
        .map(change)
        .sort((a, b) => (a[1] < b[1] ? -1 : 1)),
    ).toEqual([
      [room, "65f0a1_alice@localhost", "destroy"],
      [room, "65f0a1_bob@localhost", "destroy"],
      [room, "65f0a1_carol@localhost", "destroy"],
    ]);
    // Recreated under the same name, the room has no subscribers left over.
    await server.api("create_room_with_opts", { name: room, service: SERVICE });
    expect(await subscribers(room)).toEqual([]);
  });

  it("drops a removed account's subscriptions (§8.5 unregister)", async () => {
    const room = await createRoom({ affiliations: "owner=65f0a1_alice@localhost;member=65f0a1_gone@localhost" });
    const other = await createRoom();
    await server.api("subscribe_room", { user: "65f0a1_gone@localhost", nick: "65f0a1_gone", room, nodes: "messages" });
    await server.api("subscribe_room", { user: "65f0a1_gone@localhost", nick: "65f0a1_gone", room: other, nodes: "messages" });
    const leftBefore = probe.log.left.length;
    expect((await server.api("unregister", { user: "65f0a1_gone", host: "localhost" })).status).toBe(200);
    expect(await subscribers(room)).toEqual([]);
    expect(await subscribers(other)).toEqual([]);
    const left = probe.log.left.slice(leftBefore).map(change);
    expect(left.sort()).toEqual([[room, "65f0a1_gone@localhost", "account_removed"], [other, "65f0a1_gone@localhost", "account_removed"]].sort());
  });

  it("keeps a temporary room alive while it has subscribers, and destroys it when the last one leaves (§3.5)", async () => {
    const room = await createRoom({ persistent: "false" });
    await subscribe(bob, room);
    await joined(alice, `${room}/65f0a1_alice`);
    await leave(alice, `${room}/65f0a1_alice`);
    expect((await server.api("get_room_options", { name: room })).body).toMatchObject({ persistent: "false" });
    await unsubscribe(bob, room);
    expect((await server.api("get_room_options", { name: room })).body).toEqual({});
  });

  it("wraps presence, subscriber notices, affiliation notices and config changes for their nodes (§5.1, §5.5)", async () => {
    const room = await createRoom();
    await subscribe(bob, room, { nodes: ["presence", "subscribers", "affiliations", "config"] });
    await subscribe(carol, room, { nodes: ["messages"] });
    const notice = await bob.receive((s) => wrapperNode(s) === NODE("subscribers") && wrapped(s)?.attrs.jid === "65f0a1_carol@localhost");
    expect(wrapped(notice)?.toString()).toBe(`<subscribe xmlns="urn:xmpp:mucsub:0" jid="65f0a1_carol@localhost" nick="65f0a1_carol"/>`);
    expect(notice.attrs.id).toBe(notice.getChild("event", "http://jabber.org/protocol/pubsub#event")?.getChild("items")?.getChild("item")?.attrs.id);

    await joined(alice, `${room}/65f0a1_alice`);
    const presence = await bob.receive((s) => wrapperNode(s) === NODE("presence") && wrapped(s)?.attrs.from === `${room}/65f0a1_alice`);
    expect(wrapped(presence)?.attrs.to).toBe("65f0a1_bob@localhost");

    await server.api("set_room_affiliation", { name: room, jid: "65f0a1_dave@localhost", affiliation: "member" });
    const aff = await bob.receive((s) => wrapperNode(s) === NODE("affiliations"));
    expect(wrapped(aff)?.getChild("x", "http://jabber.org/protocol/muc#user")?.getChild("item")?.attrs).toEqual({ jid: "65f0a1_dave@localhost", affiliation: "member" });

    await iqReply(alice, iqSet(room, submitForm({ "muc#roomconfig_roomname": "Renamed" })));
    const config = await bob.receive((s) => wrapperNode(s) === NODE("config"));
    expect(wrapped(config)?.getChild("x", "http://jabber.org/protocol/muc#user")?.getChild("status")?.attrs.code).toBe("104");
    // carol subscribed to messages only: none of the above.
    await carol.expectNone((s) => wrapperNode(s) !== undefined && wrapperNode(s) !== NODE("messages") && s.attrs.from === room, 100);
  });
});

describe("PROTOCOL §2.11 Decision: a subscriber whose sessions are all hibernated counts as offline for pushes", () => {
  let server: TestServer;
  const probe = hookProbe();

  beforeAll(async () => {
    server = await startTestServer({ profile: "standard", users: ["alice", "sleeper"], config: { sm: { resume_timeout: 30 } }, modules: [probe.module] });
  });
  afterAll(() => server.stop());

  async function hibernatedSession(): Promise<RawClient> {
    const raw = await rawTcp(server.port("c2s"));
    raw.send(streamHeader("localhost"));
    await raw.waitFor("</stream:features>");
    raw.send(plainAuth("sleeper", "secret"));
    await raw.waitFor("<success");
    raw.send(streamHeader("localhost"));
    await raw.waitFor(/<\/stream:features>[\s\S]*<\/stream:features>/);
    raw.send(`<iq type="set" id="bind"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><resource>zz</resource></bind></iq>`);
    await raw.waitFor("</bind></iq>");
    raw.send(`<enable xmlns="urn:xmpp:sm:3" resume="true"/>`);
    await raw.waitFor("<enabled");
    raw.send(`<presence/>`);
    await raw.waitFor(/<presence[^>]*from="sleeper@localhost\/zz"/);
    return raw;
  }

  it("raises the hook at once even when the hibernated session is joined, and stores nothing offline", async () => {
    const alice = await server.connect("alice");
    const room = `sleepy@${SERVICE}`;
    await joined(alice, `${room}/alice`);
    const raw = await hibernatedSession();
    raw.send(`<presence to="${room}/sleeper" id="j1"><x xmlns="http://jabber.org/protocol/muc"/></presence>`);
    await raw.waitFor("<subject");
    raw.send(`<iq type="set" id="s1" to="${room}"><subscribe xmlns="urn:xmpp:mucsub:0" nick="sleeper"><event node="urn:xmpp:mucsub:nodes:messages"/></subscribe></iq>`);
    await raw.waitFor(/id="s1"/);
    raw.close();
    const sleeper = parseJid("sleeper@localhost/zz");
    for (let i = 0; i < 250 && !(server.server.sessions.get(sleeper)?.isHibernated ?? false); i++) await new Promise((r) => setTimeout(r, 20));
    expect(server.server.sessions.get(sleeper)?.isHibernated).toBe(true);

    const id = nextId("hib");
    await alice.send(groupchat(room, "are you there?", id));
    const echo = await alice.receive((s) => s.attrs.id === id);
    await server.server.modules.api(mucsubModule).idle();
    const hooks = probe.log.offline.filter((h) => h.subscriber.bareString === "sleeper@localhost");
    expect(hooks.map((h) => [h.room.bareString, String(h.archiveId), h.stanza.getChildText("body")])).toEqual([
      [room, echo.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.id, "are you there?"],
    ]);
    // Still online for routing: nothing went to offline storage.
    expect((await server.api("get_offline_count", { user: "sleeper", host: "localhost" })).body).toBe(0);
  });
});

describe("MucSub in the standard profile (no tenant guard, rooms created by joining)", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ profile: "standard", users: ["alice", "bob"] });
  });
  afterAll(() => server.stop());

  it("subscribes under any free nick to a room a user created, and the subscription keeps the temporary room", async () => {
    const [alice, bob] = await Promise.all([server.connect("alice"), server.connect("bob")]);
    const room = `plain@${SERVICE}`;
    await joined(alice, `${room}/Alice`);
    expect((await subscribe(bob, room, { nick: "Bobby" })).getChild("subscribe", "urn:xmpp:mucsub:0")?.attrs.nick).toBe("Bobby");
    const id = nextId("std");
    await alice.send(groupchat(room, "hi Bobby", id));
    expect(wrapped(await bob.receive((s) => wrapperNode(s) === NODE("messages") && wrapped(s)?.attrs.id === id))?.attrs.from).toBe(`${room}/Alice`);
    await leave(alice, `${room}/Alice`);
    expect((await server.api("get_room_options", { name: room })).body).toMatchObject({ persistent: "false" });
    const own = nextId("std-own");
    await bob.send(groupchat(room, "still here", own));
    expect(wrapped(await bob.receive((s) => wrapped(s)?.attrs.id === own))?.attrs.from).toBe(`${room}/Bobby`);
  });
});
