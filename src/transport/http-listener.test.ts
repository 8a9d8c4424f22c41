// HTTP listener routing, RFC 7395 WebSocket upgrade and the WebSocket Connection (PROTOCOL §1.3, §1.4, §2.10, §9.1).
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import type { Connection } from "./connection.js";
import { listenHttp, routeOf, selectSubprotocol, type Listener } from "./http-listener.js";
import { loadOrCreateTlsCredentials } from "./tls-credentials.js";

interface ServerSide {
  conn: Connection;
  request: IncomingMessage;
  frames: string[];
  closed: Promise<boolean>;
  closeCount(): number;
  nextFrame(): Promise<string>;
}

const MAX_FRAME = 1024;
let dataDir: string;
let credentials: { cert: string; key: string };
const listeners: Listener[] = [];
const clients: WebSocket[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "rtc-http-test-"));
  credentials = await loadOrCreateTlsCredentials({ dataDir, hostnames: ["localhost"] });
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});
afterEach(async () => {
  vi.restoreAllMocks();
  for (const client of clients.splice(0)) client.terminate();
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

async function start(options: { https?: boolean } = {}) {
  const sides: ServerSide[] = [];
  const waiting: ((side: ServerSide) => void)[] = [];
  const listener = await listenHttp({
    host: "127.0.0.1",
    port: 0,
    tls: options.https === true ? credentials : undefined,
    maxFrameBytes: MAX_FRAME,
    onWebSocket(conn, request) {
      const side = observe(conn, request);
      const waiter = waiting.shift();
      if (waiter) waiter(side);
      else sides.push(side);
    },
    onApi(req, res) {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(`api:${req.url ?? ""}`);
    },
    onBosh(req, res) {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(`bosh:${req.method ?? ""}`);
    },
  });
  listeners.push(listener);
  const next = (): Promise<ServerSide> => {
    const side = sides.shift();
    return side ? Promise.resolve(side) : new Promise((resolve) => waiting.push(resolve));
  };
  return { port: listener.port, next };
}

function observe(conn: Connection, request: IncomingMessage): ServerSide {
  const frames: string[] = [];
  const waiters: ((frame: string) => void)[] = [];
  let closes = 0;
  let resolveClosed: (hadError: boolean) => void = () => {};
  const closed = new Promise<boolean>((resolve) => (resolveClosed = resolve));
  conn.setHandlers({
    data(chunk) {
      const waiter = waiters.shift();
      if (waiter) waiter(chunk);
      else frames.push(chunk);
    },
    close(hadError) {
      closes += 1;
      resolveClosed(hadError);
    },
  });
  const nextFrame = (): Promise<string> => {
    const frame = frames.shift();
    return frame !== undefined ? Promise.resolve(frame) : new Promise((resolve) => waiters.push(resolve));
  };
  return { conn, request, frames, closed, closeCount: () => closes, nextFrame };
}

function openClient(url: string, protocols: string[] = ["xmpp"], options: { rejectUnauthorized?: boolean } = {}) {
  const client = new WebSocket(url, protocols, options);
  clients.push(client);
  return new Promise<WebSocket>((resolve, reject) => {
    client.once("open", () => resolve(client));
    client.once("error", reject);
  });
}

/** Sends a raw upgrade request and returns the status and headers of the server's answer. */
function rawUpgrade(port: number, path: string, protocols?: string) {
  const headers: Record<string, string> = {
    connection: "Upgrade",
    upgrade: "websocket",
    "sec-websocket-version": "13",
    "sec-websocket-key": randomBytes(16).toString("base64"),
  };
  if (protocols !== undefined) headers["sec-websocket-protocol"] = protocols;
  return new Promise<{ status: number; protocol: string | undefined }>((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, headers });
    req.on("upgrade", (res: IncomingMessage, socket: Socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, protocol: res.headers["sec-websocket-protocol"] });
    });
    req.on("response", (res: IncomingMessage) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, protocol: res.headers["sec-websocket-protocol"] });
    });
    req.on("error", reject);
    req.end();
  });
}

