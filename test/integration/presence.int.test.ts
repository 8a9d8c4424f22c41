// Presence exchange (RFC 6121 §4) over real sockets: broadcast, probes, directed presence, unavailable on disconnect.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { presenceModule } from "../../src/modules/presence/presence.module.js";
import { parseJid } from "../../src/xmpp/jid.js";
import type { TestClient } from "../harness/test-client.js";
import { xml } from "../harness/test-client.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { presenceOf, presences, reset, rosterGet, sendPresence, settle, subscribe } from "./roster.helpers.js";

const USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank", "ivan", "judy", "kate", "liam"];

/** Closes the socket without `</stream:stream>`: an unclean disconnect (PROTOCOL §2.10). */
async function dropConnection(client: TestClient): Promise<void> {
  await (client.xmpp as unknown as { _closeSocket(): Promise<void> })._closeSocket();
}

describe.each([
  { profile: "standard", transport: "tcp" },
  { profile: "ethora", transport: "ws" },
] as const)("presence ($profile profile, $transport)", ({ profile, transport }) => {
  let server: TestServer;
  let d: string;
  const jid = (user: string) => `${user}@${d}`;
  const connect = (user: string, options: { resource?: string; presence?: boolean } = {}) => server.connect(user, { transport, ...options });

  beforeAll(async () => {
    server = await startTestServer({ profile, users: USERS });
    d = server.domain;
    await subscribe(server, "bob", "alice"); // bob sees alice (alice: from, bob: to)
    await subscribe(server, "alice", "bob"); // and the other way: both
    await subscribe(server, "dave", "carol"); // dave sees carol only
  });
  afterAll(() => server.stop());

  it("works for a client that only sends <presence/> and never asks for a roster (Ethora clients)", async () => {
    const e1 = await connect("erin", { resource: "one" });
    const e2 = await connect("erin", { resource: "two" });
    // Each resource sees the other, the new one also its own presence (§4.2.2).
    await e1.receive((s) => s.is("presence") && s.attrs["from"] === e2.jid);
    await e2.receive((s) => s.is("presence") && s.attrs["from"] === e1.jid);
    await e2.receive((s) => s.is("presence") && s.attrs["from"] === e2.jid);
    const f = await connect("frank");
    await f.send(xml("message", { to: jid("erin"), type: "chat", id: "hello" }, xml("body", {}, "hi")));
    await e1.receive((s) => s.is("message") && s.attrs["id"] === "hello");
    await e2.receive((s) => s.is("message") && s.attrs["id"] === "hello");
    await settle(d, f, e1);
    // No subscription: nobody else learned about erin's presence, and no probe answers came.
    expect(presences(f, jid("erin"))).toEqual([]);
    expect(e1.received.filter((s) => s.is("presence") && !(s.attrs["from"] ?? "").startsWith(jid("erin")))).toEqual([]);
    await e2.stop();
    const gone = await e1.receive(presenceOf(jid("erin"), "unavailable"));
    expect(gone.attrs["from"]).toBe(e2.jid);
    await Promise.all([e1.stop(), f.stop()]);
  });

  it("broadcasts initial presence and updates to subscribers, and answers the new session's probes (§4.2, §4.3, §4.4)", async () => {
    const b = await connect("bob", { presence: false });
    await sendPresence(b, {}, xml("show", {}, "away"), xml("status", {}, "at lunch"));
    const c = await connect("carol");
    const a = await connect("alice");
    // Bob (subscribed to alice) gets alice's initial presence; alice gets bob's current one through a probe.
    const toBob = await b.receive(presenceOf(jid("alice")));
    expect(toBob.attrs["from"]).toBe(a.jid);
    const probeAnswer = await a.receive(presenceOf(jid("bob")));
    expect(probeAnswer.attrs).toMatchObject({ from: b.jid, to: a.jid });
    expect(probeAnswer.getChildText("show")).toBe("away");
    expect(probeAnswer.getChildText("status")).toBe("at lunch");

    await sendPresence(a, {}, xml("show", {}, "dnd"));
    const update = await b.receive((s) => presenceOf(jid("alice"))(s) && s.getChildText("show") === "dnd");
    expect(update.attrs["from"]).toBe(a.jid);
    await settle(d, a, b, c);
    // Carol has no subscription with alice or bob: nothing leaked to her.
    expect([...presences(c, jid("alice")), ...presences(c, jid("bob"))]).toEqual([]);
    await Promise.all([a.stop(), b.stop(), c.stop()]);
  });

  it("answers a probe for an offline contact with its last unavailable presence (§4.3.2)", async () => {
    const c = await connect("carol", { resource: "probe" });
    await sendPresence(c, { type: "unavailable" }, xml("status", {}, "gone fishing"));
    await settle(d, c);
    const last = await server.server.modules.api(presenceModule).lastUnavailable(parseJid(jid("carol")));
    expect(last?.status).toBe("gone fishing");
    await c.stop();

    const dv = await connect("dave");
    const answer = await dv.receive(presenceOf(jid("carol"), "unavailable"));
    expect(answer.attrs["from"]).toBe(jid("carol"));
    expect(answer.getChildText("status")).toBe("gone fishing");
    expect(answer.getChild("delay", "urn:xmpp:delay")?.attrs["stamp"]).toBe(new Date(last?.at ?? 0).toISOString());
    await dv.stop();
  });

  it("sends unavailable presence to subscribers when a session disconnects (§4.5.2, PROTOCOL §2.10)", async () => {
    const b = await connect("bob", { resource: "watch" });
    const a1 = await connect("alice", { resource: "one" });
    const a2 = await connect("alice", { resource: "two" });
    await b.receive((s) => s.is("presence") && s.attrs["from"] === a2.jid);
    await a2.stop();
    // (Bob's own probe may have been answered with alice's last unavailable presence, from her bare JID.)
    await b.receive((s) => s.is("presence") && s.attrs["type"] === "unavailable" && s.attrs["from"] === a2.jid);
    await a1.receive((s) => s.is("presence") && s.attrs["type"] === "unavailable" && s.attrs["from"] === a2.jid);
    if (profile === "ethora") {
      // Without stream resumption, a dropped connection ends the session at once.
      await dropConnection(a1);
      await b.receive((s) => s.is("presence") && s.attrs["type"] === "unavailable" && s.attrs["from"] === a1.jid);
    } else {
      await a1.stop();
      await b.receive((s) => s.is("presence") && s.attrs["type"] === "unavailable" && s.attrs["from"] === a1.jid);
    }
    await b.stop();
  });

  it("delivers directed presence and owes its recipient an unavailable presence (§4.6)", async () => {
    const g = await connect("gina");
    const h = await connect("hank");
    const i = await connect("ivan");
    await sendPresence(g, { to: jid("hank") }, xml("status", {}, "psst"));
    await sendPresence(g, { to: i.jid });
    expect((await h.receive(presenceOf(jid("gina")))).getChildText("status")).toBe("psst");
    await i.receive(presenceOf(jid("gina")));
    // A directed unavailable settles the debt to ivan early.
    await sendPresence(g, { to: i.jid, type: "unavailable" });
    await i.receive(presenceOf(jid("gina"), "unavailable"));
    await g.stop();
    expect((await h.receive(presenceOf(jid("gina"), "unavailable"))).attrs["from"]).toBe(g.jid);
    await settle(d, h, i);
    expect(presences(i, jid("gina"), "unavailable").length).toBe(1);
    await Promise.all([h.stop(), i.stop()]);
  });

  it("sends directed-presence recipients an unavailable presence on a broadcast unavailable too", async () => {
    const j = await connect("judy");
    const k = await connect("kate");
    await sendPresence(j, { to: jid("kate") });
    await k.receive(presenceOf(jid("judy")));
    await sendPresence(j, { type: "unavailable" });
    expect((await k.receive(presenceOf(jid("judy"), "unavailable"))).attrs["from"]).toBe(j.jid);
    reset(k);
    await j.stop();
    await settle(d, k);
    expect(presences(k, jid("judy"), "unavailable")).toEqual([]);
    await k.stop();
  });

  it("reveals nothing to a prober without a subscription, and refuses unknown presence types", async () => {
    const a = await connect("alice", { resource: "probed" });
    const l = await connect("liam");
    await sendPresence(l, { to: jid("alice"), type: "probe" });
    await sendPresence(l, { to: jid("alice"), type: "bogus", id: "bogus1" });
    const error = await l.receive((s) => s.is("presence") && s.attrs["id"] === "bogus1" && s.attrs["type"] === "error");
    expect(error.getChild("error")?.getChild("bad-request", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBeDefined();
    await settle(d, l, a);
    expect(presences(l, jid("alice"))).toEqual([]);
    expect(presences(a, jid("liam"), "probe")).toEqual([]);
    expect(await rosterGet(l)).toEqual([]);
    await Promise.all([a.stop(), l.stop()]);
  });

  it("keeps chat messages to the bare JID away from negative-priority sessions (RFC 6121 §8.5.2.1.1, PROTOCOL §9.3)", async () => {
    const low = await connect("kate", { resource: "low", presence: false });
    await sendPresence(low, {}, xml("priority", {}, "-1"));
    const high = await connect("kate", { resource: "high" });
    const sender = await connect("liam", { resource: "sender" });
    await sender.send(xml("message", { to: jid("kate"), type: "chat", id: "prio" }, xml("body", {}, "hello")));
    await high.receive((s) => s.is("message") && s.attrs["id"] === "prio");
    await settle(d, sender, low);
    expect(low.received.filter((s) => s.is("message") && s.attrs["id"] === "prio")).toEqual([]);
    // A message to the negative session's full JID still reaches it.
    await sender.send(xml("message", { to: low.jid, type: "chat", id: "direct" }, xml("body", {}, "you")));
    await low.receive((s) => s.is("message") && s.attrs["id"] === "direct");
    await Promise.all([low.stop(), high.stop(), sender.stop()]);
  });
});

describe("user deletion (standard profile)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ profile: "standard", users: ["mia", "noah"] });
  });
  afterAll(() => server.stop());

  it("drops the account's roster and ends its subscriptions in the contacts' rosters", async () => {
    const d = server.domain;
    await subscribe(server, "mia", "noah");
    await subscribe(server, "noah", "mia");
    const n = await server.connect("noah");
    await rosterGet(n);
    const reply = await server.api("unregister", { user: "mia", host: d });
    expect(reply.status).toBe(200);
    await n.receive((s) => s.is("iq") && s.getChild("query", "jabber:iq:roster")?.getChild("item")?.attrs["subscription"] === "none");
    expect((await rosterGet(n)).map((i) => [i.jid, i.subscription, i.ask])).toEqual([[`mia@${d}`, "none", undefined]]);
    await server.register("mia");
    const m = await server.connect("mia");
    expect(await rosterGet(m)).toEqual([]);
    await Promise.all([n.stop(), m.stop()]);
  });
});
