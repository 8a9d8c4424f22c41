// The admin HTTP API over real sockets (PROTOCOL §8): transport rules (§8.1), authentication and trust (§8.2),
// ejabberd's exact bodies and codes (§8.3), argument conventions (§8.4) and the commands of §8.5.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type XmlElement } from "../harness/test-client.js";
import { basic, httpRequest, type HttpReply } from "../harness/http-request.js";
import { plainAuth, rawTcp, streamHeader } from "../harness/raw-client.js";

const NOT_FOUND = { status: "error", code: 40, message: "Endpoint not found." };
const UNAUTHORIZED = { status: "error", code: 10, message: "You are not authorized to call this command." };
const FORBIDDEN = { status: "error", code: 32, message: "AccessRules: Account does not have the right to perform the operation." };
const TOKEN = "s3cret-token-for-tests";

let server: TestServer;
let port: number;

beforeAll(async () => {
  server = await startTestServer({ users: ["admin:adminpw", "alice", "bob", "carol", "dave"], config: { api: { bearer_tokens: [TOKEN] } } });
  port = server.port("http");
});
afterAll(() => server.stop());

const post = (command: string, args: unknown, headers: Record<string, string> = {}): Promise<HttpReply> =>
  httpRequest(port, { path: `/api/${command}`, headers: { "content-type": "application/json", ...headers }, body: typeof args === "string" ? args : JSON.stringify(args) });

describe("§8.1 transport", () => {
  it("answers a command with 200 and Content-Type application/json", async () => {
    const reply = await post("check_account", { user: "alice", host: "localhost" });
    expect([reply.status, reply.text]).toEqual([200, "0"]);
    expect(reply.headers["content-type"]).toBe("application/json");
  });

  it("does not enforce the request Content-Type", async () => {
    const reply = await post("check_account", { user: "alice", host: "localhost" }, { "content-type": "text/plain" });
    expect([reply.status, reply.text]).toEqual([200, "0"]);
  });

  it("accepts and ignores a trailing version segment", async () => {
    const reply = await httpRequest(port, { path: "/api/check_account/v3", body: JSON.stringify({ user: "alice", host: "localhost" }) });
    expect([reply.status, reply.text]).toEqual([200, "0"]);
    const other = await httpRequest(port, { path: "/api/check_account/extra", body: "{}" });
    expect([other.status, other.body]).toEqual([404, NOT_FOUND]);
  });

  it("accepts GET with query parameters", async () => {
    expect((await httpRequest(port, { method: "GET", path: "/api/check_account?user=alice&host=localhost" })).text).toBe("0");
    expect((await httpRequest(port, { method: "GET", path: "/api/check_account?user=nobody&host=localhost" })).text).toBe("1");
  });

  it("answers OPTIONS with 200 and an empty body", async () => {
    const reply = await httpRequest(port, { method: "OPTIONS", path: "/api/register" });
    expect([reply.status, reply.text]).toEqual([200, ""]);
  });

  it("ignores the Host header", async () => {
    for (const host of ["evil.example.org", "xmpp:5280", "chat.example.com"]) {
      const reply = await httpRequest(port, { path: "/api/check_account", headers: { host }, body: JSON.stringify({ user: "alice" }) });
      expect([reply.status, reply.text]).toEqual([200, "0"]);
    }
  });

  it("answers /api without a command with 400 Missing command name.", async () => {
    for (const path of ["/api", "/api/"]) {
      const reply = await httpRequest(port, { path, body: "{}" });
      expect([reply.status, reply.text]).toEqual([400, `"Missing command name."`]);
    }
  });

  it("answers an empty body with 400 Missing POST data", async () => {
    expect(await post("check_account", "")).toMatchObject({ status: 400, text: `"Missing POST data"` });
    expect(await post("check_account", "  \n")).toMatchObject({ status: 400, text: `"Missing POST data"` });
  });

  it("answers invalid JSON (or JSON that is not an object) with 400 Invalid JSON input", async () => {
    for (const body of ["{user:", "[1,2]", "\"alice\"", "null", "{\"user\":\"alice\"} trailing"]) {
      expect(await post("check_account", body)).toMatchObject({ status: 400, text: `"Invalid JSON input"` });
    }
  });

  it("refuses a body over 1 MiB with 413 without reading it, with or without Content-Length", async () => {
    const big = JSON.stringify({ user: "alice", pad: "x".repeat(1024 * 1024) });
    const declared = await post("check_account", big);
    expect([declared.status, declared.body]).toEqual([413, { status: "error", code: 40, message: "Request body too large" }]);
    const chunked = await httpRequest(port, { path: "/api/check_account", body: big, chunked: 64 * 1024 });
    expect([chunked.status, chunked.body]).toEqual([413, { status: "error", code: 40, message: "Request body too large" }]);
    // Exactly 1 MiB is fine.
    const exact = JSON.stringify({ user: "alice", host: "localhost", pad: "" });
    const padded = exact.slice(0, -2) + "x".repeat(1024 * 1024 - exact.length) + `"}`;
    expect(Buffer.byteLength(padded)).toBe(1024 * 1024);
    expect(await post("check_account", padded)).toMatchObject({ status: 200, text: "0" });
  });

  it("answers an unknown command with 404 and ejabberd's body", async () => {
    const reply = await post("no_such_command", {});
    expect([reply.status, reply.text]).toEqual([404, JSON.stringify(NOT_FOUND)]);
  });
});