function get(port: number, path: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

function nextMessage(client: WebSocket): Promise<string> {
  return new Promise((resolve) => client.once("message", (data) => resolve(String(data))));
}

function closeCode(client: WebSocket): Promise<number> {
  return new Promise((resolve) => client.once("close", (code: number) => resolve(code)));
}

describe("routing", () => {
  it("maps paths to routes, ignoring the query string", () => {
    expect(["/ws", "/ws/", "/ws?x=1"].map(routeOf)).toEqual(["ws", "ws", "ws"]);
    expect(["/api", "/api/", "/api/v1/users", "/api?x"].map(routeOf)).toEqual(["api", "api", "api", "api"]);
    expect(["/bosh", "/bosh/", "/bosh?x=1"].map(routeOf)).toEqual(["bosh", "bosh", "bosh"]);
    expect(["/", "/wss", "/ws/x", "/apix", "/boshx", "/bosh/x", undefined].map(routeOf)).toEqual(Array(7).fill("none"));
  });

  it("sends /api requests to onApi and answers 404 elsewhere (§1.3)", async () => {
    const { port } = await start();
    expect(await get(port, "/api")).toEqual({ status: 200, body: "api:/api" });
    expect(await get(port, "/api/status?x=1")).toEqual({ status: 200, body: "api:/api/status?x=1" });
    for (const path of ["/", "/boshx", "/index.html", "/apix"]) expect((await get(port, path)).status).toBe(404);
    expect((await get(port, "/ws")).status).toBe(426);
  });

  it("rejects WebSocket upgrades on other paths with 404", async () => {
    const { port } = await start();
    expect((await rawUpgrade(port, "/other", "xmpp")).status).toBe(404);
    expect((await rawUpgrade(port, "/api", "xmpp")).status).toBe(404);
    expect((await rawUpgrade(port, "/ws/", "xmpp")).status).toBe(101);
  });
});

describe("subprotocol selection (§1.4)", () => {
  it("prefers xmpp, then xmpp-framing, else sends no header but still accepts", async () => {
    const { port } = await start();
    expect(await rawUpgrade(port, "/ws", "xmpp-framing, xmpp")).toEqual({ status: 101, protocol: "xmpp" });
    expect(await rawUpgrade(port, "/ws", "chat, xmpp-framing")).toEqual({ status: 101, protocol: "xmpp-framing" });
    expect(await rawUpgrade(port, "/ws")).toEqual({ status: 101, protocol: undefined });
    expect(await rawUpgrade(port, "/ws", "mqtt")).toEqual({ status: 101, protocol: undefined });
    expect(selectSubprotocol(new Set(["XMPP"]))).toBe(false);
  });
});

describe("WebSocket connection", () => {
  it("delivers one frame per data call, text or binary, and reports the peer", async () => {
    const server = await start();
    const client = await openClient(`ws://127.0.0.1:${server.port}/ws`);
    const side = await server.next();
    expect(side.conn.kind).toBe("websocket");
    expect(side.conn.remoteAddress).toBe("127.0.0.1");
    expect(side.conn.isSecure).toBe(false);
    expect(side.conn.canStartTls).toBe(false);
    await expect(side.conn.startTls()).rejects.toThrow();
    client.send("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>");
    client.send("<iq/>");
    client.send(Buffer.from("<presence>é</presence>"), { binary: true });
    expect(await side.nextFrame()).toBe("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>");
    expect(await side.nextFrame()).toBe("<iq/>");
    expect(await side.nextFrame()).toBe("<presence>é</presence>");
  });

  it("sends one frame per write and batches the frames of one turn into one socket write", async () => {
    const server = await start();
    const client = await openClient(`ws://127.0.0.1:${server.port}/ws`);
    const side = await server.next();
    const received: string[] = [];
    const allArrived = new Promise<void>((resolve) =>
      client.on("message", (data) => received.push(String(data)) === 3 && resolve()),
    );
    // ws writes each frame as header + payload; corked, they all reach the kernel through one _writev call.
    const socketInternals = Socket.prototype as unknown as { _writev(...args: unknown[]): void };
    const writevSpy = vi.spyOn(socketInternals, "_writev");
    const writeSpy = vi.spyOn(Socket.prototype, "_write");
    side.conn.write("<open/>");
    side.conn.write("<stream:features/>");
    side.conn.write("<message><body>€</body></message>");
    await allArrived;
    expect(received).toEqual(["<open/>", "<stream:features/>", "<message><body>€</body></message>"]);
    const own = (contexts: unknown[]) => contexts.filter((s) => s === side.request.socket).length;
    expect(own(writevSpy.mock.contexts)).toBe(1);
    expect(own(writeSpy.mock.contexts)).toBe(0);
  });

  it("closes with 1009 when a frame exceeds maxFrameBytes (§9.1)", async () => {
    const server = await start();
    const client = await openClient(`ws://127.0.0.1:${server.port}/ws`);
    const side = await server.next();
    client.send("a".repeat(MAX_FRAME));
    expect(await side.nextFrame()).toHaveLength(MAX_FRAME);
    const code = closeCode(client);
    client.send("b".repeat(MAX_FRAME + 1));
    expect(await code).toBe(1009);
    expect(await side.closed).toBe(true);
    expect(side.frames).toEqual([]);
    expect(side.closeCount()).toBe(1);
  });

  it("sends ping frames, and a pong counts as activity (§2.10)", async () => {
    const server = await start();
    const client = await openClient(`ws://127.0.0.1:${server.port}/ws`);
    const side = await server.next();
    let activity = 0;
    const pongSeen = new Promise<void>((resolve) => {
      side.conn.onActivity = () => {
        activity += 1;
        resolve();
      };
    });
    const pinged = new Promise<void>((resolve) => client.once("ping", () => resolve()));
    expect(side.conn.sendPing).toBeTypeOf("function");
    side.conn.sendPing?.();
    await pinged; // the ws client answers with a pong by itself
    await pongSeen;
    expect(activity).toBe(1);
    const clientPing = new Promise<void>((resolve) => (side.conn.onActivity = resolve));
    client.ping();
    await clientPing;
  });

  it("end() sends close 1000 and reports close once", async () => {
    const server = await start();
    const client = await openClient(`ws://127.0.0.1:${server.port}/ws`);
    const side = await server.next();
    const code = closeCode(client);
    const last = nextMessage(client);
    side.conn.write("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>");
    side.conn.end();
    side.conn.write("<dropped/>");
    expect(await last).toBe("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>");
    expect(await code).toBe(1000);
    expect(await side.closed).toBe(false);
    expect(side.closeCount()).toBe(1);
  });

  it("survives a client that vanishes while the server is writing", async () => {
    const server = await start();
    const client = await openClient(`ws://127.0.0.1:${server.port}/ws`);
    const side = await server.next();
    let open = true;
    void side.closed.then(() => (open = false));
    const pump = (): void => {
      if (!open) return;
      for (let i = 0; i < 16; i += 1) side.conn.write("y".repeat(4096));
      setImmediate(pump);
    };
    pump();
    await nextMessage(client);
    client.terminate();
    await side.closed;
    side.conn.write("late");
    side.conn.sendPing?.();
    side.conn.end();
    expect(side.closeCount()).toBe(1);
  });

  it("works over HTTPS and reports the connection as secure", async () => {
    const server = await start({ https: true });
    const client = await openClient(`wss://127.0.0.1:${server.port}/ws`, ["xmpp"], { rejectUnauthorized: false });
    expect(client.protocol).toBe("xmpp");
    const side = await server.next();
    expect(side.conn.isSecure).toBe(true);
    const reply = nextMessage(client);
    client.send("<open/>");
    expect(await side.nextFrame()).toBe("<open/>");
    side.conn.write("<open from='localhost'/>");
    expect(await reply).toBe("<open from='localhost'/>");
  });
});
