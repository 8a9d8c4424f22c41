// Private XML storage (XEP-0049) exactly per PROTOCOL §9.5, with byte-level checks of the §9.5
// example over TCP and WebSocket, and the §9.1 limits.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backendsUnderTest, postgresTestUrl } from "../harness/test-database.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { rawSession } from "../harness/raw-session.js";
import { xml, type TestClient, type Transport, type XmlElement } from "../harness/test-client.js";

const NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";
const VALUE = '{"65f0a1_lobby@conference.chat.example.com":"1772618245224"}';
const VALUE_ESCAPED = "{&quot;65f0a1_lobby@conference.chat.example.com&quot;:&quot;1772618245224&quot;}";
let nextId = 0;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

async function ask(client: TestClient, type: "get" | "set", to: string | undefined, ...children: XmlElement[]): Promise<XmlElement> {
  const id = `p${++nextId}`;
  await client.send(xml("iq", { type, id, ...(to === undefined ? {} : { to }) }, xml("query", { xmlns: "jabber:iq:private" }, ...children)));
  return client.receive((s) => s.is("iq") && s.attrs.id === id && (s.attrs.type === "result" || s.attrs.type === "error"));
}

function condition(reply: XmlElement): string | undefined {
  const first = reply.getChild("error")?.children.find((c): c is XmlElement => typeof c !== "string");
  return first?.attrs.xmlns === NS_STANZAS ? `${reply.getChild("error")?.attrs.type}/${first.name}` : undefined;
}

function storedChildren(reply: XmlElement): string[] {
  return (reply.getChild("query", "jabber:iq:private")?.children ?? []).map(String);
}

describe("private storage, the §9.5 example byte for byte", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ users: ["65f0a1_alice"], config: { auth: { anonymous: true } } });
  });
  afterAll(() => server.stop());

  it.each(["tcp", "tls", "ws"] as const)("round-trips the chatjson read state with &quot; unchanged over %s", async (transport) => {
    const { raw } = await rawSession(server, transport, { user: "65f0a1_alice", resource: "res1" });
    // On WebSocket, top-level stanzas may declare jabber:client (RFC 7395 §3.3); the rest is exact.
    const top = transport !== "ws" ? "<iq" : /<iq(?: xmlns="jabber:client")?/.source;
    const bare = `65f0a1_alice@${server.domain}`;
    raw.send(
      `<iq type="set" id="set-chats-private-req:1772618245224"><query xmlns="jabber:iq:private"><chatjson xmlns="chatjson:store" value="${VALUE_ESCAPED}"/></query></iq>`,
    );
    const setReply = new RegExp(`${top}${escape(` type="result" id="set-chats-private-req:1772618245224" from="${bare}" to="${bare}/res1"/>`)}`);
    expect(await raw.waitFor(setReply)).toMatch(setReply);
    raw.send('<iq type="get" id="get-chats-private-req:1772618300000"><query xmlns="jabber:iq:private"><chatjson xmlns="chatjson:store"/></query></iq>');
    const getReply = new RegExp(
      top +
        escape(
          ` type="result" id="get-chats-private-req:1772618300000" from="${bare}" to="${bare}/res1">` +
            `<query xmlns="jabber:iq:private"><chatjson xmlns="chatjson:store" value="${VALUE_ESCAPED}"/></query></iq>`,
        ),
    );
    expect(await raw.waitFor(getReply)).toMatch(getReply);
    raw.close();
  });

  it("refuses anonymous sessions with cancel/not-allowed", async () => {
    const { raw } = await rawSession(server, "tcp", "anonymous");
    raw.send('<iq type="get" id="anon1"><query xmlns="jabber:iq:private"><chatjson xmlns="chatjson:store"/></query></iq>');
    const text = await raw.waitFor(/id="anon1"[\s\S]*<\/iq>/);
    expect(text).toMatch(/<iq type="error" id="anon1"[^>]*>[\s\S]*<error type="cancel"><not-allowed xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"\/><\/error><\/iq>/);
    raw.close();
  });
});

