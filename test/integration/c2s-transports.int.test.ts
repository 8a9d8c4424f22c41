// Client listeners and framing (PROTOCOL §1.3, §1.4), stream features (§2.1, §2.2) and the wire
// serialisation of §0.4, checked byte for byte with raw clients and end to end with @xmpp/client.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plainAuth, rawTcp, rawWebSocket, streamHeader } from "../harness/raw-client.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type Transport } from "../harness/test-client.js";
import { NS_FRAMING, NS_STREAM, expectOneElementPerFrame, rawStartTls, streamErrorXml, wsClose, wsOpen } from "./c2s-helpers.js";

const FEATURES_OPEN = `<stream:features xmlns:stream="${NS_STREAM}">`;
const STARTTLS = `<starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"/>`;
const mechanisms = (...names: string[]) =>
  `<mechanisms xmlns="urn:ietf:params:xml:ns:xmpp-sasl">${names.map((n) => `<mechanism>${n}</mechanism>`).join("")}</mechanisms>`;
const DEFAULT_MECHANISMS = mechanisms("SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN");
const POST_AUTH_FEATURES = `${FEATURES_OPEN}<bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/><session xmlns="urn:ietf:params:xml:ns:xmpp-session"><optional/></session><sm xmlns="urn:xmpp:sm:3"/></stream:features>`;
const TCP_HEADER = /^<\?xml version="1\.0"\?><stream:stream xmlns="jabber:client" xmlns:stream="http:\/\/etherx\.jabber\.org\/streams" from="localhost" id="[0-9a-f]{16}" version="1\.0" xml:lang="en">/;
const WS_OPEN_REPLY = /^<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" from="localhost" id="[0-9a-f]{16}" version="1\.0" xml:lang="en"\/>$/;
const BIND = (id: string, resource: string) => `<iq type="set" id="${id}"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><resource>${resource}</resource></bind></iq>`;

