// XEP-0198 stream management (PROTOCOL §2.11): acks in the ethora profile (no resumption), and
// resumption with hibernation in the standard profile: queueing, resume with resend, and the end of a
// hibernation that hands unacknowledged messages on (re-routed to another resource, or stored offline).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { C2sSession } from "../../src/c2s/c2s-session.js";
import { parseJid } from "../../src/xmpp/jid.js";
import { plainAuth, rawTcp, rawWebSocket, streamHeader, type RawClient } from "../harness/raw-client.js";
import { rawSession } from "../harness/raw-session.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient } from "../harness/test-client.js";
import { NS_SM, expectStreamError, until, wsOpen } from "./c2s-helpers.js";
import { ACK_REQUEST_GRACE_MS } from "../../src/c2s/stream-management.js";

type RawTransport = "tcp" | "ws";
const ITEM_NOT_FOUND = `<failed xmlns="${NS_SM}"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></failed>`;
const chat = (to: string, id: string) => xml("message", { to, type: "chat", id }, xml("body", {}, id));

/** A raw stream authenticated and restarted, not bound: ready for `<bind/>` or `<resume/>`. */
async function authenticated(server: TestServer, transport: RawTransport, user: string): Promise<RawClient> {
  const raw = transport === "tcp" ? await rawTcp(server.port("c2s")) : await rawWebSocket(`ws://127.0.0.1:${server.port("http")}/ws`);
  const open = transport === "tcp" ? streamHeader("localhost") : wsOpen("localhost");
  raw.send(open);
  await raw.waitFor("</stream:features>");
  raw.send(plainAuth(user, "secret"));
  await raw.waitFor("<success");
  raw.send(open);
  await raw.waitFor(/<\/stream:features>[\s\S]*<\/stream:features>/);
  return raw;
}

/** Stanzas (not nonzas) the client has received since `from` in its log. */
const stanzasSince = (raw: RawClient, from: number) => raw.text().slice(from).match(/<(message|presence|iq)[\s>/]/g)?.length ?? 0;

/** Makes sure everything the client sent before has been handled (one IQ round trip). */
async function sync(client: TestClient): Promise<void> {
  await client.iq(xml("iq", { type: "get", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })));
}

describe("stream management in the ethora profile (no resumption)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ users: ["alice", "bob"] });
  });
  afterAll(() => server.stop());

  it("answers <enable resume='true'/> with a bare <enabled/>: no id, resume or max", async () => {
    const { raw } = await rawSession(server, "tcp", { user: "bob", resource: "sm" });
    raw.send(`<enable xmlns="${NS_SM}" resume="true"/>`);
    await raw.waitFor("<enabled");
    expect(raw.text()).toContain(`<enabled xmlns="${NS_SM}"/>`);
    raw.close();
  });

  it("counts the replies to a late session IQ and a second bind as stanzas, like the client does (§2.11)", async () => {
    const { raw } = await rawSession(server, "tcp", { user: "bob", resource: "late" });
    raw.send(`<enable xmlns="${NS_SM}"/>`);
    await raw.waitFor("<enabled");
    raw.send(`<iq type="set" id="sess"><session xmlns="urn:ietf:params:xml:ns:xmpp-session"/></iq>`);
    raw.send(`<iq type="set" id="bind2"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><resource>x</resource></bind></iq>`);
    await raw.waitFor(`id="bind2"`);
    raw.send(`<a xmlns="${NS_SM}" h="2"/><iq type="get" id="alive" to="localhost"><ping xmlns="urn:xmpp:ping"/></iq>`);
    await raw.waitFor(`id="alive"`);
    expect(raw.text()).not.toContain("stream:error");
    raw.close();
  });

  it("answers <r/> with <a h/> counting inbound stanzas only, and asks for acks itself", async () => {
    const { raw } = await rawSession(server, "ws", { user: "bob", resource: "acks" });
    raw.send(`<iq type="get" id="before" to="localhost"><ping xmlns="urn:xmpp:ping"/></iq>`);
    raw.send(`<enable xmlns="${NS_SM}"/>`);
    raw.send(`<r xmlns="${NS_SM}"/>`);
    await raw.waitFor(`<a xmlns="${NS_SM}" h="0"/>`);
    raw.send(`<presence/>`);
    raw.send(`<iq type="get" id="p1" to="localhost"><ping xmlns="urn:xmpp:ping"/></iq>`);
    raw.send(`<message to="alice@localhost" type="chat" id="m1"><body>x</body></message>`);
    raw.send(`<r xmlns="${NS_SM}"/>`);
    await raw.waitFor(`<a xmlns="${NS_SM}" h="3"/>`);
    const alice = await server.connect("alice");
    // Our own requests start once the grace after <enabled/> is over (stream-management.ts explains why).
    await new Promise((resolve) => setTimeout(resolve, ACK_REQUEST_GRACE_MS));
    for (let i = 0; i < 6; i++) await alice.send(chat("bob@localhost/acks", `to-bob-${i}`));
    await raw.waitFor(`id="to-bob-5"`);
    expect(raw.frames).toContain(`<r xmlns="${NS_SM}"/>`);
    raw.close();
  });

  it("ends the stream with undefined-condition when the client acknowledges more than was sent", async () => {
    const { raw } = await rawSession(server, "tcp", { user: "bob", resource: "liar" });
    raw.send(`<enable xmlns="${NS_SM}"/>`);
    await raw.waitFor("<enabled");
    raw.send(`<a xmlns="${NS_SM}" h="1000"/>`);
    await expectStreamError(raw, "undefined-condition");
  });

  it("answers <resume/> with <failed><item-not-found/></failed>, and the client can bind instead", async () => {
    const raw = await authenticated(server, "tcp", "bob");
    raw.send(`<resume xmlns="${NS_SM}" previd="made-up" h="0"/>`);
    await raw.waitFor("</failed>");
    expect(raw.text()).toContain(ITEM_NOT_FOUND);
    raw.send(`<iq type="set" id="b"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><resource>after</resource></bind></iq>`);
    await raw.waitFor("<jid>bob@localhost/after</jid>");
    raw.close();
  });
});

