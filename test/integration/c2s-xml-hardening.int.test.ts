// Hostile and broken input on client streams (RFC 6120 §4.9.3, §11.1; PROTOCOL §1.4, §2.1, §9.1):
// each case gets the right stream error after a stream header, the server stays up, and stored data
// is untouched.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plainAuth, rawTcp, rawWebSocket, streamHeader, type RawClient } from "../harness/raw-client.js";
import { rawSession } from "../harness/raw-session.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml } from "../harness/test-client.js";
import { NS_STREAM, expectStreamError, streamErrorXml, until, wsOpen } from "./c2s-helpers.js";

const MAX = 4096;
const TCP_HEADER = /^<\?xml version="1\.0"\?><stream:stream xmlns="jabber:client" xmlns:stream="http:\/\/etherx\.jabber\.org\/streams" from="localhost" id="[0-9a-f]{16}" version="1\.0" xml:lang="en">/;

describe("c2s input hardening", () => {
  let server: TestServer;
  const wsUrl = () => `ws://127.0.0.1:${server.port("http")}/ws`;

  /** A TCP stream past its header and features, not authenticated. */
  const openedTcp = async (): Promise<RawClient> => {
    const raw = await rawTcp(server.port("c2s"));
    raw.send(streamHeader("localhost"));
    await raw.waitFor("</stream:features>");
    return raw;
  };
  const openedWs = async () => {
    const raw = await rawWebSocket(wsUrl());
    raw.send(wsOpen("localhost"));
    await raw.waitFor("</stream:features>");
    return raw;
  };

  beforeAll(async () => {
    server = await startTestServer({ users: ["alice", "bob", "victim:victim-pass"], config: { c2s: { max_stanza_size: MAX } } });
    // Stored data to check at the end: an offline message for the victim.
    const alice = await server.connect("alice");
    await alice.send(xml("message", { to: "victim@localhost", type: "chat", id: "kept" }, xml("body", {}, "still here")));
    await alice.iq(xml("iq", { type: "get", id: "sync" }, xml("ping", { xmlns: "urn:xmpp:ping" })));
    await alice.stop();
  });
  afterAll(() => server.stop());

  describe("before authentication", () => {
    it("a stanza before authentication is not-authorized (PROTOCOL §2.1), on TCP and WebSocket", async () => {
      const tcp = await openedTcp();
      tcp.send(`<message to="bob@localhost" type="chat"><body>sneaky</body></message>`);
      await expectStreamError(tcp, "not-authorized");
      const ws = await openedWs();
      ws.send(`<iq type="get" id="1" to="localhost"><ping xmlns="urn:xmpp:ping"/></iq>`);
      await expectStreamError(ws, "not-authorized");
      expect(ws.frames.slice(-2)).toEqual([streamErrorXml("not-authorized"), `<close xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`]);
    });

    it("a stanza after authentication but before bind is not-authorized as well", async () => {
      const raw = await rawTcp(server.port("c2s"));
      raw.send(streamHeader("localhost"));
      await raw.waitFor("</stream:features>");
      raw.send(plainAuth("bob", "secret"));
      await raw.waitFor("<success");
      raw.send(streamHeader("localhost"));
      await raw.waitFor(/<\/stream:features>[\s\S]*<\/stream:features>/);
      raw.send(`<message to="alice@localhost" type="chat"><body>early</body></message>`);
      await expectStreamError(raw, "not-authorized");
    });

    it.each([
      ["names another host", `<stream:stream to="elsewhere.example" xmlns="jabber:client" xmlns:stream="${NS_STREAM}" version="1.0">`],
      ["has no `to`", `<stream:stream xmlns="jabber:client" xmlns:stream="${NS_STREAM}" version="1.0">`],
    ])("a stream header that %s gets host-unknown, after a header of our own (RFC 6120 §4.9.1.2)", async (_name, header) => {
      const raw = await rawTcp(server.port("c2s"));
      raw.send(header);
      const text = await expectStreamError(raw, "host-unknown");
      expect(text).toMatch(TCP_HEADER);
      expect(text.replace(TCP_HEADER, "")).toBe(`${streamErrorXml("host-unknown")}</stream:stream>`);
    });

    it("a header with the wrong stream namespace gets invalid-namespace", async () => {
      const raw = await rawTcp(server.port("c2s"));
      raw.send(`<stream:stream to="localhost" xmlns="jabber:client" xmlns:stream="urn:wrong" version="1.0">`);
      expect(await expectStreamError(raw, "invalid-namespace")).toMatch(TCP_HEADER);
    });
  });

  describe("restricted XML is restricted-xml (RFC 6120 §11.1)", () => {
    it.each([
      ["a DTD before the stream header", `<?xml version="1.0"?><!DOCTYPE stream:stream>`],
      [
        "a billion-laughs payload",
        `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>`,
      ],
    ])("%s, with a header sent first", async (_name, payload) => {
      const raw = await rawTcp(server.port("c2s"));
      raw.send(payload + streamHeader("localhost").replace(`<?xml version='1.0'?>`, "") + `<message><body>&lol2;</body></message>`);
      const text = await expectStreamError(raw, "restricted-xml");
      expect(text).toMatch(TCP_HEADER);
      expect(text).not.toContain("<stream:features");
    });

    it.each([
      ["a DTD inside the stream", `<!DOCTYPE x [<!ENTITY a "b">]>`],
      ["a comment", `<!-- hello -->`],
      ["a processing instruction", `<?php echo 1; ?>`],
      ["an entity reference", `<message><body>&a;</body></message>`],
    ])("%s on TCP and on WebSocket", async (_name, payload) => {
      const tcp = await openedTcp();
      tcp.send(payload);
      await expectStreamError(tcp, "restricted-xml");
      const ws = await openedWs();
      ws.send(payload);
      await expectStreamError(ws, "restricted-xml");
    });
  });

  describe("malformed XML is not-well-formed", () => {
    it.each([
      ["a mismatched close tag", `<message><body>x</message>`],
      ["an unclosed tag at the stream close", `<message><body>x</stream:stream>`],
      ["a broken start tag", `<message to="a@b" <body/>`],
      ["a control character", `<message><body>\u0007</body></message>`],
      ["an undeclared prefix", `<x:message/>`],
    ])("%s", async (_name, payload) => {
      const raw = await openedTcp();
      raw.send(payload);
      await expectStreamError(raw, "not-well-formed");
    });

    it("text before the stream header, after a header of our own", async () => {
      const raw = await rawTcp(server.port("c2s"));
      raw.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
      expect(await expectStreamError(raw, "not-well-formed")).toMatch(TCP_HEADER);
    });

    it("a WebSocket frame with an incomplete element (PROTOCOL §1.4)", async () => {
      const ws = await openedWs();
      ws.send(`<message to="bob@localhost"><body>half`);
      await expectStreamError(ws, "not-well-formed");
    });

    it("a WebSocket frame that closes an element it did not open", async () => {
      const ws = await openedWs();
      ws.send(`</message>`);
      await expectStreamError(ws, "not-well-formed");
    });
  });

  describe("limits (PROTOCOL §9.1)", () => {
    it("a stanza over c2s.max_stanza_size is policy-violation 'XML stanza is too big', before and after login", async () => {
      const pre = await openedTcp();
      pre.send(`<message><body>${"x".repeat(MAX)}</body></message>`);
      await expectStreamError(pre, "policy-violation", "XML stanza is too big");
      const { raw } = await rawSession(server, "tcp", { user: "bob", resource: "big" });
      raw.send(`<message to="alice@localhost" type="chat"><body>${"y".repeat(MAX)}</body></message>`);
      await expectStreamError(raw, "policy-violation", "XML stanza is too big");
    });

    it("a huge attribute is cut off while it is still arriving", async () => {
      const raw = await openedTcp();
      raw.send(`<message to="`);
      for (let i = 0; i < 4 && !raw.text().includes("stream:error"); i++) raw.send("a".repeat(MAX));
      await expectStreamError(raw, "policy-violation", "XML stanza is too big");
    });

    it("deep nesting is policy-violation", async () => {
      const raw = await openedTcp();
      raw.send("<message>" + "<a>".repeat(200));
      await expectStreamError(raw, "policy-violation");
    });

    it("a WebSocket frame above the limit is refused before it is buffered: stream error, <close/>, then the socket closes", async () => {
      const ws = await openedWs();
      const code = new Promise<number>((resolve) => ws.ws.once("close", (c: number) => resolve(c)));
      ws.send(`<message><body>${"z".repeat(MAX * 2)}</body></message>`);
      await expectStreamError(ws, "policy-violation", "XML stanza is too big");
      await code;
      expect(ws.text()).toMatch(/<\/stream:error><close xmlns="urn:ietf:params:xml:ns:xmpp-framing"\/>$/);
    });

    it("small stanzas within the limit pass, however many arrive", async () => {
      const bob = await server.connect("bob", { resource: "many" });
      const { raw } = await rawSession(server, "tcp", { user: "alice", resource: "many" });
      const body = "w".repeat(MAX / 2);
      for (let i = 0; i < 20; i++) raw.send(`<message to="bob@localhost/many" type="chat" id="ok-${i}"><body>${body}</body></message>`);
      await bob.receive((s) => s.attrs.id === "ok-19");
      expect(raw.text()).not.toContain("stream:error");
      raw.close();
      await bob.stop();
    });
  });

  it("survives all of the above: stored data is untouched and accounts still log in", async () => {
    // A burst of garbage on fresh connections while a legitimate session works alongside.
    const garbage = ["\u0000\u0001\u0002", "<<<>>>", `<stream:stream to="localhost" xmlns:stream="${NS_STREAM}"><a:b/>`, "<?xml?>".repeat(50), "]]>"];
    await Promise.all(
      garbage.map(async (g) => {
        const raw = await rawTcp(server.port("c2s"));
        raw.send(g);
        await raw.closed;
        expect(raw.text()).toContain("<stream:error");
      }),
    );
    expect((await server.api("check_account", { user: "victim", host: "localhost" })).body).toBe(0);
    expect((await server.api("check_password", { user: "victim", host: "localhost", password: "victim-pass" })).body).toBe(0);
    const victim = await server.connect("victim", { password: "victim-pass" });
    const kept = await victim.receive((s) => s.attrs.id === "kept");
    expect(kept.getChildText("body")).toBe("still here");
    // Nothing leaked: only the victim's session is left.
    expect(await until(() => server.server.sessions.count(), (n) => n === 1)).toBe(1);
  });
});
