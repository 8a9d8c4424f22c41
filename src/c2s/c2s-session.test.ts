import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { resolveConfig } from "../config/load-config.js";
import { Hooks } from "../core/hooks.js";
import { LocalSessionDirectory } from "../core/session-directory.js";
import { SharedStanza } from "../router/shared-stanza.js";
import type { Router } from "../router/stanza-router.js";
import type { Connection, ConnectionHandlers, ConnectionKind } from "../transport/connection.js";
import { el, type Element } from "../xml/element.js";
import { serialize } from "../xml/serialize.js";
import type { C2sDeps } from "./c2s-deps.js";
import { C2sSession } from "./c2s-session.js";
import { KeepaliveSweeper } from "./keepalive.js";
import { AuthThrottle } from "./sasl/auth-throttle.js";
import { offeredMechanisms, type SaslAuthBackend } from "./sasl/sasl-mechanism.js";

let nextId = 1;

class FakeConnection implements Connection {
  readonly id = nextId++;
  readonly remoteAddress = "192.0.2.7";
  readonly isSecure = false;
  readonly canStartTls = false;
  readonly bufferedBytes = 0;
  readonly out: string[] = [];
  handlers: ConnectionHandlers | undefined;
  paused = false;
  pauseCalls = 0;
  ended = false;

  constructor(readonly kind: ConnectionKind = "tcp") {}
  setHandlers(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
  }
  write(text: string): void {
    if (!this.ended) this.out.push(text);
  }
  startTls(): Promise<void> {
    return Promise.reject(new Error("no TLS here"));
  }
  pause(): void {
    this.paused = true;
    this.pauseCalls++;
  }
  resume(): void {
    this.paused = false;
  }
  end(): void {
    this.ended = true;
  }
  destroy(): void {
    this.ended = true;
  }
  receive(text: string): void {
    this.handlers?.data(text);
  }
  text(): string {
    return this.out.join("");
  }
}

interface Kit {
  deps: C2sDeps;
  routed: Element[];
  hooks: Hooks;
  connect(kind?: ConnectionKind): { conn: FakeConnection; session: C2sSession };
}

interface KitOptions {
  throttle?: AuthThrottle;
  onStanza?: (stanza: Element) => Promise<void> | void;
  onClosed?: (unacked: readonly Element[]) => void;
}

function kit(options: KitOptions = {}): Kit {
  const config = resolveConfig({ hosts: ["localhost"], database: { url: "sqlite::memory:" }, log: { level: "silent" } }, {}, "/tmp");
  const hooks = new Hooks();
  const onStanza = options.onStanza;
  if (onStanza) hooks.on("client.stanza-sent", async ({ stanza }) => void (await onStanza(stanza)));
  const onClosed = options.onClosed;
  if (onClosed) hooks.on("session.closed", ({ unacked }) => onClosed(unacked));
  hooks.freeze();
  const routed: Element[] = [];
  const backend: SaslAuthBackend = { host: "localhost", getCredentials: () => Promise.resolve(undefined) };
  const deps: C2sDeps = {
    config,
    hosts: new Set(["localhost"]),
    log: pino({ level: "silent" }),
    router: { route: (stanza: Element) => void routed.push(stanza) } as unknown as Router,
    sessions: new LocalSessionDirectory(),
    hooks,
    throttle: options.throttle ?? new AuthThrottle(),
    keepalive: new KeepaliveSweeper({ intervalMs: 60_000, timeoutMs: 30_000, authTimeoutMs: 120_000 }),
    resumable: new Map(),
    streams: new Set(),
    auth: {
      saslBackend: () => backend,
      mechanisms: (offer) => offeredMechanisms({ mechanisms: offer, jwtConfigured: false, anonymous: true }),
      accountReady: () => Promise.resolve(true),
    },
  };
  return {
    deps,
    routed,
    hooks,
    connect(kind = "tcp") {
      const conn = new FakeConnection(kind);
      return { conn, session: new C2sSession(deps, conn, ["PLAIN"]) };
    },
  };
}

