/**
 * `/bosh` (PROTOCOL §1.5; XEP-0124, XEP-0206) over real HTTP: session creation with the §1.5 limits, a full
 * login with the same stream semantics as TCP, messages both ways with a TCP client, rid rules, termination,
 * and refusals of bad input (malformed body, unknown sid, oversize body, wrong method).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BoshClient, HTTPBIND, boshPost } from "../harness/bosh-client.js";
import { xml } from "../harness/test-client.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";

const MAX = 8192;

describe("BOSH at /bosh (PROTOCOL §1.5)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ users: ["alice", "bob", "carol"], config: { c2s: { max_stanza_size: MAX } } });
  });
  afterAll(() => server.stop());

  it("creates a session with wait ≤ 60, inactivity 60 and hold 1, and offers the stream features in the first response", async () => {
    const bosh = new BoshClient(server.port("http"));
    const created = await bosh.create(`wait="300" hold="5"`);
    expect(created).toMatch(/^<body xmlns="http:\/\/jabber.org\/protocol\/httpbind" sid="[0-9a-f]{32}" wait="60" inactivity="60" requests="2" hold="1" ver="1.11" from="localhost" /);
    expect(created).toContain(`xmpp:version="1.0"`);
    expect(created).toMatch(/authid="[^"]+"/);
    expect(created).toContain("<stream:features");
    expect(created).toContain("<mechanism>PLAIN</mechanism>");
    await bosh.send("", `type="terminate"`);
  });

  it("logs in with PLAIN, binds, and exchanges messages with a TCP client both ways", async () => {
    const bob = await server.connect("bob", { transport: "tcp" });
    const bosh = new BoshClient(server.port("http"));
    const jid = await bosh.login("alice");
    expect(jid).toBe("alice@localhost/bosh");
    await bosh.send(`<presence xmlns="jabber:client"/>`);
    await bosh.send(`<message xmlns="jabber:client" to="bob@localhost" type="chat" id="b1"><body>from bosh</body></message>`);
    const got = await bob.receive((s) => s.is("message") && s.attrs.id === "b1");
    expect([got.attrs.from, got.getChildText("body")]).toEqual(["alice@localhost/bosh", "from bosh"]);
    // A message for alice arrives while her poll is held.
    const poll = bosh.send();
    await bob.send(xml("message", { to: "alice@localhost/bosh", type: "chat", id: "t1" }, xml("body", {}, "to bosh")));
    await poll;
    const delivered = await bosh.until(/id="t1"/);
    expect(delivered).toMatch(/<message xmlns="jabber:client" [^>]*from="bob@localhost\/[^"]+"[^>]*>.*<body>to bosh<\/body><\/message>/);
    const ended = await bosh.send("", `type="terminate"`);
    expect(ended).toMatch(/^<body xmlns="http:\/\/jabber.org\/protocol\/httpbind" type="terminate"/);
    await bob.stop();
  });

  it("answers a retransmitted rid with the same response, and ends the session on a rid out of the window", async () => {
    const bosh = new BoshClient(server.port("http"));
    await bosh.create(`wait="1" hold="1"`);
    const rid = bosh.rid++;
    const first = await bosh.sendRaw(rid);
    expect(first.body).toBe(`<body xmlns="${HTTPBIND}"/>`);
    const again = await bosh.sendRaw(rid);
    expect(again.body).toBe(first.body);
    const jump = await bosh.sendRaw(bosh.rid + 5);
    expect(jump.body).toContain(`type="terminate" condition="item-not-found"`);
    const after = await bosh.sendRaw(bosh.rid++);
    expect(after.body).toContain(`type="terminate" condition="item-not-found"`);
  });

  it("a failed login is the TCP SASL failure, inside the body", async () => {
    const bosh = new BoshClient(server.port("http"));
    await bosh.create();
    const auth = Buffer.from("\0carol\0wrong").toString("base64");
    const reply = await bosh.send(`<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">${auth}</auth>`);
    expect(reply).toContain(`<failure xmlns="urn:ietf:params:xml:ns:xmpp-sasl"><not-authorized/></failure>`);
    await bosh.send("", `type="terminate"`);
  });

  it.each([
    ["malformed XML", "<body xmlns='x'", 400, "bad-request"],
    ["not a BOSH body", `<message xmlns="jabber:client"/>`, 400, "bad-request"],
    ["a body without rid", `<body xmlns="${HTTPBIND}" to="localhost"/>`, 400, "bad-request"],
    ["a session request without to", `<body xmlns="${HTTPBIND}" rid="1"/>`, 400, "bad-request"],
    ["an unknown sid", `<body xmlns="${HTTPBIND}" rid="5" sid="nope"/>`, 200, "item-not-found"],
    ["a DTD", `<!DOCTYPE body [<!ENTITY x "y">]><body xmlns="${HTTPBIND}" rid="1" to="localhost"/>`, 400, "bad-request"],
  ])("refuses %s with a terminate body", async (_name, body, status, condition) => {
    const reply = await boshPost(server.port("http"), body);
    expect(reply.status).toBe(status);
    expect(reply.body).toBe(`<body xmlns="${HTTPBIND}" type="terminate" condition="${condition}"/>`);
  });

  it("refuses a body over c2s.max_stanza_size before buffering it (§9.1), and the server keeps serving", async () => {
    const reply = await boshPost(server.port("http"), `<body xmlns="${HTTPBIND}" rid="1" to="localhost">${"x".repeat(MAX * 2)}</body>`);
    expect([reply.status, reply.body]).toEqual([413, `<body xmlns="${HTTPBIND}" type="terminate" condition="policy-violation"/>`]);
    const bosh = new BoshClient(server.port("http"));
    expect(await bosh.create()).toContain("<stream:features");
  });

  it("answers OPTIONS with CORS headers and refuses GET with 405; other paths stay 404", async () => {
    const options = await boshPost(server.port("http"), "", { method: "OPTIONS" });
    expect([options.status, options.headers["access-control-allow-origin"], options.headers["access-control-allow-methods"]]).toEqual([204, "*", "POST, OPTIONS"]);
    expect((await boshPost(server.port("http"), "", { method: "GET" })).status).toBe(405);
    expect((await boshPost(server.port("http"), "", { path: "/bosh/x" })).status).toBe(404);
  });

  it("is served on the HTTPS listener too", async () => {
    const { request } = await import("node:https");
    const body = `<body xmlns="${HTTPBIND}" rid="7" to="localhost" wait="5" hold="1" xmlns:xmpp="urn:xmpp:xbosh" xmpp:version="1.0"/>`;
    const text = await new Promise<string>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: server.port("https"), path: "/bosh", method: "POST", rejectUnauthorized: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      });
      req.on("error", reject);
      req.end(body);
    });
    expect(text).toContain(`secure="true"`);
    expect(text).toContain("<stream:features");
  });
});
