/**
 * Byte-level helpers shared by the c2s conformance tests (PROTOCOL §1.3, §1.4, §2): raw streams with
 * STARTTLS, WebSocket opens, stream-error expectations and polling for server-side state.
 */
import net from "node:net";
import tls from "node:tls";
import { expect } from "vitest";
import { parseXml } from "../../src/xml/stream-parser.js";
import type { RawClient } from "../harness/raw-client.js";

export const NS_STREAM = "http://etherx.jabber.org/streams";
export const NS_STREAMS = "urn:ietf:params:xml:ns:xmpp-streams";
export const NS_FRAMING = "urn:ietf:params:xml:ns:xmpp-framing";
export const NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl";
export const NS_SM = "urn:xmpp:sm:3";

export const wsOpen = (domain: string) => `<open xmlns="${NS_FRAMING}" to="${domain}" version="1.0"/>`;
export const wsClose = `<close xmlns="${NS_FRAMING}"/>`;

/** The exact `<stream:error>` PROTOCOL §0.4 rule 6 and §2.7 show. */
export function streamErrorXml(condition: string, text?: string): string {
  const t = text === undefined ? "" : `<text xmlns="${NS_STREAMS}">${text}</text>`;
  return `<stream:error xmlns:stream="${NS_STREAM}"><${condition} xmlns="${NS_STREAMS}"/>${t}</stream:error>`;
}

/**
 * Waits until the server closed the connection, then checks it sent this stream error (with exactly
 * this text when given, any descriptive text otherwise) and nothing after it but the close.
 */
export async function expectStreamError(raw: RawClient, condition: string, text?: string): Promise<string> {
  await raw.closed;
  const all = raw.text();
  const head = `<stream:error xmlns:stream="${NS_STREAM}"><${condition} xmlns="${NS_STREAMS}"/>`;
  const at = all.indexOf(head);
  expect(at, all).toBeGreaterThanOrEqual(0);
  const rest = all.slice(at + head.length);
  const textXml = /^(<text xmlns="urn:ietf:params:xml:ns:xmpp-streams">([^<]*)<\/text>)?<\/stream:error>/.exec(rest);
  expect(textXml, all).not.toBeNull();
  if (text !== undefined) expect(textXml?.[2]).toBe(text);
  const after = rest.slice(textXml?.[0].length ?? 0);
  expect(["</stream:stream>", `<close xmlns="${NS_FRAMING}"/>`]).toContain(after);
  return all;
}

export { until } from "../harness/until.js";

export const b64 = (s: string | Buffer) => Buffer.from(s).toString("base64");

/** A raw text client over a socket that can be replaced mid-stream (STARTTLS). */
class SwitchableRaw implements RawClient {
  readonly frames: string[] = [];
  readonly closed: Promise<void>;
  #resolveClosed!: () => void;
  #listeners = new Set<() => void>();

  constructor(public socket: net.Socket) {
    this.closed = new Promise((r) => (this.#resolveClosed = r));
    this.#attach(socket);
  }

  #attach(socket: net.Socket): void {
    socket.setEncoding("utf8");
    socket.on("error", () => undefined);
    socket.on("data", (d: string) => {
      this.frames.push(d);
      for (const l of this.#listeners) l();
    });
    socket.on("close", () => this.#resolveClosed());
  }

  text(): string {
    return this.frames.join("");
  }

  send(text: string): void {
    this.socket.write(text);
  }

  close(): void {
    this.socket.destroy();
  }

  waitFor(pattern: RegExp | string, timeoutMs = 5000): Promise<string> {
    const matches = () => (typeof pattern === "string" ? this.text().includes(pattern) : pattern.test(this.text()));
    return new Promise((resolve, reject) => {
      if (matches()) return resolve(this.text());
      const check = () => {
        if (!matches()) return;
        this.#listeners.delete(check);
        clearTimeout(timer);
        resolve(this.text());
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        reject(new Error(`timed out waiting for ${String(pattern)}; got: ${this.text()}`));
      }, timeoutMs);
      this.#listeners.add(check);
    });
  }

  /** Upgrades in place after `<proceed/>` (RFC 6120 §5.4.3.3); the text log starts afresh. */
  async startTls(): Promise<void> {
    const plain = this.socket;
    plain.removeAllListeners("data");
    plain.removeAllListeners("close");
    const secure = tls.connect({ socket: plain, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once("secureConnect", () => resolve());
      secure.once("error", reject);
    });
    this.frames.length = 0;
    this.socket = secure;
    this.#attach(secure);
  }
}

/** Plain TCP to the c2s port, taken through STARTTLS: returns the client with an empty log, TLS up. */
export async function rawStartTls(port: number, header: string): Promise<SwitchableRaw> {
  const socket = net.connect({ port, host: "127.0.0.1" });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  const raw = new SwitchableRaw(socket);
  raw.send(header);
  await raw.waitFor("</stream:features>");
  raw.send(`<starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"/>`);
  await raw.waitFor(`<proceed xmlns="urn:ietf:params:xml:ns:xmpp-tls"/>`);
  await raw.startTls();
  return raw;
}

/** Every WebSocket frame holds exactly one complete top-level element and no whitespace around it (PROTOCOL §1.4). */
export function expectOneElementPerFrame(frames: readonly string[]): void {
  for (const frame of frames) {
    expect(frame, frame).toMatch(/^<[^\s][\s\S]*>$/);
    expect(() => parseXml(frame), frame).not.toThrow();
  }
}
