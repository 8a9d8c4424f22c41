/**
 * A byte-level client for checks @xmpp/client cannot make (malformed XML, exact serialisation,
 * stream errors): plain TCP, TLS or WebSocket, text in and out.
 */
import net from "node:net";
import tls from "node:tls";
import WebSocket from "ws";

export interface RawClient {
  /** Everything received so far, concatenated (TCP) or frame by frame (WebSocket). */
  readonly frames: string[];
  text(): string;
  send(text: string): void;
  /** Resolves with the whole received text once it matches. */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  readonly closed: Promise<void>;
  close(): void;
}

function makeRaw(write: (t: string) => void, close: () => void, attach: (onData: (t: string) => void, onClose: () => void) => void): RawClient {
  const frames: string[] = [];
  const listeners = new Set<() => void>();
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  attach(
    (t) => {
      frames.push(t);
      for (const l of listeners) l();
    },
    () => resolveClosed(),
  );
  const text = () => frames.join("");
  return {
    frames,
    text,
    send: write,
    close,
    closed,
    waitFor(pattern, timeoutMs = 5000) {
      const matches = () => (typeof pattern === "string" ? text().includes(pattern) : pattern.test(text()));
      return new Promise((resolve, reject) => {
        if (matches()) return resolve(text());
        const check = () => {
          if (!matches()) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(text());
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${String(pattern)}; got: ${text()}`));
        }, timeoutMs);
        listeners.add(check);
        void closed.then(() => setTimeout(check, 0));
      });
    },
  };
}

export async function rawTcp(port: number, options: { tls?: boolean } = {}): Promise<RawClient> {
  const socket: net.Socket = options.tls
    ? tls.connect({ port, host: "127.0.0.1", rejectUnauthorized: false })
    : net.connect({ port, host: "127.0.0.1" });
  await new Promise<void>((resolve, reject) => {
    socket.once(options.tls ? "secureConnect" : "connect", () => resolve());
    socket.once("error", reject);
  });
  socket.setEncoding("utf8");
  socket.on("error", () => undefined);
  return makeRaw(
    (t) => void socket.write(t),
    () => socket.destroy(),
    (onData, onClose) => {
      socket.on("data", (d: string) => onData(d));
      socket.on("close", onClose);
    },
  );
}

export async function rawWebSocket(url: string, protocols: string[] = ["xmpp"]): Promise<RawClient & { readonly ws: WebSocket }> {
  const ws = new WebSocket(url, protocols, { rejectUnauthorized: false });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const raw = makeRaw(
    (t) => ws.send(t),
    () => ws.terminate(),
    (onData, onClose) => {
      ws.on("message", (d: Buffer) => onData(d.toString("utf8")));
      ws.on("close", onClose);
    },
  );
  return Object.assign(raw, { ws });
}

/** The opening of a c2s stream, as most raw tests need it. */
export function streamHeader(domain: string): string {
  return `<?xml version='1.0'?><stream:stream to='${domain}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`;
}

export function plainAuth(user: string, password: string): string {
  return `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0${password}`).toString("base64")}</auth>`;
}
