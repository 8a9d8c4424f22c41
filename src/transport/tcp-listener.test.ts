// TCP / TLS / STARTTLS transport over real loopback sockets (PROTOCOL §1.3).
import { mkdtemp, rm } from "node:fs/promises";
import { connect as netConnect, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Connection } from "./connection.js";
import { listenTcp, type Listener } from "./tcp-listener.js";
import { loadOrCreateTlsCredentials } from "./tls-credentials.js";

interface ServerSide {
  conn: Connection;
  received: string[];
  closed: Promise<boolean>;
  closeCount(): number;
  /** Resolves once the received text (all chunks joined) contains `marker`. */
  waitFor(marker: string): Promise<string>;
}

let credentials: { cert: string; key: string };
let dataDir: string;
const listeners: Listener[] = [];
const clients: Socket[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "rtc-tcp-test-"));
  credentials = await loadOrCreateTlsCredentials({ dataDir, hostnames: ["localhost"] });
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});
afterEach(async () => {
  vi.restoreAllMocks();
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

/** Starts a listener whose accepted connections are handed out in order through `next()`. */
async function start(options: { tls?: boolean; starttls?: boolean } = {}) {
  const queue: ServerSide[] = [];
  const waiting: ((side: ServerSide) => void)[] = [];
  const listener = await listenTcp({
    host: "127.0.0.1",
    port: 0,
    tls: options.tls === true ? credentials : undefined,
    starttls: options.starttls === true ? credentials : undefined,
    onConnection(conn) {
      const side = observe(conn);
      const waiter = waiting.shift();
      if (waiter) waiter(side);
      else queue.push(side);
    },
  });
  listeners.push(listener);
  const next = (): Promise<ServerSide> => {
    const side = queue.shift();
    return side ? Promise.resolve(side) : new Promise((resolve) => waiting.push(resolve));
  };
  return { port: listener.port, next, listener };
}

function observe(conn: Connection): ServerSide {
  const received: string[] = [];
  let closes = 0;
  let resolveClosed: (hadError: boolean) => void = () => {};
  const closed = new Promise<boolean>((resolve) => (resolveClosed = resolve));
  const watchers: { marker: string; resolve: (text: string) => void }[] = [];
  conn.setHandlers({
    data(chunk) {
      received.push(chunk);
      const all = received.join("");
      for (const w of watchers.filter((x) => all.includes(x.marker))) w.resolve(all);
    },
    close(hadError) {
      closes += 1;
      resolveClosed(hadError);
    },
  });
  const waitFor = (marker: string): Promise<string> => {
    const all = received.join("");
    if (all.includes(marker)) return Promise.resolve(all);
    return new Promise((resolve) => watchers.push({ marker, resolve }));
  };
  return { conn, received, closed, closeCount: () => closes, waitFor };
}

function plainClient(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
    clients.push(socket);
  });
}

/** Collects everything `socket` receives; `until(marker)` resolves once it has arrived. */
function collect(socket: Socket) {
  let text = "";
  const chunks: string[] = [];
  const watchers: { marker: string; resolve: (t: string) => void }[] = [];
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    chunks.push(chunk);
    text += chunk;
    for (const w of watchers.filter((x) => text.includes(x.marker))) w.resolve(text);
  });
  const until = (marker: string): Promise<string> =>
    text.includes(marker) ? Promise.resolve(text) : new Promise((resolve) => watchers.push({ marker, resolve }));
  return { chunks, until, text: () => text };
}

