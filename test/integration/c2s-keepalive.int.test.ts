// Liveness (PROTOCOL §2.10): client pings, the server keepalive on TCP (XEP-0199 IQ) and WebSocket
// (ping frames), the idle timeout of streams that never bind, and the graceful stop.
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawTcp, rawWebSocket, streamHeader } from "../harness/raw-client.js";
import { rawSession } from "../harness/raw-session.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient } from "../harness/test-client.js";
import { expectStreamError, streamErrorXml, wsOpen } from "./c2s-helpers.js";

describe("client pings (XEP-0199, PROTOCOL §2.10)", () => {
  let server: TestServer;
  let alice: TestClient;
  beforeAll(async () => {
    server = await startTestServer({ users: ["alice"] });
    alice = await server.connect("alice", { transport: "ws" });
  });
  afterAll(() => server.stop());

  it.each([
    ["the host", { to: "localhost" }],
    ["no one (no `to`)", {}],
    ["the user's own bare JID", { to: "alice@localhost" }],
  ])("answers a ping to %s with a result", async (_name, attrs) => {
    const reply = await alice.iq(xml("iq", { type: "get", ...attrs }, xml("ping", { xmlns: "urn:xmpp:ping" })));
    expect(reply.attrs.type).toBe("result");
  });
});

describe("server keepalive (c2s.keepalive_interval_s = 1, keepalive_timeout_s = 1)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ users: ["alice"], config: { c2s: { keepalive_interval_s: 1, keepalive_timeout_s: 1 } } });
  });
  afterAll(() => server.stop());

  it("pings a silent TCP client with an XEP-0199 IQ, then closes it with connection-timeout", async () => {
    const { raw } = await rawSession(server, "tcp", { user: "alice", resource: "silent" });
    await raw.waitFor(/<iq type="get" id="ka-1" from="localhost" to="alice@localhost\/silent"><ping xmlns="urn:xmpp:ping"\/><\/iq>/);
    await expectStreamError(raw, "connection-timeout");
  });

  it("keeps a TCP client that answers, with a pong or a whitespace keepalive (any inbound data resets the timer)", async () => {
    const { raw } = await rawSession(server, "tcp", { user: "alice", resource: "answers" });
    await raw.waitFor(`id="ka-1"`);
    raw.send(`<iq type="result" id="ka-1" to="localhost"/>`);
    await raw.waitFor(`id="ka-2"`);
    raw.send(" ");
    await raw.waitFor(`id="ka-3"`);
    raw.send("\n");
    await raw.waitFor(`id="ka-4"`);
    expect(raw.text()).not.toContain("stream:error");
    raw.close();
  });

  it("counts its ping as a stanza for XEP-0198: a client that acknowledges it is not refused (§2.11)", async () => {
    const { raw } = await rawSession(server, "tcp", { user: "alice", resource: "sm-ka" });
    raw.send(`<enable xmlns="urn:xmpp:sm:3"/>`);
    await raw.waitFor("<enabled");
    await raw.waitFor(`id="ka-1"`);
    raw.send(`<iq type="result" id="ka-1" to="localhost"/><a xmlns="urn:xmpp:sm:3" h="0"/>`);
    raw.send(`<a xmlns="urn:xmpp:sm:3" h="1"/><iq type="get" id="alive" to="localhost"><ping xmlns="urn:xmpp:ping"/></iq>`);
    await raw.waitFor(`id="alive"`);
    expect(raw.text()).not.toContain("stream:error");
    raw.close();
  });

  it("sends a WebSocket client ping frames and keeps it while it answers with pongs", async () => {
    const idle = await rawWebSocket(`ws://127.0.0.1:${server.port("http")}/ws`);
    let idlePings = 0;
    idle.ws.on("ping", () => void idlePings++);
    const { raw } = await rawSession(server, "ws", { user: "alice", resource: "ponger" });
    const ws = (raw as unknown as { ws: WebSocket }).ws;
    let pings = 0;
    // ws answers every ping frame with a pong by itself (autoPong).
    await new Promise<void>((resolve) => ws.on("ping", () => ++pings === 3 && resolve()));
    // No XEP-0199 IQ on WebSocket (native SDKs never answer them): only ping frames.
    expect(raw.text()).not.toContain("urn:xmpp:ping");
    expect(raw.text()).not.toContain("stream:error");
    raw.close();
    // A stream that has not bound is left to the idle timeout, not pinged.
    expect(idlePings).toBe(0);
    idle.close();
  });

  it("closes a WebSocket client that answers nothing with connection-timeout", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port("http")}/ws`, ["xmpp"], { autoPong: false });
    const frames: string[] = [];
    ws.on("message", (d: Buffer) => frames.push(d.toString()));
    await new Promise((resolve) => ws.once("open", resolve));
    const closed = new Promise((resolve) => ws.once("close", resolve));
    const send = (t: string) => ws.send(t);
    send(wsOpen("localhost"));
    await until(() => frames.some((f) => f.startsWith("<stream:features")));
    send(`<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">${Buffer.from("\0alice\0secret").toString("base64")}</auth>`);
    await until(() => frames.some((f) => f.startsWith("<success")));
    send(wsOpen("localhost"));
    await until(() => frames.filter((f) => f.startsWith("<stream:features")).length === 2);
    send(`<iq type="set" id="b"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/></iq>`);
    await closed;
    expect(frames.slice(-2)).toEqual([streamErrorXml("connection-timeout"), `<close xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`]);
  });
});