describe("c2s listeners and framing (PROTOCOL §1.3, §1.4, §2.1)", () => {
  let server: TestServer;
  let wsUrl: string;
  beforeAll(async () => {
    server = await startTestServer({ users: ["alice", "bob"] });
    wsUrl = `ws://127.0.0.1:${server.port("http")}/ws`;
  });
  afterAll(() => server.stop());

  it("TCP: the header and features are exactly as §0.4 and §2.1 show, STARTTLS first", async () => {
    const raw = await rawTcp(server.port("c2s"));
    raw.send(streamHeader("localhost"));
    const text = await raw.waitFor("</stream:features>");
    expect(text).toMatch(TCP_HEADER);
    expect(text.replace(TCP_HEADER, "")).toBe(`${FEATURES_OPEN}${STARTTLS}${DEFAULT_MECHANISMS}</stream:features>`);
    raw.close();
  });

  it("STARTTLS upgrades the stream; then only SASL is offered, and login and bind work", async () => {
    const raw = await rawStartTls(server.port("c2s"), streamHeader("localhost"));
    raw.send(streamHeader("localhost"));
    const text = await raw.waitFor("</stream:features>");
    expect(text.replace(TCP_HEADER, "")).toBe(`${FEATURES_OPEN}${DEFAULT_MECHANISMS}</stream:features>`);
    raw.send(plainAuth("alice", "secret"));
    await raw.waitFor(`<success xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>`);
    raw.send(streamHeader("localhost"));
    await raw.waitFor(POST_AUTH_FEATURES);
    raw.send(BIND("b1", "tls-raw"));
    // §2.7: `<jid>` is the only child of `<bind>` and has no attributes.
    await raw.waitFor(`<iq type="result" id="b1"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><jid>alice@localhost/tls-raw</jid></bind></iq>`);
    raw.close();
  });

  it("direct TLS (XEP-0368) offers SASL at once, without STARTTLS", async () => {
    const raw = await rawTcp(server.port("c2s_tls"), { tls: true });
    raw.send(streamHeader("localhost"));
    const text = await raw.waitFor("</stream:features>");
    expect(text.replace(TCP_HEADER, "")).toBe(`${FEATURES_OPEN}${DEFAULT_MECHANISMS}</stream:features>`);
    raw.close();
  });

  it("refuses <starttls/> where TLS is already up with a TLS <failure/> and the end of the stream (RFC 6120 §5.4.2.2)", async () => {
    const raw = await rawTcp(server.port("c2s_tls"), { tls: true });
    raw.send(streamHeader("localhost"));
    await raw.waitFor("</stream:features>");
    raw.send(`<starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"/>`);
    await raw.closed;
    expect(raw.text()).toMatch(/<\/stream:features><failure xmlns="urn:ietf:params:xml:ns:xmpp-tls"\/><\/stream:stream>$/);
  });

  it.each<Transport>(["tcp", "tls", "ws", "wss"])("@xmpp/client logs in and chats over %s", async (transport) => {
    const bob = await server.connect("bob", { resource: `bob-${transport}` });
    const alice = await server.connect("alice", { transport, resource: `alice-${transport}` });
    await alice.send(xml("message", { to: bob.jid, type: "chat", id: `m-${transport}` }, xml("body", {}, `via ${transport}`)));
    const got = await bob.receive((s) => s.attrs.id === `m-${transport}`);
    expect(got.getChildText("body")).toBe(`via ${transport}`);
    expect(got.attrs.from).toBe(alice.jid);
    await bob.send(xml("message", { to: alice.jid, type: "chat", id: `r-${transport}` }, xml("body", {}, "back")));
    expect((await alice.receive((s) => s.attrs.id === `r-${transport}`)).getChildText("body")).toBe("back");
  });

  it.each([
    [["xmpp"], "xmpp"],
    [["xmpp-framing"], "xmpp-framing"],
    [["foo", "xmpp-framing", "xmpp"], "xmpp"],
    [[], ""],
  ])("WebSocket offered %j selects %j (PROTOCOL §1.4)", async (offered, selected) => {
    const raw = await rawWebSocket(wsUrl, offered);
    expect(raw.ws.protocol).toBe(selected);
    raw.close();
  });

  it("WebSocket: <open/> is answered with exactly two frames, <open/> then the features", async () => {
    const raw = await rawWebSocket(wsUrl);
    raw.send(wsOpen("localhost"));
    await raw.waitFor("</stream:features>");
    expect(raw.frames).toHaveLength(2);
    expect(raw.frames[0]).toMatch(WS_OPEN_REPLY);
    expect(raw.frames[1]).toBe(`${FEATURES_OPEN}${DEFAULT_MECHANISMS}</stream:features>`);
    raw.close();
  });

  it("WebSocket: a single-quoted <open/> works too, and a full login keeps one element per frame", async () => {
    const raw = await rawWebSocket(wsUrl);
    raw.send(`<open xmlns='${NS_FRAMING}' to='localhost' version='1.0'/>`);
    await raw.waitFor("</stream:features>");
    raw.send(plainAuth("alice", "secret"));
    await raw.waitFor("<success");
    expect(raw.frames[2]).toBe(`<success xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>`);
    raw.send(wsOpen("localhost"));
    await raw.waitFor(/<\/stream:features>[\s\S]*<\/stream:features>/);
    expect(raw.frames[3]).toMatch(WS_OPEN_REPLY);
    expect(raw.frames[4]).toBe(POST_AUTH_FEATURES);
    raw.send(BIND("b1", "ws-raw"));
    await raw.waitFor("</iq>");
    // On WebSocket every stanza declares jabber:client (RFC 7395 §3.3.3); `<jid>` stays bare (§2.7).
    expect(raw.frames[5]).toBe(`<iq xmlns="jabber:client" type="result" id="b1"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><jid>alice@localhost/ws-raw</jid></bind></iq>`);
    raw.send(`<iq type="set" id="s1"><session xmlns="urn:ietf:params:xml:ns:xmpp-session"/></iq>`);
    await raw.waitFor(`id="s1"`);
    expect(raw.frames[6]).toBe(`<iq xmlns="jabber:client" type="result" id="s1"/>`);
    expectOneElementPerFrame(raw.frames);
    raw.close();
  });

  it("WebSocket: <close/> is answered with <close/>, then the socket closes", async () => {
    const raw = await rawWebSocket(wsUrl);
    raw.send(wsOpen("localhost"));
    await raw.waitFor("</stream:features>");
    raw.send(wsClose);
    await raw.closed;
    expect(raw.frames.slice(2)).toEqual([wsClose]);
  });

  it("WebSocket: a stream error is one <stream:error> frame, then a <close/> frame, then the socket closes", async () => {
    const raw = await rawWebSocket(wsUrl);
    raw.send(wsOpen("nowhere.example"));
    await raw.closed;
    expect(raw.frames).toHaveLength(3);
    expect(raw.frames[0]).toMatch(/^<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" from="localhost" id="[0-9a-f]{16}" version="1\.0" xml:lang="en"\/>$/);
    expect(raw.frames.slice(1)).toEqual([streamErrorXml("host-unknown"), wsClose]);
  });

  it("WebSocket: a legacy <stream:stream> header is tolerated and answered in the same style", async () => {
    const raw = await rawWebSocket(wsUrl);
    const legacy = `<stream:stream to="localhost" xmlns="jabber:client" xmlns:stream="${NS_STREAM}" version="1.0">`;
    const header = /^<stream:stream xmlns="jabber:client" xmlns:stream="http:\/\/etherx\.jabber\.org\/streams" from="localhost" id="[0-9a-f]{16}" version="1\.0" xml:lang="en">$/;
    raw.send(legacy);
    await raw.waitFor("</stream:features>");
    expect(raw.frames[0]).toMatch(header);
    expect(raw.frames[1]).toBe(`${FEATURES_OPEN}${DEFAULT_MECHANISMS}</stream:features>`);
    raw.send(plainAuth("bob", "secret"));
    await raw.waitFor("<success");
    raw.send(legacy);
    await raw.waitFor(/<\/stream:features>[\s\S]*<\/stream:features>/);
    expect(raw.frames[3]).toMatch(header);
    expect(raw.frames[4]).toBe(POST_AUTH_FEATURES);
    raw.send(BIND("b1", "legacy"));
    await raw.waitFor("</iq>");
    // The legacy header declared jabber:client for the stream, so stanzas need no xmlns of their own.
    expect(raw.frames[5]).toBe(`<iq type="result" id="b1"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><jid>bob@localhost/legacy</jid></bind></iq>`);
    raw.send("</stream:stream>");
    await raw.closed;
    expect(raw.frames.at(-1)).toBe("</stream:stream>");
  });

  it("wss: the same WebSocket endpoint is served on the https port", async () => {
    const raw = await rawWebSocket(`wss://127.0.0.1:${server.port("https")}/ws`);
    expect(raw.ws.protocol).toBe("xmpp");
    raw.send(wsOpen("localhost"));
    await raw.waitFor("</stream:features>");
    expect(raw.frames[0]).toMatch(WS_OPEN_REPLY);
    raw.close();
  });

  it("relays non-ASCII text literally, with only the five entities and double-quoted attributes (§0.4)", async () => {
    const bob = await rawWebSocket(wsUrl);
    bob.send(wsOpen("localhost"));
    await bob.waitFor("</stream:features>");
    bob.send(plainAuth("bob", "secret"));
    await bob.waitFor("<success");
    bob.send(wsOpen("localhost"));
    await bob.waitFor(/<\/stream:features>[\s\S]*<\/stream:features>/);
    bob.send(BIND("b1", "utf8"));
    await bob.waitFor("</iq>");
    const alice = await rawTcp(server.port("c2s"));
    alice.send(streamHeader("localhost"));
    await alice.waitFor("</stream:features>");
    alice.send(plainAuth("alice", "secret"));
    await alice.waitFor("<success");
    alice.send(streamHeader("localhost"));
    await alice.waitFor(/<\/stream:features>[\s\S]*<\/stream:features>/);
    alice.send(BIND("b1", "utf8"));
    await alice.waitFor("</iq>");
    alice.send(
      `<message to='bob@localhost/utf8' type='chat' id='u1'>\n  <body>é 日本 😀 &#233; &lt;&amp;&gt; "q" 'a'</body>\n  <data xmlns='wss://chat.example.com/ws' a='it&apos;s "x"'/></message>`,
    );
    await bob.waitFor(`id="u1"`);
    // Other features may stamp the message (archive ids); the client's own content must be untouched.
    const relayed = (bob.frames.at(-1) ?? "").replace(/<(archived|stanza-id) xmlns="[^"]+"[^>]*\/>/g, "");
    expect(relayed).toBe(
      `<message xmlns="jabber:client" to="bob@localhost/utf8" type="chat" id="u1" from="alice@localhost/utf8"><body>é 日本 😀 é &lt;&amp;&gt; "q" 'a'</body><data xmlns="wss://chat.example.com/ws" a="it's &quot;x&quot;"/></message>`,
    );
    alice.close();
    bob.close();
  });
});

describe("c2s.starttls_required (PROTOCOL §1.3)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ users: ["alice"], config: { c2s: { starttls_required: true } } });
  });
  afterAll(() => server.stop());

  it("offers only STARTTLS, marked required, on plain TCP", async () => {
    const raw = await rawTcp(server.port("c2s"));
    raw.send(streamHeader("localhost"));
    const text = await raw.waitFor("</stream:features>");
    expect(text.replace(TCP_HEADER, "")).toBe(`${FEATURES_OPEN}<starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"><required/></starttls></stream:features>`);
    raw.close();
  });

  it("refuses authentication before TLS with <encryption-required/>", async () => {
    const raw = await rawTcp(server.port("c2s"));
    raw.send(streamHeader("localhost"));
    await raw.waitFor("</stream:features>");
    raw.send(plainAuth("alice", "secret"));
    await raw.waitFor("</failure>");
    expect(raw.text()).toContain(`<failure xmlns="urn:ietf:params:xml:ns:xmpp-sasl"><encryption-required/></failure>`);
    expect(raw.text()).not.toContain("<success");
    raw.close();
  });

  it("offers SASL after STARTTLS, on direct TLS and on WebSocket, and @xmpp/client logs in", async () => {
    const upgraded = await rawStartTls(server.port("c2s"), streamHeader("localhost"));
    upgraded.send(streamHeader("localhost"));
    expect(await upgraded.waitFor("</stream:features>")).toContain(DEFAULT_MECHANISMS);
    upgraded.close();
    const direct = await rawTcp(server.port("c2s_tls"), { tls: true });
    direct.send(streamHeader("localhost"));
    expect(await direct.waitFor("</stream:features>")).toContain(DEFAULT_MECHANISMS);
    direct.close();
    const ws = await rawWebSocket(`ws://127.0.0.1:${server.port("http")}/ws`);
    ws.send(wsOpen("localhost"));
    expect(await ws.waitFor("</stream:features>")).toContain(DEFAULT_MECHANISMS);
    ws.close();
    const client = await server.connect("alice");
    expect(client.jid).toMatch(/^alice@localhost\//);
  });
});

