// Groupchat in rooms (PROTOCOL §3.6–§3.9): reflection to every session with the client's id and children,
// stamps prepended per message class (byte level), the processing rules and their exact errors, subject
// changes, private messages through the room, and history when a room keeps it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawSession } from "../harness/raw-session.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient, type Transport, type XmlElement } from "../harness/test-client.js";
import { mamModule } from "../../src/modules/mam/mam.module.js";
import { drain, errorOf, groupchat, joined, nextId, NS_MUC_USER } from "./muc-helpers.js";

const SERVICE = "conference.localhost";
const NS_SID = "urn:xmpp:sid:0";
const NS_TMP = "urn:xmpp:mam:tmp";
const HINTS = "urn:xmpp:hints";
let roomSeq = 0;

describe.each<Transport>(["tcp", "ws"])("MUC groupchat over %s", (transport) => {
  let server: TestServer;
  let admin: TestClient;
  let alice: TestClient;
  let bob: TestClient;

  async function roomWith(options: Record<string, unknown> = {}, ...members: [TestClient, string][]): Promise<string> {
    const name = `65f0a1_msg${++roomSeq}${Math.random().toString(36).slice(2, 6)}`;
    expect((await server.api("create_room_with_opts", { name, service: SERVICE, options })).status).toBe(200);
    const room = `${name}@${SERVICE}`;
    for (const [client, nick] of members) await joined(client, `${room}/${nick}`);
    return room;
  }

  const echoOf = (client: TestClient, id: string) => client.receive((s) => s.is("message") && s.attrs.id === id && s.attrs.type !== "error");
  const bounceOf = (client: TestClient, id: string) => client.receive((s) => s.is("message") && s.attrs.id === id && s.attrs.type === "error");

  beforeAll(async () => {
    server = await startTestServer({
      users: ["admin", "65f0a1_alice", "65f0a1_bob", "65f0a1_65f0a1", "65f0a1_eve"],
      config: { auth: { mechanisms: ["PLAIN"] }, muc: { message_rate: { per_second: 0.5, burst: 8 } } },
    });
    [admin, alice, bob] = await Promise.all([
      server.connect("admin", { transport }),
      server.connect("65f0a1_alice", { transport }),
      server.connect("65f0a1_bob", { transport }),
    ]);
  });
  afterAll(() => server.stop());

  it("reflects a message to every session, the sender's included, stamped as §3.6 shows (byte level)", async () => {
    const room = await roomWith({}, [admin, "admin"], [bob, "65f0a1_bob"]);
    const { raw, jid } = await rawSession(server, transport, { user: "65f0a1_alice", resource: "res1" });
    raw.send(`<presence to="${room}/65f0a1_alice"><x xmlns="http://jabber.org/protocol/muc"/></presence>`);
    await raw.waitFor(/<subject\/>/);
    const data = `<data xmlns="wss://chat.example.com/ws" senderFirstName="Alice" senderJID="${jid}" roomJid="${room}" isSystemMessage="false" push="true"/>`;
    raw.send(`<message to="${room}" type="groupchat" id="send-text-message-0b9e"><data xmlns="wss://chat.example.com/ws" senderFirstName="Alice" senderJID="${jid}" roomJid="${room}" isSystemMessage="false" push="true"/><body>Hello &amp; &lt;you&gt; é</body></message>`);
    const text = await raw.waitFor(/id="send-text-message-0b9e"[^>]*>.*?<\/message>/);
    const echo = /<message[^>]*id="send-text-message-0b9e"[^>]*>.*?<\/message>/.exec(text)?.[0] ?? "";
    const id = /<stanza-id xmlns="urn:xmpp:sid:0" by="[^"]+" id="(\d+)"\/>/.exec(echo)?.[1] ?? "none";
    expect(echo).toMatch(new RegExp(`^<message[^>]* from="${room}/65f0a1_alice"`.replace(/\./g, "\\.")));
    expect(echo.replace(/^<message[^>]*>/, "")).toBe(
      `<archived xmlns="${NS_TMP}" by="${room}" id="${id}"/><stanza-id xmlns="${NS_SID}" by="${room}" id="${id}"/>${data}<body>Hello &amp; &lt;you&gt; é</body></message>`,
    );
    for (const client of [admin, bob]) {
      const copy = await echoOf(client, "send-text-message-0b9e");
      expect(copy.attrs).toMatchObject({ from: `${room}/65f0a1_alice`, to: client.jid, type: "groupchat" });
      expect(copy.getChildElements().map((c) => c.name)).toEqual(["archived", "stanza-id", "data", "body"]);
      expect(copy.getChild("stanza-id", NS_SID)?.attrs.id).toBe(id);
    }
    raw.close();
  });

  it("stamps by message class: archived text, media and reactions; stanza-id only for the rest (§3.8)", async () => {
    const room = await roomWith({}, [alice, "65f0a1_alice"], [bob, "65f0a1_bob"]);
    const cases: [string, XmlElement, boolean][] = [
      ["text", groupchat(room, "hi", nextId()), true],
      ["media", groupchat(room, "media", nextId(), xml("store", { xmlns: HINTS }), xml("data", { isMediafile: "true", location: "https://x/y" })), true],
      ["reaction", groupchat(room, undefined, nextId(), xml("reactions", { xmlns: "urn:xmpp:reactions:0", id: "1" }, xml("reaction", {}, "+1")), xml("store", { xmlns: HINTS })), true],
      ["chat state", groupchat(room, undefined, nextId(), xml("composing", { xmlns: "http://jabber.org/protocol/chatstates" }), xml("data", { fullName: "A" })), false],
      ["control", groupchat(room, undefined, nextId(), xml("members-refresh", { xmlns: "ethora:chats:members-refresh" }), xml("no-store", { xmlns: HINTS })), false],
      ["body + no-permanent-store", groupchat(room, "secret", nextId(), xml("no-permanent-store", { xmlns: HINTS })), false],
      ["data only", groupchat(room, undefined, nextId(), xml("data", { x: "1" })), false],
    ];
    let last = 0;
    for (const [label, message, archived] of cases) {
      await alice.send(message);
      const copy = await echoOf(bob, message.attrs.id as string);
      const names = copy.getChildElements().map((c) => c.name);
      expect(names.slice(0, archived ? 2 : 1), label).toEqual(archived ? ["archived", "stanza-id"] : ["stanza-id"]);
      expect(names.filter((n) => n === "stanza-id").length, label).toBe(1);
      expect(names.slice(archived ? 2 : 1), label).toEqual(message.getChildElements().map((c) => c.name));
      const id = Number(copy.getChild("stanza-id", NS_SID)?.attrs.id);
      expect(id, label).toBeGreaterThan(last);
      last = id;
    }
  });

  it("archives the archived classes in the room archive, as broadcast minus the room's stamps (§6.2–§6.3)", async () => {
    const room = await roomWith({}, [alice, "65f0a1_alice"], [bob, "65f0a1_bob"]);
    const text = nextId("arch");
    await alice.send(groupchat(room, "keep me", text, xml("data", { xmlns: "wss://chat.example.com/ws", a: "1" })));
    await alice.send(groupchat(room, undefined, nextId("typing"), xml("composing", { xmlns: "http://jabber.org/protocol/chatstates" })));
    const copy = await echoOf(bob, text);
    const id = Number(copy.getChild("stanza-id", NS_SID)?.attrs.id);
    const mam = server.server.modules.api(mamModule);
    const page = await mam.query(room, {}, { max: 10 });
    expect(page.entries.map((e) => [e.id, e.peer, e.nick, e.originId])).toEqual([[id, "65f0a1_alice@localhost", "65f0a1_alice", text]]);
    expect(page.entries[0]?.stanza).toBe(
      `<message from="${room}/65f0a1_alice" type="groupchat" id="${text}"><body>keep me</body><data xmlns="wss://chat.example.com/ws" a="1"/></message>`,
    );
    await server.api("destroy_room", { name: room });
    expect((await mam.query(room, {}, { max: 10 })).count).toBe(0);
  });

  it("passes unknown children through untouched and replaces only the room's own stamps", async () => {
    const room = await roomWith({}, [alice, "65f0a1_alice"], [bob, "65f0a1_bob"]);
    const id = nextId();
    const children = [
      xml("stanza-id", { xmlns: NS_SID, by: room, id: "forged" }),
      xml("stanza-id", { xmlns: NS_SID, by: "someone@else", id: "kept" }),
      xml("origin-id", { xmlns: "urn:xmpp:sid:0", id: "o1" }),
      xml("translate", { lang: "de" }),
      xml("x", { xmlns: NS_MUC_USER }, xml("item", { jid: "a@b" })),
      xml("x", { xmlns: "urn:ethora:bot", k: "v" }),
      xml("encrypted", { xmlns: "eu.siacs.conversations.axolotl" }, xml("payload", {}, "AAA=")),
      xml("body", {}, "x"),
    ];
    await alice.send(groupchat(room, undefined, id, ...children));
    const copy = await echoOf(bob, id);
    expect(copy.getChildElements().slice(2).map(String)).toEqual(children.slice(1).map(String));
    expect(copy.getChildren("stanza-id", NS_SID).map((c) => c.attrs.id)).toEqual([copy.getChild("stanza-id")?.attrs.id, "kept"]);
  });

  it("relays a message without id without adding one, and stamps only stanza-id when mam is off", async () => {
    const room = await roomWith({ mam: "false" }, [alice, "65f0a1_alice"], [bob, "65f0a1_bob"]);
    drain(bob);
    await alice.send(xml("message", { to: room, type: "groupchat" }, xml("body", {}, "no id here")));
    const copy = await bob.receive((s) => s.is("message") && s.getChildText("body") === "no id here");
    expect(copy.attrs.id).toBeUndefined();
    expect(copy.getChildElements().map((c) => c.name)).toEqual(["stanza-id", "body"]);
  });

  it("refuses non-occupants with the occupants text, echoing id and children before <error>", async () => {
    const room = await roomWith({}, [bob, "65f0a1_bob"]);
    const id = nextId();
    await alice.send(groupchat(room, "let me in", id, xml("data", { a: "1" })));
    const bounce = await bounceOf(alice, id);
    expect(bounce.attrs.from).toBe(room);
    expect(bounce.getChildElements().map((c) => c.name)).toEqual(["body", "data", "error"]);
    expect(errorOf(bounce)).toEqual({ type: "modify", condition: "not-acceptable", text: "Only occupants are allowed to send messages to the conference" });
  });

  it("lets server admins and the App system account send without joining, under their localpart", async () => {
    const room = await roomWith({}, [bob, "65f0a1_bob"]);
    const system = await server.connect("65f0a1_65f0a1", { transport });
    for (const [client, nick] of [[admin, "admin"], [system, "65f0a1_65f0a1"]] as const) {
      const id = nextId();
      await client.send(groupchat(room, "announcement", id));
      expect((await echoOf(bob, id)).attrs.from).toBe(`${room}/${nick}`);
    }
    await system.stop();
  });

  it("refuses visitors with forbidden (§3.6 step 2)", async () => {
    const room = await roomWith({ moderated: "true", members_by_default: "false" }, [alice, "65f0a1_alice"]);
    const id = nextId();
    await alice.send(groupchat(room, "can I speak?", id));
    expect(errorOf(await bounceOf(alice, id))).toEqual({ type: "auth", condition: "forbidden", text: "Visitors are not allowed to send messages to all occupants" });
  });

  it("limits the rate per (room, sender) with 'Traffic rate limit is exceeded'", async () => {
    const eve = await server.connect("65f0a1_eve", { transport });
    const room = await roomWith({}, [eve, "65f0a1_eve"]);
    const ids = Array.from({ length: 11 }, () => nextId("burst"));
    for (const id of ids) await eve.send(groupchat(room, "spam", id));
    const replies = await Promise.all(ids.map((id) => eve.receive((s) => s.is("message") && s.attrs.id === id)));
    const refused = replies.filter((r) => r.attrs.type === "error");
    expect(replies.slice(0, 8).every((r) => r.attrs.type === "groupchat")).toBe(true);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(errorOf(refused[0] as XmlElement)).toEqual({ type: "wait", condition: "resource-constraint", text: "Traffic rate limit is exceeded" });
    await eve.stop();
  });

  it("changes the subject without stamps, and shows it to later joiners from the room", async () => {
    const room = await roomWith({}, [alice, "65f0a1_alice"], [bob, "65f0a1_bob"]);
    const id = nextId("subj");
    await alice.send(xml("message", { to: room, type: "groupchat", id }, xml("subject", {}, "Plans")));
    const copy = await echoOf(bob, id);
    expect(copy.attrs.from).toBe(`${room}/65f0a1_alice`);
    expect(copy.children.map(String)).toEqual(["<subject>Plans</subject>"]);
    const carol = await server.connect("65f0a1_eve", { transport });
    await joined(carol, `${room}/65f0a1_eve`);
    const subject = await carol.receive((s) => s.is("message") && s.attrs.from === room);
    expect(subject.children.map(String)).toEqual(["<subject>Plans</subject>"]);
    await carol.stop();
  });

  it("keeps the subject to moderators when allow_change_subj is false", async () => {
    const room = await roomWith({ allow_change_subj: "false" }, [alice, "65f0a1_alice"], [admin, "admin"]);
    const id = nextId("subj");
    await alice.send(xml("message", { to: room, type: "groupchat", id }, xml("subject", {}, "Mine")));
    expect(errorOf(await bounceOf(alice, id))).toEqual({ type: "auth", condition: "forbidden", text: "Only moderators are allowed to change the subject in this room" });
    const ok = nextId("subj");
    await admin.send(xml("message", { to: room, type: "groupchat", id: ok }, xml("subject", {}, "Theirs")));
    expect((await echoOf(alice, ok)).getChildText("subject")).toBe("Theirs");
  });

  it("delivers private messages through the room from room/nick, unstamped (§3.9)", async () => {
    const room = await roomWith({}, [alice, "65f0a1_alice"], [bob, "65f0a1_bob"]);
    const id = nextId("pm");
    await alice.send(xml("message", { to: `${room}/65f0a1_bob`, type: "chat", id }, xml("body", {}, "psst")));
    const pm = await bob.receive((s) => s.is("message") && s.attrs.id === id);
    expect(pm.attrs).toMatchObject({ from: `${room}/65f0a1_alice`, to: bob.jid, type: "chat" });
    expect(pm.children.map(String)).toEqual(["<body>psst</body>"]);
    const unknown = nextId("pm");
    await alice.send(xml("message", { to: `${room}/nobody`, type: "chat", id: unknown }, xml("body", {}, "?")));
    expect(errorOf(await bounceOf(alice, unknown))).toEqual({ type: "cancel", condition: "item-not-found", text: "Recipient is not in the conference room" });
    const gc = nextId("pm");
    await alice.send(xml("message", { to: `${room}/65f0a1_bob`, type: "groupchat", id: gc }, xml("body", {}, "?")));
    expect(errorOf(await bounceOf(alice, gc)).condition).toBe("bad-request");
    const stranger = nextId("pm");
    await admin.send(xml("message", { to: `${room}/65f0a1_bob`, type: "chat", id: stranger }, xml("body", {}, "?")));
    expect(errorOf(await bounceOf(admin, stranger)).condition).toBe("not-acceptable");
  });

  it("refuses private messages when allow_private_messages is none", async () => {
    const room = await roomWith({ allow_private_messages: "none" }, [alice, "65f0a1_alice"], [bob, "65f0a1_bob"]);
    const id = nextId("pm");
    await alice.send(xml("message", { to: `${room}/65f0a1_bob`, type: "chat", id }, xml("body", {}, "psst")));
    expect(errorOf(await bounceOf(alice, id))).toEqual({ type: "auth", condition: "forbidden", text: "It is not allowed to send private messages" });
  });

  it("sends no history by default, even when asked (§3.3)", async () => {
    const room = await roomWith({}, [alice, "65f0a1_alice"]);
    await alice.send(groupchat(room, "before", nextId()));
    const eve = await server.connect("65f0a1_eve", { transport });
    await joined(eve, `${room}/65f0a1_eve`, { history: { maxstanzas: "10" } });
    await eve.receive((s) => s.is("message") && s.attrs.from === room);
    expect(eve.received.filter((s) => s.getChildText("body") === "before").map(String)).toEqual([]);
    await eve.stop();
  });

  it("serves history with <delay> before the subject when the room keeps it (XEP-0045 §7.2.14)", async () => {
    const room = await roomWith({ history_size: "5" }, [alice, "65f0a1_alice"]);
    for (const body of ["one", "two", "three"]) {
      const id = nextId();
      await alice.send(groupchat(room, body, id));
      await echoOf(alice, id);
    }
    const eve = await server.connect("65f0a1_eve", { transport });
    await joined(eve, `${room}/65f0a1_eve`, { history: { maxstanzas: "2" } });
    await eve.receive((s) => s.is("message") && s.attrs.from === room);
    const fromRoom = eve.received.filter((s) => s.is("message") && s.attrs.from?.startsWith(room));
    expect(fromRoom.map((s) => s.getChildText("body") ?? "subject")).toEqual(["two", "three", "subject"]);
    const delay = fromRoom[0]?.getChild("delay", "urn:xmpp:delay");
    expect(delay?.attrs.from).toBe(room);
    expect(fromRoom[0]?.getChildElements().map((c) => c.name)).toEqual(["archived", "stanza-id", "body", "delay"]);
    await eve.stop();
  });
});