describe("idle streams that never bind (c2s.idle_timeout_s = 1)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ users: ["alice"], config: { c2s: { idle_timeout_s: 1 } } });
  });
  afterAll(() => server.stop());

  it("closes a stream that opened but never authenticated", async () => {
    const raw = await rawTcp(server.port("c2s"));
    raw.send(streamHeader("localhost"));
    await raw.waitFor("</stream:features>");
    await expectStreamError(raw, "connection-timeout");
  });

  it("closes a connection that never sent a header, after a header of its own", async () => {
    const raw = await rawTcp(server.port("c2s"));
    const text = await expectStreamError(raw, "connection-timeout");
    expect(text).toMatch(/^<\?xml version="1\.0"\?><stream:stream /);
  });

  it("closes an authenticated stream that never binds", async () => {
    const raw = await rawWebSocket(`ws://127.0.0.1:${server.port("http")}/ws`);
    raw.send(wsOpen("localhost"));
    await raw.waitFor("</stream:features>");
    raw.send(`<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">${Buffer.from("\0alice\0secret").toString("base64")}</auth>`);
    await raw.waitFor("<success");
    await expectStreamError(raw, "connection-timeout");
  });

  it("leaves bound sessions alone", async () => {
    const { raw } = await rawSession(server, "tcp", { user: "alice", resource: "stays" });
    await new Promise((r) => setTimeout(r, 2500));
    raw.send(`<iq type="get" id="still" to="localhost"><ping xmlns="urn:xmpp:ping"/></iq>`);
    await raw.waitFor(/<iq[^>]*id="still"/);
    expect(raw.text()).not.toContain("stream:error");
    raw.close();
  });
});

describe("graceful stop", () => {
  it("sends system-shutdown to every connected client, on every transport", async () => {
    const server = await startTestServer({ users: ["alice", "bob"] });
    const tcp = await rawSession(server, "tcp", { user: "alice", resource: "tcp" });
    const ws = await rawSession(server, "ws", { user: "bob", resource: "ws" });
    const tls = await rawSession(server, "tls", { user: "alice", resource: "tls" });
    const unauthenticated = await rawTcp(server.port("c2s"));
    unauthenticated.send(streamHeader("localhost"));
    await unauthenticated.waitFor("</stream:features>");
    await server.stop();
    for (const raw of [tcp.raw, ws.raw, tls.raw, unauthenticated]) await expectStreamError(raw, "system-shutdown");
    expect(ws.raw.frames.slice(-2)).toEqual([streamErrorXml("system-shutdown"), `<close xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`]);
  });
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 10));
  }
}