describe("plain TCP connection", () => {
  it("delivers client text and reports the peer address", async () => {
    const server = await start();
    const client = await plainClient(server.port);
    const side = await server.next();
    client.write("<stream:stream to='localhost'>");
    expect(await side.waitFor("<stream:stream")).toBe("<stream:stream to='localhost'>");
    expect(side.conn.kind).toBe("tcp");
    expect(side.conn.remoteAddress).toBe("127.0.0.1");
    expect(side.conn.isSecure).toBe(false);
    expect(side.conn.canStartTls).toBe(false);
    expect(side.conn.sendPing).toBeUndefined();
    await expect(side.conn.startTls()).rejects.toThrow(/STARTTLS is not available/);
  });

  it("gives every connection a distinct id", async () => {
    const server = await start();
    await plainClient(server.port);
    await plainClient(server.port);
    const [a, b] = [await server.next(), await server.next()];
    expect(a.conn.id).not.toBe(b.conn.id);
  });

  it("coalesces all writes of one event-loop turn into one socket write, in order", async () => {
    const server = await start();
    const client = await plainClient(server.port);
    const inbox = collect(client);
    const side = await server.next();
    const writeSpy = vi.spyOn(Socket.prototype, "write");
    const expected = Array.from({ length: 100 }, (_, i) => `<message id='m${i}'><body>${i}</body></message>`);
    for (const stanza of expected) side.conn.write(stanza);
    expect(side.conn.bufferedBytes).toBe(expected.join("").length);
    expect(await inbox.until("id='m99'")).toBe(expected.join(""));
    const serverWrites = writeSpy.mock.contexts.filter((s) => s instanceof Socket && s.remotePort === client.localPort);
    expect(serverWrites).toHaveLength(1);
    expect(side.conn.bufferedBytes).toBe(0);
  });

  it("joins a multi-byte character split across two TCP segments", async () => {
    const server = await start();
    const client = await plainClient(server.port);
    const side = await server.next();
    const euro = Buffer.from("€", "utf8"); // e2 82 ac
    client.write(Buffer.concat([Buffer.from("a"), euro.subarray(0, 2)]));
    await side.waitFor("a");
    client.write(Buffer.concat([euro.subarray(2), Buffer.from("b")]));
    expect(await side.waitFor("b")).toBe("a€b");
    expect(side.received[0]).toBe("a"); // the split really reached the server as two reads
    expect(side.received.join("")).not.toContain("\uFFFD");
  });

  it("end() flushes pending writes, then closes once without error", async () => {
    const server = await start();
    const client = await plainClient(server.port);
    const inbox = collect(client);
    const side = await server.next();
    const clientEnded = new Promise<void>((resolve) => client.on("end", resolve));
    side.conn.write("<close/>");
    side.conn.end();
    side.conn.write("<dropped/>");
    await clientEnded;
    expect(inbox.text()).toBe("<close/>");
    client.end();
    expect(await side.closed).toBe(false);
    expect(side.closeCount()).toBe(1);
  });

  it("destroy() drops pending writes and reports close once", async () => {
    const server = await start();
    const client = await plainClient(server.port);
    const inbox = collect(client);
    const side = await server.next();
    const clientClosed = new Promise<void>((resolve) => client.on("close", () => resolve()));
    side.conn.write("<never/>");
    side.conn.destroy();
    side.conn.destroy();
    await side.closed;
    await clientClosed;
    expect(inbox.text()).toBe("");
    expect(side.closeCount()).toBe(1);
  });

  it("survives a client that resets the connection while the server is writing", async () => {
    const server = await start();
    const client = await plainClient(server.port);
    const side = await server.next();
    const block = "x".repeat(64 * 1024);
    let open = true;
    const pump = (): void => {
      if (!open) return;
      side.conn.write(block);
      setImmediate(pump);
    };
    side.closed.then(() => (open = false));
    pump();
    await new Promise<void>((resolve) => client.once("data", () => resolve()));
    client.resetAndDestroy(); // RST while the server still has megabytes queued
    await side.closed;
    side.conn.write("after close");
    side.conn.end();
    side.conn.destroy();
    expect(side.closeCount()).toBe(1);
  });

  it("listener close() closes live connections", async () => {
    const server = await start();
    await plainClient(server.port);
    const side = await server.next();
    await server.listener.close();
    listeners.splice(listeners.indexOf(server.listener), 1);
    await side.closed;
    expect(side.closeCount()).toBe(1);
  });
});

describe("TLS", () => {
  it("upgrades in place with STARTTLS after a plain exchange", async () => {
    const server = await start({ starttls: true });
    const client = await plainClient(server.port);
    const plainInbox = collect(client);
    const side = await server.next();
    expect(side.conn.canStartTls).toBe(true);
    client.write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    await side.waitFor("<starttls");
    side.conn.write("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    const upgraded = side.conn.startTls();
    expect(side.conn.canStartTls).toBe(false);
    await plainInbox.until("<proceed");
    client.removeAllListeners("data");
    const secure = await new Promise<TLSSocket>((resolve, reject) => {
      const s = tlsConnect({ socket: client, rejectUnauthorized: false, servername: "localhost" }, () => resolve(s));
      s.once("error", reject);
    });
    await upgraded;
    expect(side.conn.isSecure).toBe(true);
    expect(side.conn.kind).toBe("tcp");
    const secureInbox = collect(secure);
    secure.write("<stream:stream to='localhost'>é");
    expect(await side.waitFor("é")).toBe("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><stream:stream to='localhost'>é");
    side.conn.write("<stream:stream from='localhost'>");
    expect(await secureInbox.until("from=")).toBe("<stream:stream from='localhost'>");
    secure.destroy();
    expect(await side.closed).toBe(false);
    expect(side.closeCount()).toBe(1);
  });

  it("rejects startTls() and closes once when the client drops during the handshake", async () => {
    const server = await start({ starttls: true });
    const client = await plainClient(server.port);
    const side = await server.next();
    const upgraded = side.conn.startTls();
    client.write("this is not a TLS ClientHello\r\n");
    await expect(upgraded).rejects.toThrow();
    await side.closed;
    expect(side.closeCount()).toBe(1);
    expect(side.conn.isSecure).toBe(false);
  });

  it("speaks TLS from the first byte on a direct-TLS listener", async () => {
    const server = await start({ tls: true });
    const secure = await new Promise<TLSSocket>((resolve, reject) => {
      const s = tlsConnect({ port: server.port, host: "127.0.0.1", rejectUnauthorized: false, servername: "localhost" }, () => resolve(s));
      s.once("error", reject);
    });
    clients.push(secure);
    const inbox = collect(secure);
    const side = await server.next();
    expect(side.conn.kind).toBe("tls");
    expect(side.conn.isSecure).toBe(true);
    expect(side.conn.canStartTls).toBe(false);
    secure.write("<stream:stream>");
    await side.waitFor("<stream:stream>");
    side.conn.write("<a/>");
    side.conn.write("<b/>");
    expect(await inbox.until("<b/>")).toBe("<a/><b/>");
  });
});