describe.each<RawTransport>(["tcp", "ws"])("stream resumption in the standard profile over %s", (transport) => {
  let server: TestServer;
  let alice: TestClient;
  beforeAll(async () => {
    server = await startTestServer({ profile: "standard", users: ["alice", "bob"] });
    alice = await server.connect("alice");
  });
  afterAll(() => server.stop());

  it("grants resumption, hibernates on an unclean disconnect, queues, resumes and resends what was not acknowledged", async () => {
    const bob = await rawSession(server, transport, { user: "bob", resource: "phone" });
    bob.raw.send(`<enable xmlns="${NS_SM}" resume="true"/>`);
    const enabled = /<enabled xmlns="urn:xmpp:sm:3" id="([^"]+)" resume="true" max="300"\/>/.exec(await bob.raw.waitFor("<enabled"));
    expect(enabled).not.toBeNull();
    const previd = enabled?.[1] ?? "";
    const mark = bob.raw.text().length;
    bob.raw.send(`<presence/>`);
    await bob.raw.waitFor(/<presence[^>]*from="bob@localhost\/phone"/);
    const beforeMessages = stanzasSince(bob.raw, mark);
    await alice.send(chat("bob@localhost/phone", "m1"));
    await alice.send(chat("bob@localhost/phone", "m2"));
    await bob.raw.waitFor(`id="m2"`);

    bob.raw.close(); // unclean: no </stream:stream>
    const session = server.server.sessions.get(parseJid("bob@localhost/phone")) as C2sSession;
    await until(() => session.isHibernated, (h) => h);
    await alice.send(chat("bob@localhost/phone", "m3"));
    await alice.send(chat("bob@localhost", "m4"));
    await sync(alice);
    // Hibernated sessions count as online: nothing goes to offline storage, nothing bounces.
    expect((await server.api("get_offline_count", { user: "bob", host: "localhost" })).body).toBe(0);
    expect(alice.received.some((s) => s.attrs.type === "error")).toBe(false);

    const again = await authenticated(server, transport, "bob");
    const resumedAt = again.text().length;
    // Acknowledge everything up to and including m1.
    again.send(`<resume xmlns="${NS_SM}" previd="${previd}" h="${beforeMessages + 1}"/>`);
    await again.waitFor(`id="m4"`);
    const after = again.text().slice(resumedAt);
    expect(after).toMatch(new RegExp(`^<resumed xmlns="urn:xmpp:sm:3" previd="${previd}" h="1"/>`));
    expect([...after.matchAll(/<message[^>]* id="(m\d)"/g)].map((m) => m[1])).toEqual(["m2", "m3", "m4"]);
    expect(server.server.sessions.get(parseJid("bob@localhost/phone"))).toBe(session);
    expect(session.isHibernated).toBe(false);

    // The resumed session keeps receiving, and keeps counting.
    await alice.send(chat("bob@localhost/phone", "m5"));
    await again.waitFor(`id="m5"`);
    again.send(`<r xmlns="${NS_SM}"/>`);
    await again.waitFor(`<a xmlns="${NS_SM}" h="1"/>`);
    again.send(`<iq type="get" id="after-resume" to="localhost"><ping xmlns="urn:xmpp:ping"/></iq>`);
    await again.waitFor(/id="after-resume"/);
    again.close();
  });

  it("refuses a previd of another account and an unknown previd with item-not-found", async () => {
    const alicesRaw = await rawSession(server, transport, { user: "alice", resource: "sm" });
    alicesRaw.raw.send(`<enable xmlns="${NS_SM}" resume="true"/>`);
    const previd = /id="([^"]+)" resume="true"/.exec(await alicesRaw.raw.waitFor("<enabled"))?.[1] ?? "";
    const bob = await authenticated(server, transport, "bob");
    bob.send(`<resume xmlns="${NS_SM}" previd="${previd}" h="0"/>`);
    await bob.waitFor("</failed>");
    expect(bob.text()).toContain(ITEM_NOT_FOUND);
    bob.send(`<resume xmlns="${NS_SM}" previd="nope" h="0"/>`);
    await until(() => bob.text().split(ITEM_NOT_FOUND).length, (n) => n === 3);
    bob.close();
    alicesRaw.raw.close();
  });
});