describe("§8.2 authentication and trust", () => {
  const probe = (headers: Record<string, string>) => post("check_account", { user: "alice", host: "localhost" }, headers);

  it("treats a loopback request without Authorization as admin", async () => {
    expect((await probe({})).status).toBe(200);
  });

  it("accepts Basic auth as an admin JID, and a username without domain as admin@<default host>", async () => {
    expect(await probe({ authorization: basic("admin@localhost", "adminpw") })).toMatchObject({ status: 200, text: "0" });
    expect(await probe({ authorization: basic("admin", "adminpw") })).toMatchObject({ status: 200, text: "0" });
    expect(await probe({ authorization: basic("ADMIN@LOCALHOST", "adminpw") })).toMatchObject({ status: 200, text: "0" });
  });

  it("requires a valid header from a trusted address that sends one: 401 for a bad password or unknown user", async () => {
    for (const authorization of [basic("admin", "wrong"), basic("ghost", "x"), "Basic !!!", "Basic", "Digest abc", "Bearer wrong-token"]) {
      const reply = await probe({ authorization });
      expect([reply.status, reply.text]).toEqual([401, JSON.stringify(UNAUTHORIZED)]);
    }
  });

  it("answers 403 to a valid account that is not an admin", async () => {
    const reply = await probe({ authorization: basic("alice@localhost", "secret") });
    expect([reply.status, reply.text]).toEqual([403, JSON.stringify(FORBIDDEN)]);
  });

  it("never trusts a request with X-Forwarded-For, Forwarded or X-Real-IP by network", async () => {
    for (const headers of [{ "x-forwarded-for": "127.0.0.1" }, { forwarded: "for=127.0.0.1" }, { "x-real-ip": "127.0.0.1" }]) {
      expect(await probe(headers)).toMatchObject({ status: 401, body: UNAUTHORIZED });
      expect(await probe({ ...headers, authorization: basic("admin", "adminpw") })).toMatchObject({ status: 200, text: "0" });
      expect(await probe({ ...headers, authorization: `Bearer ${TOKEN}` })).toMatchObject({ status: 200, text: "0" });
    }
  });

  it("accepts a configured bearer token (api.bearer_tokens)", async () => {
    expect(await probe({ authorization: `Bearer ${TOKEN}` })).toMatchObject({ status: 200, text: "0" });
    expect(await probe({ authorization: `bearer ${TOKEN}` })).toMatchObject({ status: 200, text: "0" });
    expect((await probe({ authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
  });

  describe("with api.trusted_networks: []", () => {
    let untrusted: TestServer;
    beforeAll(async () => {
      untrusted = await startTestServer({ config: { api: { trusted_networks: [] } } });
      await untrusted.server.admin.run("register", { user: "admin", host: "localhost", password: "adminpw" });
      await untrusted.server.admin.run("register", { user: "alice", host: "localhost", password: "secret" });
    });
    afterAll(() => untrusted.stop());
    const call = (headers: Record<string, string>) =>
      httpRequest(untrusted.port("http"), { path: "/api/check_account", headers, body: JSON.stringify({ user: "alice" }) });

    it("refuses loopback requests without credentials with 401", async () => {
      expect(await call({})).toMatchObject({ status: 401, text: JSON.stringify(UNAUTHORIZED) });
      expect((await untrusted.api("register", { user: "eve", host: "localhost", password: "x" })).status).toBe(401);
    });

    it("still accepts Basic auth as an admin, and answers 403 to other accounts", async () => {
      expect(await call({ authorization: basic("admin", "adminpw") })).toMatchObject({ status: 200, text: "0" });
      expect(await call({ authorization: basic("alice", "secret") })).toMatchObject({ status: 403, body: FORBIDDEN });
    });

    it("checks credentials before reading the body", async () => {
      const reply = await httpRequest(untrusted.port("http"), { path: "/api/check_account", body: "{not json" });
      expect(reply.status).toBe(401);
    });
  });
});

describe("§8.3 response shapes and §8.5 account commands", () => {
  it("registers an account, answers 409/10090 for an existing one, and then change_password works (§8.3 caller flow)", async () => {
    const created = await post("register", { user: "erin", host: "localhost", password: "one" });
    expect([created.status, created.text]).toEqual([200, `"User erin@localhost successfully registered"`]);
    const again = await post("register", { user: "erin", host: "localhost", password: "two" });
    expect([again.status, again.text]).toEqual([409, `{"status":"error","code":10090,"message":"User erin@localhost already registered"}`]);
    expect(await post("change_password", { user: "erin", host: "localhost", newpass: "two" })).toMatchObject({ status: 200, text: "0" });
    expect((await post("check_password", { user: "erin", host: "localhost", password: "two" })).text).toBe("0");
    expect((await post("check_password", { user: "erin", host: "localhost", password: "one" })).text).toBe("1");
    const client = await server.connect("erin", { password: "two" });
    expect(client.jid.startsWith("erin@localhost/")).toBe(true);
  });

  it("answers two concurrent registrations of one account with one 200 and one 409", async () => {
    const replies = await Promise.all([1, 2].map(() => post("register", { user: "twin", host: "localhost", password: "p" })));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
  });

  it("accepts the user as a JID and the host from its domain (§8.4)", async () => {
    expect((await post("register", { user: "frank@localhost", password: "p" })).text).toBe(`"User frank@localhost successfully registered"`);
    expect((await post("check_account", { jid: "frank@localhost" })).text).toBe("0");
  });

  it("refuses an invalid localpart or an unknown host with 400 and a short string", async () => {
    for (const args of [{ user: "a b", host: "localhost", password: "p" }, { user: "", host: "localhost", password: "p" }, { user: "x", host: "elsewhere.example", password: "p" }]) {
      const reply = await post("register", args);
      expect(reply.status).toBe(400);
      expect(typeof reply.body).toBe("string");
    }
  });

  it("names the first missing argument: 400 Request have missing argument: <name>", async () => {
    expect(await post("register", { host: "localhost", password: "p" })).toMatchObject({ status: 400, text: `"Request have missing argument: user"` });
    expect(await post("register", { user: "gina", host: "localhost" })).toMatchObject({ status: 400, text: `"Request have missing argument: password"` });
    expect(await post("change_password", { user: "alice", host: "localhost" })).toMatchObject({ status: 400, text: `"Request have missing argument: newpass"` });
    expect(await post("check_password", { user: "alice" })).toMatchObject({ status: 400, text: `"Request have missing argument: password"` });
    expect((await post("check_account", { user: "gina", host: "localhost" })).text).toBe("1");
  });

  it("ignores unknown arguments", async () => {
    expect((await post("check_account", { user: "alice", host: "localhost", colour: "blue" })).text).toBe("0");
  });

  it("answers change_password of an unknown account with 404 \"unknown_user\"", async () => {
    const reply = await post("change_password", { user: "nobody", host: "localhost", newpass: "x" });
    expect([reply.status, reply.text]).toEqual([404, `"unknown_user"`]);
  });

  it("answers check_account and check_password with 0 (yes) or 1 (no)", async () => {
    expect((await post("check_account", { user: "alice", host: "localhost" })).text).toBe("0");
    expect((await post("check_account", { user: "zed", host: "localhost" })).text).toBe("1");
    expect((await post("check_password", { user: "alice", host: "localhost", password: "secret" })).text).toBe("0");
    expect((await post("check_password", { user: "alice", host: "localhost", password: "nope" })).text).toBe("1");
    expect((await post("check_password", { user: "zed", host: "localhost", password: "secret" })).text).toBe("1");
  });

  it("lists the localparts of a host, sorted", async () => {
    const reply = await post("registered_users", { host: "localhost" });
    expect(reply.status).toBe(200);
    const users = reply.body as string[];
    expect(users).toEqual([...users].sort());
    expect(users).toEqual(expect.arrayContaining(["admin", "alice", "bob", "carol"]));
  });

  it("registers in bulk and skips existing accounts", async () => {
    expect(await post("register_bulk", { host: "localhost", prefix: "bulk", from: 1, to: 3, password: "p" })).toMatchObject({ status: 200, text: "3" });
    expect(await post("register_bulk", { host: "localhost", prefix: "bulk", from: 2, to: 4, password: "p" })).toMatchObject({ status: 200, text: "1" });
    expect((await post("check_password", { user: "bulk4", host: "localhost", password: "p" })).text).toBe("0");
  });

  it("unregisters idempotently with 200 \"\", ending live sessions with not-authorized", async () => {
    await server.register("ghost1");
    const raw = await rawTcp(server.port("c2s"));
    raw.send(streamHeader("localhost"));
    await raw.waitFor("</stream:features>");
    raw.send(plainAuth("ghost1", "secret"));
    await raw.waitFor("<success");
    raw.send(streamHeader("localhost"));
    await raw.waitFor(/<\/stream:features>[\s\S]*<\/stream:features>/);
    raw.send(`<iq type="set" id="b"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/></iq>`);
    await raw.waitFor("</bind></iq>");

    const reply = await post("unregister", { user: "ghost1", host: "localhost" });
    expect([reply.status, reply.text]).toEqual([200, `""`]);
    await raw.waitFor(`<stream:error xmlns:stream="http://etherx.jabber.org/streams"><not-authorized xmlns="urn:ietf:params:xml:ns:xmpp-streams"/></stream:error>`);
    await raw.closed;
    expect((await post("check_account", { user: "ghost1", host: "localhost" })).text).toBe("1");
    expect(await post("unregister", { user: "ghost1", host: "localhost" })).toMatchObject({ status: 200, text: `""` });
    expect(await post("unregister", { user: "never-existed", host: "localhost" })).toMatchObject({ status: 200, text: `""` });
    await expect(server.connect("ghost1")).rejects.toThrow();
  });

  it("deletes the account's data through user.deleted (block list as a witness)", async () => {
    await server.register("ghost2");
    const c = await server.connect("ghost2");
    await c.iq(xml("iq", { type: "set" }, xml("block", { xmlns: "urn:xmpp:blocking" }, xml("item", { jid: "bob@localhost" }))));
    await post("unregister", { user: "ghost2", host: "localhost" });
    await server.register("ghost2");
    const again = await server.connect("ghost2");
    const list = await again.iq(xml("iq", { type: "get" }, xml("blocklist", { xmlns: "urn:xmpp:blocking" })));
    expect(list.getChild("blocklist")?.getChildren("item")).toEqual([]);
  });
});

describe("§8.3 room rows (commands of the MUC module)", () => {
  const service = "conference.localhost";

  it("creates a room once, then answers 400 \"Room already exists\"", async () => {
    expect(await post("create_room_with_opts", { name: "shape_room", service, host: "localhost", options: [] })).toMatchObject({ status: 200, text: "0" });
    expect(await post("create_room_with_opts", { name: "shape_room", service, host: "localhost", options: [] })).toMatchObject({ status: 400, text: `"Room already exists"` });
  });

  it("refuses groupchat from anyone but an occupant, subscriber, admin or App system account: 400 with the text (§8.5)", async () => {
    const to = `shape_room@${service}`;
    const only = `"Only occupants are allowed to send messages to the conference"`;
    expect(await post("send_message", { type: "groupchat", from: "bob@localhost", to, subject: "", body: "hi" })).toMatchObject({ status: 400, text: only });
    const stanza = `<message type="groupchat"><body>hi</body></message>`;
    expect(await post("send_stanza", { from: "bob@localhost/x", to, stanza })).toMatchObject({ status: 400, text: only });
    expect(await post("send_message", { type: "groupchat", from: "admin@localhost", to, subject: "", body: "from the admin" })).toMatchObject({ status: 200, text: "0" });
  });

  it("answers room commands on a missing room with 400 \"Room doesn't exists\", and get_room_options with 200 {}", async () => {
    expect(await post("destroy_room", { name: "no_such_room", service })).toMatchObject({ status: 400, text: `"Room doesn't exists"` });
    expect(await post("change_room_option", { name: "no_such_room", service, option: "title", value: "x" })).toMatchObject({ status: 400, text: `"Room doesn't exists"` });
    expect(await post("set_room_affiliation", { name: "no_such_room", service, jid: "alice@localhost", affiliation: "member" })).toMatchObject({
      status: 400,
      text: `"Room doesn't exists"`,
    });
    expect(await post("get_room_options", { name: "no_such_room", service })).toMatchObject({ status: 200, text: "{}" });
  });
});

describe("§8.5 server commands", () => {
  it("counts connected sessions as {\"num_sessions\":n}", async () => {
    const before = (await post("connected_users_number", {})).body as { num_sessions: number };
    expect(Object.keys(before)).toEqual(["num_sessions"]);
    const c = await server.connect("carol", { resource: "count" });
    const after = await post("connected_users_number", {});
    expect(after.body).toEqual({ num_sessions: before.num_sessions + 1 });
    await c.stop();
  });

  it("reports the node status in ejabberd's two-line form", async () => {
    const reply = await post("status", {});
    expect(reply.status).toBe(200);
    expect(reply.body).toMatch(/^The node \S+ is started\. Status: started\nrtc-server \d+\.\d+\.\d+\S* is running in that node$/);
  });

  it("kicks every session of a user and returns how many", async () => {
    await server.connect("dave", { resource: "k1" });
    await server.connect("dave", { resource: "k2" });
    expect(await post("kick_user", { user: "dave", host: "localhost" })).toMatchObject({ status: 200, text: "2" });
    expect(await post("kick_user", { user: "dave", host: "localhost" })).toMatchObject({ status: 200, text: "0" });
  });

  it("routes send_message as if the sender had sent it: a chat reaches the online user", async () => {
    const bob = await server.connect("bob", { resource: "sm" });
    const reply = await post("send_message", { type: "chat", from: "alice@localhost/desk", to: "bob@localhost", subject: "", body: "hello from the API" });
    expect([reply.status, reply.text]).toEqual([200, "0"]);
    const got = await bob.receive((s) => s.is("message") && s.getChildText("body") === "hello from the API");
    expect(got.attrs.from).toBe("alice@localhost/desk");
    expect(got.attrs.type).toBe("chat");
    expect(got.getChild("subject")).toBeUndefined(); // §8.5: an empty subject adds no <subject>
    await post("send_message", { type: "headline", from: "alice@localhost", to: "bob@localhost", subject: "News", body: "b" });
    const headline = await bob.receive((s) => s.is("message") && s.attrs.type === "headline");
    expect(headline.getChildText("subject")).toBe("News");
    await bob.stop();
  });

  it("stores send_message to an offline user offline, delivered at the next login", async () => {
    expect((await post("send_message", { type: "chat", from: "alice@localhost", to: "carol@localhost", subject: "", body: "while you were out" })).text).toBe("0");
    const carol = await server.connect("carol", { resource: "back" });
    const got = await carol.receive((s: XmlElement) => s.is("message") && s.getChildText("body") === "while you were out");
    expect(got.attrs.from).toBe("alice@localhost");
    expect(got.getChild("delay", "urn:xmpp:delay")).toBeDefined();
    await carol.stop();
  });

  it("refuses send_message with a bad type or JID, and names missing arguments", async () => {
    expect((await post("send_message", { type: "shout", from: "alice@localhost", to: "bob@localhost", body: "x" })).status).toBe(400);
    expect((await post("send_message", { type: "chat", from: "alice@", to: "bob@localhost", body: "x" })).status).toBe(400);
    expect(await post("send_message", { type: "chat", from: "alice@localhost", to: "bob@localhost" })).toMatchObject({ status: 400, text: `"Request have missing argument: body"` });
  });

  it("routes send_stanza with from/to overriding the stanza's", async () => {
    const bob = await server.connect("bob", { resource: "ss" });
    const stanza = `<message to="nobody@localhost" from="x@y" type="chat" id="raw1"><body>raw &amp; real</body><data xmlns="wss://chat.example.com/ws" a="1"/></message>`;
    expect(await post("send_stanza", { from: "alice@localhost/api", to: bob.jid, stanza })).toMatchObject({ status: 200, text: "0" });
    const got = await bob.receive((s) => s.attrs.id === "raw1");
    expect(got.attrs.from).toBe("alice@localhost/api");
    expect(got.getChildText("body")).toBe("raw & real");
    expect(got.getChild("data", "wss://chat.example.com/ws")?.attrs.a).toBe("1");
    await bob.stop();
  });

  it("answers a send_stanza that is not exactly one message, presence or iq with 400 Invalid stanza", async () => {
    for (const stanza of ["<message", "<message/><message/>", "<foo/>", "not xml", "<message xmlns='jabber:server'/>", ""]) {
      expect(await post("send_stanza", { from: "alice@localhost", to: "bob@localhost", stanza })).toMatchObject({ status: 400, text: `"Invalid stanza"` });
    }
    expect(await post("send_stanza", { from: "alice@localhost", to: "bob@localhost" })).toMatchObject({ status: 400, text: `"Request have missing argument: stanza"` });
  });

  it("lists every command with its documented arguments (list_commands)", async () => {
    const reply = await post("list_commands", {});
    const list = reply.body as { name: string; description: string; args: { name: string }[] }[];
    const names = list.map((c) => c.name);
    expect(names).toEqual([...names].sort());
    for (const n of ["register", "unregister", "change_password", "check_account", "check_password", "registered_users", "send_message", "send_stanza", "connected_users_number", "status", "kick_user", "register_bulk", "list_commands"]) {
      expect(names).toContain(n);
    }
    expect(list.find((c) => c.name === "register")?.args.map((a) => a.name)).toEqual(["user", "host", "password"]);
  });

  it("answers every registered command with 200 or a §8.3 shape for an empty argument object, never 500", async () => {
    const list = (await post("list_commands", {})).body as { name: string }[];
    // Commands with side effects on `{}` are the ones that accept no arguments; they are harmless here.
    for (const { name } of list) {
      const reply = await post(name, {});
      expect(reply.status, name).not.toBe(500);
      if (reply.status === 400) expect(typeof reply.body, name).toBe("string");
    }
  });
});