const HEADER = `<stream:stream to="localhost" xmlns="jabber:client" xmlns:stream="http://etherx.jabber.org/streams" version="1.0">`;
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

const WS_OPEN = `<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="localhost" version="1.0"/>`;

/** Takes a fake stream to a bound session with SASL ANONYMOUS. */
async function bound(k: Kit, resource = "r", kind: ConnectionKind = "tcp"): Promise<{ conn: FakeConnection; session: C2sSession }> {
  const { conn, session } = k.connect(kind);
  const open = kind === "websocket" ? WS_OPEN : HEADER;
  conn.receive(open);
  conn.receive(`<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="ANONYMOUS"/>`);
  await vi.waitFor(() => expect(conn.text()).toContain("<success"));
  conn.receive(open);
  conn.receive(`<iq type="set" id="b"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><resource>${resource}</resource></bind></iq>`);
  await vi.waitFor(() => expect(session.state).toBe("bound"));
  conn.out.length = 0;
  return { conn, session };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("C2sSession input order (RFC 6120 §10.1)", () => {
  it("handles a stanza sent right before the stream close, then answers the close", async () => {
    const k = kit();
    const { conn, session } = await bound(k);
    conn.receive(`<message to="someone@localhost" type="chat" id="last"><body>bye</body></message></stream:stream>`);
    await vi.waitFor(() => expect(session.state).toBe("closed"));
    expect(k.routed.map((s) => s.attrs["id"])).toEqual(["last"]);
    expect(conn.text()).toBe("</stream:stream>");
    expect(conn.ended).toBe(true);
  });

  it("handles the stanzas before a parse error, then sends the stream error", async () => {
    const k = kit();
    const { conn, session } = await bound(k);
    conn.receive(`<message to="a@localhost" id="ok"/><message to="a@localhost" id="bad"></iq>`);
    await vi.waitFor(() => expect(session.state).toBe("closed"));
    expect(k.routed.map((s) => s.attrs["id"])).toEqual(["ok"]);
    expect(conn.text()).toMatch(/<not-well-formed xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>/);
  });

  it("pauses reading while its queue is full and resumes once it drains, keeping the order", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const k = kit({ onStanza: (stanza) => (stanza.attrs["id"] === "m0" ? gate : undefined) });
    const { conn, session } = await bound(k);
    let chunk = "";
    for (let i = 0; i < 200; i++) chunk += `<message to="a@localhost" id="m${i}"/>`;
    conn.receive(chunk);
    await settle();
    expect(conn.paused).toBe(true);
    expect(session.isReadPaused).toBe(true);
    expect(k.routed).toEqual([]);
    release();
    await vi.waitFor(() => expect(k.routed).toHaveLength(200));
    expect(k.routed.map((s) => s.attrs["id"])).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`));
    expect(conn.paused).toBe(false);
    expect(conn.pauseCalls).toBe(1);
    expect(session.inboxLength).toBe(0);
  });
});

describe("C2sSession SASL failures (PROTOCOL §2.2)", () => {
  const bogus = `<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="BOGUS"/>`;
  const failures = (conn: FakeConnection) => conn.text().split("<invalid-mechanism/>").length - 1;

  it("answers the 4th and later failures from one address only after the throttle's delay", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let now = 1_000_000;
    const k = kit({ throttle: new AuthThrottle({ now: () => now }) });
    const { conn } = k.connect();
    conn.receive(HEADER);
    for (let i = 1; i <= 3; i++) {
      conn.receive(bogus);
      await vi.waitFor(() => expect(failures(conn)).toBe(i));
    }
    conn.receive(bogus);
    await settle();
    await settle();
    expect(failures(conn)).toBe(3);
    await vi.advanceTimersByTimeAsync(499);
    expect(failures(conn)).toBe(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(failures(conn)).toBe(4);
    now += 60_000 * 10; // long after: the address is forgiven
    conn.receive(bogus);
    await settle();
    await vi.advanceTimersByTimeAsync(0);
    await vi.waitFor(() => expect(failures(conn)).toBe(5));
  });

  it("ends the stream with policy-violation after the 5th failure, and an <abort/> costs no delay", async () => {
    const k = kit({ throttle: new AuthThrottle({ freeFailures: 100 }) });
    const { conn, session } = k.connect();
    conn.receive(HEADER);
    conn.receive(`<abort xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>`);
    await vi.waitFor(() => expect(conn.text()).toContain("<aborted/>"));
    for (let i = 0; i < 4; i++) conn.receive(bogus);
    await vi.waitFor(() => expect(session.state).toBe("closed"));
    expect(failures(conn)).toBe(4);
    expect(conn.text()).toMatch(/<\/failure><stream:error xmlns:stream="http:\/\/etherx.jabber.org\/streams"><policy-violation xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>/);
  });
});

describe("C2sSession output", () => {
  it("escapes the full JID in the server's keepalive ping (PROTOCOL §2.10)", async () => {
    const k = kit();
    const { conn, session } = await bound(k, `a"b&amp;c&lt;d`); // the resource is a"b&c<d
    session.sendKeepalive();
    expect(conn.text()).toMatch(/^<iq type="get" id="ka-1" from="localhost" to="anon-[0-9a-f]{16}@localhost\/a&quot;b&amp;c&lt;d"><ping xmlns="urn:xmpp:ping"\/><\/iq>$/);
  });

  it("writes a shared broadcast's bytes with its own `to`, and keeps a copy for stream management", async () => {
    const k = kit();
    const { conn, session } = await bound(k);
    conn.receive(`<enable xmlns="urn:xmpp:sm:3"/>`);
    await vi.waitFor(() => expect(conn.text()).toContain("<enabled"));
    conn.out.length = 0;
    const shared = new SharedStanza(el("message", { from: "room@conference.localhost/n", type: "groupchat" }, el("body", null, "hi")));
    session.deliverShared(shared);
    const to = session.jid.toString();
    expect(conn.text()).toBe(`<message to="${to}" from="room@conference.localhost/n" type="groupchat"><body>hi</body></message>`);
    expect(session.sm?.unacked().map((s) => serialize(s, "jabber:client"))).toEqual([`<message from="room@conference.localhost/n" type="groupchat" to="${to}"><body>hi</body></message>`]);
  });

  it("ends a session whose client leaves more than 5000 stanzas unacknowledged, handing them all to session.closed", async () => {
    let handedOver: readonly Element[] = [];
    const k = kit({ onClosed: (unacked) => (handedOver = unacked) });
    const { conn, session } = await bound(k);
    conn.receive(`<enable xmlns="urn:xmpp:sm:3"/>`);
    await vi.waitFor(() => expect(conn.text()).toContain("<enabled"));
    for (let i = 0; i < 5000; i++) session.deliver(el("message", { id: `q${i}` }));
    expect(session.state).toBe("bound");
    session.deliver(el("message", { id: "one-too-many" }));
    expect(session.state).toBe("closed");
    expect(conn.text()).toContain(`<policy-violation xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>`);
    await vi.waitFor(() => expect(handedOver).toHaveLength(5001));
    expect(handedOver.at(-1)?.attrs["id"]).toBe("one-too-many");
  });

  it("declares jabber:client on every stanza over WebSocket, also on those built without a namespace (RFC 7395 §3.3.3)", async () => {
    const k = kit();
    const { conn, session } = await bound(k, "r", "websocket");
    session.deliver(el("message", { from: "x@localhost/y", to: session.jid.toString(), type: "chat" }, el("body", null, "hi")));
    session.send(el("iq", { type: "result", id: "1" }));
    expect(conn.out).toEqual([
      `<message xmlns="jabber:client" from="x@localhost/y" to="${session.jid.toString()}" type="chat"><body>hi</body></message>`,
      `<iq xmlns="jabber:client" type="result" id="1"/>`,
    ]);
  });
});