describe("the end of a hibernation (sm.resume_timeout, PROTOCOL §2.11)", () => {
  let server: TestServer;
  let alice: TestClient;
  beforeAll(async () => {
    server = await startTestServer({ profile: "standard", users: ["alice", "bob", "carol"], config: { sm: { resume_timeout: 2 } } });
    alice = await server.connect("alice");
  });
  afterAll(() => server.stop());

  /** A raw session with resumption enabled and initial presence sent, that never acknowledges. */
  async function hibernatable(user: string, resource: string) {
    const s = await rawSession(server, "tcp", { user, resource });
    s.raw.send(`<enable xmlns="${NS_SM}" resume="true"/>`);
    const previd = /id="([^"]+)" resume="true"/.exec(await s.raw.waitFor("<enabled"))?.[1] ?? "";
    s.raw.send(`<presence/>`);
    await s.raw.waitFor(new RegExp(`<presence[^>]*from="${user}@localhost/${resource}"`));
    return { ...s, previd, session: server.server.sessions.get(parseJid(s.jid)) as C2sSession };
  }

  it("re-routes unacknowledged chat messages to another available resource when it times out", async () => {
    const other = await server.connect("bob", { resource: "desktop" });
    const phone = await hibernatable("bob", "phone");
    await alice.send(chat("bob@localhost/phone", "h1"));
    await phone.raw.waitFor(`id="h1"`);
    phone.raw.close();
    await until(() => phone.session.isHibernated, (h) => h);
    await alice.send(chat("bob@localhost/phone", "h2"));
    await sync(alice);
    // While hibernated the session holds its messages; the other resource has not had them.
    const hadThem = other.received.some((s) => s.attrs.id === "h1" || s.attrs.id === "h2");
    if (phone.session.isHibernated) expect(hadThem).toBe(false);
    await other.receive((s) => s.attrs.id === "h1");
    await other.receive((s) => s.attrs.id === "h2");
    expect(phone.session.state).toBe("closed");
    expect(server.server.sessions.get(parseJid("bob@localhost/phone"))).toBeUndefined();
    // The previd is gone with the session.
    const late = await authenticated(server, "tcp", "bob");
    late.send(`<resume xmlns="${NS_SM}" previd="${phone.previd}" h="0"/>`);
    await late.waitFor("</failed>");
    expect(late.text()).toContain(ITEM_NOT_FOUND);
    late.close();
  });

  it("stores them offline when no other resource is available", async () => {
    const phone = await hibernatable("carol", "phone");
    await alice.send(chat("carol@localhost/phone", "o1"));
    await phone.raw.waitFor(`id="o1"`);
    phone.raw.close();
    await until(() => phone.session.isHibernated, (h) => h);
    await alice.send(chat("carol@localhost", "o2"));
    await sync(alice);
    const storedEarly = (await server.api("get_offline_count", { user: "carol", host: "localhost" })).body;
    if (phone.session.isHibernated) expect(storedEarly).toBe(0);
    await until(async () => (await server.api("get_offline_count", { user: "carol", host: "localhost" })).body, (n) => n === 2);
    const back = await server.connect("carol");
    await back.receive((s) => s.attrs.id === "o2");
    expect(back.received.filter((s) => s.is("message")).map((s) => s.attrs.id)).toEqual(["o1", "o2"]);
  });
});
