// MucSub over real sockets (PROTOCOL §5.2–§5.7): subscribe/unsubscribe/list with §5.2's checks and exact
// texts, wrapped delivery to sessions that are not joined (byte level), offline subscribers (stored, pushed
// through the hook, delivered on the next login), sending without joining, and the subscriber's archive copy.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mamModule } from "../../src/modules/mam/mam.module.js";
import { mucsubModule } from "../../src/modules/mucsub/mucsub.module.js";
import { parseJid } from "../../src/xmpp/jid.js";
import { rawSession } from "../harness/raw-session.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient, type Transport } from "../harness/test-client.js";
import { drain, errorOf, groupchat, iqReply, iqSet, join, joined, nextId } from "./muc-helpers.js";
import { hookProbe, isWrappedMessage, listSubscriptions, NODE, subscribe, subscriptionsOf, unsubscribe, wrapped, wrapperNode } from "./mucsub-helpers.js";

const SERVICE = "conference.localhost";
let roomSeq = 0;

describe.each<Transport>(["tcp", "ws"])("MucSub over %s", (transport) => {
  let server: TestServer;
  let admin: TestClient;
  let alice: TestClient;
  let bob: TestClient;
  let carol: TestClient;
  const probe = hookProbe();
  const idle = () => server.server.modules.api(mucsubModule).idle();

  async function createRoom(options: Record<string, unknown> = {}): Promise<string> {
    const name = `65f0a1_sub${++roomSeq}${Math.random().toString(36).slice(2, 6)}`;
    const reply = await server.api("create_room_with_opts", { name, service: SERVICE, options: { affiliations: "owner=65f0a1_alice@localhost", ...options } });
    expect(reply.status).toBe(200);
    return `${name}@${SERVICE}`;
  }

  beforeAll(async () => {
    server = await startTestServer({
      users: ["admin", "65f0a1_alice", "65f0a1_bob", "65f0a1_carol", "65f0a1_dave", "77aa00_zed"],
      config: { auth: { mechanisms: ["PLAIN"], anonymous: true } },
      modules: [probe.module],
    });
    [admin, alice, bob, carol] = await Promise.all([
      server.connect("admin", { transport }),
      server.connect("65f0a1_alice", { transport }),
      server.connect("65f0a1_bob", { transport }),
      server.connect("65f0a1_carol", { transport }),
    ]);
  });
  afterAll(() => server.stop());

  it("subscribes with the localpart as default nick, lists at the service and the room, re-subscribes and unsubscribes (§5.2–§5.4)", async () => {
    const room = await createRoom();
    const reply = await subscribe(bob, room, { nodes: ["messages", "urn:xmpp:mucsub:nodes:bogus", "presence"] });
    expect(reply.attrs.type).toBe("result");
    expect(reply.attrs.from).toBe(room);
    const echo = reply.getChild("subscribe", "urn:xmpp:mucsub:0");
    expect(echo?.attrs.nick).toBe("65f0a1_bob");
    expect(echo?.getChildren("event").map((e) => e.attrs.node)).toEqual([NODE("messages"), NODE("presence")]);

    const mine = await listSubscriptions(bob, SERVICE);
    expect(mine.attrs.from).toBe(SERVICE);
    expect(subscriptionsOf(mine)).toContainEqual([room, "65f0a1_bob", [NODE("messages"), NODE("presence")]]);
    expect(subscriptionsOf(await listSubscriptions(bob, room))).toEqual([["65f0a1_bob@localhost", "65f0a1_bob", [NODE("messages"), NODE("presence")]]]);
    // Owners may list; anyone else who is neither subscriber nor moderator may not.
    expect(subscriptionsOf(await listSubscriptions(alice, room))).toHaveLength(1);
    expect(errorOf(await listSubscriptions(carol, room))).toEqual({ type: "auth", condition: "forbidden", text: "Moderator privileges required" });

    // Re-subscribing replaces the node set; an empty set is accepted.
    await subscribe(bob, room, { nodes: [] });
    expect(subscriptionsOf(await listSubscriptions(bob, room))).toEqual([["65f0a1_bob@localhost", "65f0a1_bob", []]]);

    expect((await unsubscribe(bob, room)).attrs.type).toBe("result");
    expect(subscriptionsOf(await listSubscriptions(bob, SERVICE)).map(([r]) => r)).not.toContain(room);
    // Not subscribed: still a result. A missing room: item-not-found.
    expect((await unsubscribe(bob, room)).attrs.type).toBe("result");
    expect(errorOf(await unsubscribe(bob, `65f0a1_nope@${SERVICE}`))).toEqual({ type: "cancel", condition: "item-not-found", text: "Conference room does not exist" });
  });

  it("refuses subscriptions with §5.2's conditions and texts", async () => {
    expect(errorOf(await subscribe(bob, `65f0a1_missing@${SERVICE}`))).toEqual({ type: "auth", condition: "forbidden", text: "Room creation is denied by service policy" });
    expect(await server.api("get_room_options", { name: "65f0a1_missing" })).toMatchObject({ body: {} });
    const closed = await createRoom({ allow_subscription: "false" });
    expect(errorOf(await subscribe(bob, closed))).toEqual({ type: "cancel", condition: "not-allowed", text: "Subscriptions are not allowed" });

    const room = await createRoom();
    const zed = await server.connect("77aa00_zed", { transport });
    expect(errorOf(await subscribe(zed, room))).toEqual({ type: "auth", condition: "forbidden", text: "wrong app name" });
    expect(errorOf(await subscribe(bob, room, { nick: "Bobby" }))).toEqual({ type: "auth", condition: "forbidden", text: "wrong nickname" });
    expect(errorOf(await subscribe(bob, room, { jid: "65f0a1_carol@localhost", nick: "65f0a1_carol" }))).toEqual({
      type: "auth",
      condition: "forbidden",
      text: "Moderator privileges required",
    });
    // An owner may subscribe someone else.
    expect((await subscribe(alice, room, { jid: "65f0a1_carol@localhost", nick: "65f0a1_carol" })).attrs.type).toBe("result");
    expect((await server.api("get_subscribers", { name: room })).body).toEqual(["65f0a1_carol@localhost"]);

    await server.api("set_room_affiliation", { name: room, jid: "65f0a1_bob@localhost", affiliation: "outcast" });
    expect(errorOf(await subscribe(bob, room))).toEqual({ type: "auth", condition: "forbidden", text: "You have been banned from this room" });

    const membersOnly = await createRoom({ members_only: "true", affiliations: "owner=65f0a1_alice@localhost;member=65f0a1_bob@localhost" });
    expect(errorOf(await subscribe(carol, membersOnly))).toEqual({ type: "auth", condition: "forbidden", text: "Membership is required to enter this room" });
    expect((await subscribe(bob, membersOnly)).attrs.type).toBe("result");

    const secret = await createRoom({ password_protected: "true", password: "pw" });
    expect(errorOf(await subscribe(bob, secret))).toEqual({ type: "auth", condition: "not-authorized", text: "Incorrect password" });
    expect((await subscribe(bob, secret, { password: "pw" })).attrs.type).toBe("result");
  });

  it("keeps nicks unique between occupants and subscribers (§5.2 row 7, §3.3 check 8)", async () => {
    const room = await createRoom();
    await joined(bob, `${room}/65f0a1_bob`);
    // The server admin is exempt from §4, so it can ask for another user's nick.
    expect(errorOf(await subscribe(admin, room, { nick: "65f0a1_bob" }))).toEqual({ type: "cancel", condition: "conflict", text: "That nickname is already in use by another occupant" });
    expect((await subscribe(admin, room, { nick: "65f0a1_carol" })).attrs.type).toBe("result");
    expect(errorOf(await join(carol, `${room}/65f0a1_carol`))).toEqual({ type: "cancel", condition: "conflict", text: "That nickname is already in use by another occupant" });
  });

  it("refuses anonymous sessions (§4 check 1)", async () => {
    const room = await createRoom();
    const { raw } = await rawSession(server, transport, "anonymous");
    raw.send(`<iq type="set" id="anon-sub" to="${room}"><subscribe xmlns="urn:xmpp:mucsub:0"><event node="urn:xmpp:mucsub:nodes:messages"/></subscribe></iq>`);
    const text = await raw.waitFor(/id="anon-sub"[\s\S]*?<\/iq>/);
    expect(text).toContain(`<error type="auth"><forbidden xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/><text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">anonymous not allowed</text></error>`);
    raw.close();
  });

  it("wraps each room message for every available session that is not joined, exactly as §5.5 shows (byte level)", async () => {
    const room = await createRoom();
    await joined(alice, `${room}/65f0a1_alice`);
    const { raw } = await rawSession(server, transport, { user: "65f0a1_bob", resource: "res9" });
    raw.send(`<presence/>`);
    raw.send(`<iq type="set" id="sub-raw" to="${room}"><subscribe xmlns="urn:xmpp:mucsub:0" nick="65f0a1_bob"><event node="urn:xmpp:mucsub:nodes:messages"/></subscribe></iq>`);
    await raw.waitFor(/id="sub-raw"[^>]*type="result"|type="result"[^>]*id="sub-raw"/);
    // bob's other session is joined: it gets the plain groupchat and never the wrapper.
    await joined(bob, `${room}/65f0a1_bob`);
    drain(bob);
    const data = `<data xmlns="wss://chat.example.com/ws" senderFirstName="Alice" senderLastName="Smith"/>`;
    const dataEl = xml("data", { xmlns: "wss://chat.example.com/ws", senderFirstName: "Alice", senderLastName: "Smith" });
    await alice.send(xml("message", { to: room, type: "groupchat", id: "send-text-message-0b9e" }, dataEl, xml("body", {}, "Hello")));
    const echo = await alice.receive((s) => s.attrs.id === "send-text-message-0b9e");
    const id = echo.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.id ?? "none";
    const text = await raw.waitFor(/<message[^>]*><event[\s\S]*?<\/event><\/message>/);
    const wrapper = /<message[^>]*><event[\s\S]*?<\/event><\/message>/.exec(text)?.[0];
    const head = transport === "ws" ? `<message xmlns="jabber:client" to="65f0a1_bob@localhost/res9"` : `<message to="65f0a1_bob@localhost/res9"`;
    expect(wrapper).toBe(
      `${head} from="${room}" id="${id}"><event xmlns="http://jabber.org/protocol/pubsub#event"><items node="urn:xmpp:mucsub:nodes:messages"><item id="${id}">` +
        `<message xmlns="jabber:client" from="${room}/65f0a1_alice" to="65f0a1_bob@localhost" type="groupchat" id="send-text-message-0b9e">` +
        `<archived xmlns="urn:xmpp:mam:tmp" by="${room}" id="${id}"/><stanza-id xmlns="urn:xmpp:sid:0" by="${room}" id="${id}"/>${data}<body>Hello</body></message>` +
        `</item></items></event></message>`,
    );
    await bob.receive((s) => s.attrs.id === "send-text-message-0b9e" && s.attrs.type === "groupchat");
    await bob.expectNone(isWrappedMessage("send-text-message-0b9e"));
    raw.close();
  });

  it("lets a subscriber send without joining: broadcast under the subscription nick, echo wrapped (§5.7, §8.5 send_message)", async () => {
    const room = await createRoom();
    await joined(alice, `${room}/65f0a1_alice`);
    expect((await subscribe(bob, room)).attrs.type).toBe("result");
    const id = nextId("nojoin");
    await bob.send(groupchat(room, "from outside", id));
    const got = await alice.receive((s) => s.attrs.id === id);
    expect(got.attrs.from).toBe(`${room}/65f0a1_bob`);
    const echo = await bob.receive(isWrappedMessage(id));
    expect(wrapped(echo)?.attrs.from).toBe(`${room}/65f0a1_bob`);
    expect(echo.attrs.id).toBe(got.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.id);

    // The admin API's send_message accepts the subscriber's bare JID, and refuses a non-member.
    expect(await server.api("send_message", { type: "groupchat", from: "65f0a1_bob@localhost", to: room, subject: "", body: "via api" })).toMatchObject({ status: 200 });
    const viaApi = await alice.receive((s) => s.is("message") && s.getChildText("body") === "via api");
    expect(viaApi.attrs.from).toBe(`${room}/65f0a1_bob`);
    expect(await server.api("send_message", { type: "groupchat", from: "65f0a1_carol@localhost", to: room, subject: "", body: "x" })).toMatchObject({
      status: 400,
      body: "Only occupants are allowed to send messages to the conference",
    });
  });

  it("stores the wrapper in the subscriber's own archive under the room's archive id, never for joined sessions (§5.6)", async () => {
    const room = await createRoom();
    await joined(alice, `${room}/65f0a1_alice`);
    await subscribe(bob, room);
    await subscribe(alice, room);
    const id = nextId("arch");
    await alice.send(groupchat(room, "keep me", id));
    const wrapper = await bob.receive(isWrappedMessage(id));
    const archiveId = Number(wrapper.attrs.id);
    const mam = server.server.modules.api(mamModule);
    const copy = await mam.get("65f0a1_bob@localhost", archiveId);
    expect(copy?.stanza).toContain(`<items node="urn:xmpp:mucsub:nodes:messages"><item id="${archiveId}">`);
    expect(await mam.get("65f0a1_alice@localhost", archiveId)).toBeUndefined();

    const queryId = nextId("q");
    const fin = await iqReply(bob, iqSet("65f0a1_bob@localhost", xml("query", { xmlns: "urn:xmpp:mam:2", queryid: queryId }, xml("set", { xmlns: "http://jabber.org/protocol/rsm" }, xml("max", {}, "1"), xml("before")))));
    expect(fin.attrs.type).toBe("result");
    const result = await bob.receive((s) => s.getChild("result", "urn:xmpp:mam:2")?.attrs.queryid === queryId);
    expect(result.getChild("result", "urn:xmpp:mam:2")?.attrs.id).toBe(String(archiveId));
    const stored = result.getChild("result", "urn:xmpp:mam:2")?.getChild("forwarded", "urn:xmpp:forward:0")?.getChild("message");
    expect(stored?.getChildElements().map((c) => `${c.name} ${c.attrs.by ?? ""} ${c.attrs.id ?? ""}`)).toEqual([
      `archived 65f0a1_bob@localhost ${archiveId}`,
      `stanza-id 65f0a1_bob@localhost ${archiveId}`,
      "event  ",
    ]);
    expect(wrapped(stored ?? wrapper)?.getChildText("body")).toBe("keep me");
  });

  it("queues storable events for an offline subscriber, raises the push hook, and delivers them on the next login (§5.5, §9.4)", async () => {
    const room = await createRoom();
    await joined(alice, `${room}/65f0a1_alice`);
    expect(await server.api("subscribe_room", { user: "65f0a1_dave@localhost", nick: "65f0a1_dave", room, nodes: "messages,subject" })).toMatchObject({ status: 200 });
    const textId = nextId("off");
    await alice.send(groupchat(room, "while you were out", textId));
    const echo = await alice.receive((s) => s.attrs.id === textId);
    const archiveId = Number(echo.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.id);
    const typingId = nextId("typing");
    await alice.send(xml("message", { to: room, type: "groupchat", id: typingId }, xml("composing", { xmlns: "http://jabber.org/protocol/chatstates" })));
    await alice.receive((s) => s.attrs.id === typingId);
    const subjectId = nextId("subj");
    await alice.send(xml("message", { to: room, type: "groupchat", id: subjectId }, xml("subject", {}, "New topic")));
    await alice.receive((s) => s.attrs.id === subjectId);
    await idle();

    // The text message and the subject are stored; the chat state is not.
    expect((await server.api("get_offline_count", { user: "65f0a1_dave", host: "localhost" })).body).toBe(2);
    const hooks = probe.log.offline.filter((h) => h.room.bareString === room);
    expect(hooks.map((h) => [h.subscriber.bareString, h.archiveId, h.archived])).toEqual([
      ["65f0a1_dave@localhost", archiveId, true],
      ["65f0a1_dave@localhost", hooks[1]?.archiveId, false],
    ]);
    expect(hooks[0]?.stanza.getChildText("body")).toBe("while you were out");
    expect(hooks[0]?.stanza.attrs["to"]).toBe("65f0a1_dave@localhost");
    expect(hooks[0]?.sender.bareString).toBe("65f0a1_alice@localhost");
    // The offline copy also lands in dave's archive.
    expect(await server.server.modules.api(mamModule).get("65f0a1_dave@localhost", archiveId)).toBeDefined();

    const dave = await server.connect("65f0a1_dave", { transport });
    const stored = await dave.receive(isWrappedMessage(textId));
    expect(stored.attrs.id).toBe(String(archiveId));
    expect(stored.getChild("delay", "urn:xmpp:delay")).toBeDefined();
    const subject = await dave.receive((s) => wrapperNode(s) === NODE("subject"));
    expect(wrapped(subject)?.getChildText("subject")).toBe("New topic");
    await dave.expectNone((s) => wrapped(s)?.attrs.id === typingId);
    // Online and not joined: no hook.
    const before = probe.log.offline.length;
    const liveId = nextId("live");
    await alice.send(groupchat(room, "now you are here", liveId));
    await dave.receive(isWrappedMessage(liveId));
    await idle();
    expect(probe.log.offline.slice(before).filter((h) => h.subscriber.bareString === "65f0a1_dave@localhost")).toEqual([]);
    expect(parseJid(dave.jid).bareString).toBe("65f0a1_dave@localhost");
    await dave.stop();
  });
});