describe.each<Transport>(["tcp", "ws"])("private storage over %s", (transport) => {
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  beforeAll(async () => {
    server = await startTestServer({ users: ["alice", "bob"], config: { c2s: { max_stanza_size: 1_048_576 } } });
    alice = await server.connect("alice", { transport });
    bob = await server.connect("bob", { transport });
  });
  afterAll(() => server.stop());

  it("returns the requested element as sent when nothing is stored", async () => {
    const reply = await ask(alice, "get", undefined, xml("chatjson", { xmlns: "chatjson:store" }));
    expect(reply.attrs.from).toBe("alice@localhost");
    expect(storedChildren(reply)).toEqual(['<chatjson xmlns="chatjson:store"/>']);
  });

  it("replaces an element whole, keyed by name and namespace, addressed to the own bare JID", async () => {
    const first = xml("prefs", { xmlns: "urn:example:prefs", a: "1" }, xml("one", {}, "1"), xml("two", {}));
    const second = xml("prefs", { xmlns: "urn:example:prefs", b: "2" }, xml("three", {}, "3 & <4>"));
    const other = xml("prefs", { xmlns: "urn:example:other" }, "text");
    expect((await ask(alice, "set", "alice@localhost", first, other)).attrs.type).toBe("result");
    expect((await ask(alice, "set", undefined, second)).attrs.type).toBe("result");
    const reply = await ask(alice, "get", "alice@localhost", xml("prefs", { xmlns: "urn:example:prefs" }), xml("prefs", { xmlns: "urn:example:other" }));
    expect(storedChildren(reply)).toEqual([second.toString(), other.toString()]);
  });

  it("refuses requests for another user or the server with forbidden", async () => {
    for (const type of ["get", "set"] as const) {
      for (const to of ["bob@localhost", "localhost"]) {
        const reply = await ask(alice, type, to, xml("chatjson", { xmlns: "chatjson:store", value: "x" }));
        expect(condition(reply)).toBe("auth/forbidden");
      }
    }
    expect(storedChildren(await ask(bob, "get", undefined, xml("chatjson", { xmlns: "chatjson:store" })))).toEqual(['<chatjson xmlns="chatjson:store"/>']);
  });

  it("refuses children in the jabber:client or jabber:iq:private namespace with not-acceptable", async () => {
    for (const type of ["get", "set"] as const) {
      // No xmlns of its own: the child is in jabber:iq:private.
      expect(condition(await ask(alice, type, undefined, xml("plain", {})))).toBe("modify/not-acceptable");
      expect(condition(await ask(alice, type, undefined, xml("body", { xmlns: "jabber:client" })))).toBe("modify/not-acceptable");
    }
  });

  it("refuses an element over 262144 bytes with not-acceptable and stores nothing of that set", async () => {
    const big = xml("big", { xmlns: "urn:example:big" }, "x".repeat(262_144));
    const small = xml("small", { xmlns: "urn:example:small" });
    expect(condition(await ask(alice, "set", undefined, small, big))).toBe("modify/not-acceptable");
    const reply = await ask(alice, "get", undefined, xml("small", { xmlns: "urn:example:small" }));
    expect(storedChildren(reply)).toEqual(['<small xmlns="urn:example:small"/>']);
    const fits = xml("big", { xmlns: "urn:example:big" }, "x".repeat(262_144 - '<big xmlns="urn:example:big"></big>'.length));
    expect((await ask(alice, "set", undefined, fits)).attrs.type).toBe("result");
  });

  it("refuses a set that would hold more than 100 elements with wait/resource-constraint and stores nothing", async () => {
    const elements = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => xml("e", { xmlns: `urn:example:n${from + i}` }));
    expect((await ask(bob, "set", undefined, ...elements(0, 99))).attrs.type).toBe("result");
    const refused = await ask(bob, "set", undefined, ...elements(99, 101));
    expect(condition(refused)).toBe("wait/resource-constraint");
    expect(storedChildren(await ask(bob, "get", undefined, xml("e", { xmlns: "urn:example:n99" })))).toEqual(['<e xmlns="urn:example:n99"/>']);
    // Exactly 100 is allowed, and replacing stored elements needs no room.
    expect((await ask(bob, "set", undefined, ...elements(95, 100))).attrs.type).toBe("result");
    expect((await ask(bob, "set", undefined, xml("e", { xmlns: "urn:example:n0" }, "again"))).attrs.type).toBe("result");
    expect(condition(await ask(bob, "set", undefined, xml("e", { xmlns: "urn:example:n100" })))).toBe("wait/resource-constraint");
  });

  it("answers bad-request for an empty query", async () => {
    expect(condition(await ask(alice, "get", undefined))).toBe("modify/bad-request");
  });

  it("deletes the account's private data with the account", async () => {
    await server.register("carol");
    const carol = await server.connect("carol", { transport });
    const stored = xml("chatjson", { xmlns: "chatjson:store", value: VALUE });
    expect((await ask(carol, "set", undefined, stored)).attrs.type).toBe("result");
    expect((await server.api("unregister", { user: "carol", host: "localhost" })).status).toBe(200);
    await server.register("carol");
    const again = await server.connect("carol", { transport });
    expect(storedChildren(await ask(again, "get", undefined, xml("chatjson", { xmlns: "chatjson:store" })))).toEqual(['<chatjson xmlns="chatjson:store"/>']);
  });
});

describe.each(backendsUnderTest())("private storage persistence on %s", (backend) => {
  it("keeps the read state across a restart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rtc-private-"));
    const first = await startTestServer({ database: backend, dataDir, users: ["alice"] });
    const databaseUrl = first.databaseUrl;
    try {
      const alice = await first.connect("alice");
      expect((await ask(alice, "set", undefined, xml("chatjson", { xmlns: "chatjson:store", value: VALUE }))).attrs.type).toBe("result");
      await first.stop({ keepData: true });
      const second = await startTestServer({ database: backend, dataDir, databaseUrl });
      try {
        const again = await second.connect("alice");
        const reply = await ask(again, "get", undefined, xml("chatjson", { xmlns: "chatjson:store" }));
        expect(reply.getChild("query")?.getChild("chatjson", "chatjson:store")?.attrs.value).toBe(VALUE);
      } finally {
        await second.stop({ keepData: true });
      }
    } finally {
      await dropTestSchema(databaseUrl);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/** The restarted server did not create the PostgreSQL schema, so it does not drop it either. */
async function dropTestSchema(databaseUrl: string): Promise<void> {
  const schema = new URL(databaseUrl).searchParams.get("schema");
  const base = postgresTestUrl();
  if (schema === null || base === undefined || !/^rtc_it_[0-9a-f]+$/.test(schema)) return;
  const pool = new pg.Pool({ connectionString: base, max: 1 });
  await pool.query(`drop schema if exists ${schema} cascade`).finally(() => pool.end());
}