describe("mechanism offer (PROTOCOL §2.2)", () => {
  const offerOn = async (server: TestServer, port: "c2s" | "c2s_tls" | "http") => {
    const raw = port === "http" ? await rawWebSocket(`ws://127.0.0.1:${server.port("http")}/ws`) : await rawTcp(server.port(port), { tls: port === "c2s_tls" });
    raw.send(port === "http" ? wsOpen("localhost") : streamHeader("localhost"));
    const text = await raw.waitFor("</stream:features>");
    raw.close();
    return /<mechanisms[^>]*>.*<\/mechanisms>/.exec(text)?.[0];
  };

  it("is PLAIN only when auth.jwt.key is set, with ANONYMOUS last when enabled", async () => {
    const server = await startTestServer({ config: { auth: { jwt: { key: "0123456789abcdef0123456789abcdef" }, anonymous: true } } });
    try {
      expect(await offerOn(server, "c2s")).toBe(mechanisms("PLAIN", "ANONYMOUS"));
      expect(await offerOn(server, "http")).toBe(mechanisms("PLAIN", "ANONYMOUS"));
    } finally {
      await server.stop();
    }
  });

  it("appends ANONYMOUS to the default offer when auth.anonymous is true", async () => {
    const server = await startTestServer({ config: { auth: { anonymous: true } } });
    try {
      expect(await offerOn(server, "c2s_tls")).toBe(mechanisms("SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN", "ANONYMOUS"));
    } finally {
      await server.stop();
    }
  });

  it("can be set per listener, and a mechanism not offered there is refused", async () => {
    const server = await startTestServer({
      users: ["alice"],
      config: { listeners: { c2s: { host: "127.0.0.1", port: 0, mechanisms: ["PLAIN"] }, c2s_tls: { host: "127.0.0.1", port: 0 }, http: { host: "127.0.0.1", port: 0 }, https: { host: "127.0.0.1", port: 0 } } },
    });
    try {
      expect(await offerOn(server, "c2s")).toBe(mechanisms("PLAIN"));
      expect(await offerOn(server, "http")).toBe(DEFAULT_MECHANISMS);
      const raw = await rawTcp(server.port("c2s"));
      raw.send(streamHeader("localhost"));
      await raw.waitFor("</stream:features>");
      raw.send(`<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="SCRAM-SHA-1">biwsbj1hbGljZSxyPWFiY2RlZmdoaWprbG1ub3A=</auth>`);
      await raw.waitFor("</failure>");
      expect(raw.text()).toContain(`<failure xmlns="urn:ietf:params:xml:ns:xmpp-sasl"><invalid-mechanism/></failure>`);
      raw.close();
    } finally {
      await server.stop();
    }
  });
});
