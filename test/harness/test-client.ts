/**
 * An independent client for integration tests: @xmpp/client (xmpp.js) over TCP with STARTTLS,
 * direct TLS, or WebSocket, with a buffer of received stanzas to wait on.
 */
import { client as xmppClient, xml, type Client } from "@xmpp/client";
import type { Element as XmlElement } from "@xmpp/xml";
import WebSocket from "ws";

// @xmpp/websocket expects the browser's global WebSocket, which Node 20 lacks.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

export type { XmlElement };
export { xml };

export type Transport = "tcp" | "tls" | "ws" | "wss";

export interface ConnectOptions {
  readonly password?: string;
  readonly resource?: string;
  readonly transport?: Transport;
  /** Send initial presence after connecting (default true). */
  readonly presence?: boolean;
}

export interface TestClient {
  readonly xmpp: Client;
  /** The bound full JID. */
  readonly jid: string;
  readonly received: XmlElement[];
  send(stanza: XmlElement): Promise<void>;
  /** Sends an IQ get/set and resolves with the result stanza (rejects with the error stanza). */
  iq(stanza: XmlElement, timeoutMs?: number): Promise<XmlElement>;
  /** Resolves with the first received stanza (already buffered or future) that matches. */
  receive(predicate: (s: XmlElement) => boolean, timeoutMs?: number): Promise<XmlElement>;
  /** Fails if a matching stanza arrives within the window. */
  expectNone(predicate: (s: XmlElement) => boolean, windowMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface ServerPorts {
  readonly domain: string;
  readonly ports: { readonly c2s: number; readonly c2s_tls: number; readonly http: number; readonly https: number };
}

function serviceUrl(target: ServerPorts, transport: Transport): string {
  switch (transport) {
    case "tcp":
      return `xmpp://127.0.0.1:${target.ports.c2s}`;
    case "tls":
      return `xmpps://127.0.0.1:${target.ports.c2s_tls}`;
    case "ws":
      return `ws://127.0.0.1:${target.ports.http}/ws`;
    case "wss":
      return `wss://127.0.0.1:${target.ports.https}/ws`;
  }
}

export async function connectClient(target: ServerPorts, username: string, options: ConnectOptions = {}): Promise<TestClient> {
  const xmpp = xmppClient({
    service: serviceUrl(target, options.transport ?? "tcp"),
    domain: target.domain,
    username,
    password: options.password ?? "secret",
    ...(options.resource === undefined ? {} : { resource: options.resource }),
  });
  xmpp.reconnect.stop();
  const received: XmlElement[] = [];
  const waiters = new Set<{ predicate: (s: XmlElement) => boolean; resolve: (s: XmlElement) => void }>();
  xmpp.on("error", () => undefined);
  xmpp.on("stanza", (stanza: XmlElement) => {
    received.push(stanza);
    for (const w of waiters) {
      if (w.predicate(stanza)) {
        waiters.delete(w);
        w.resolve(stanza);
      }
    }
  });
  const address = await xmpp.start();
  if (options.presence !== false) await xmpp.send(xml("presence"));
  const receive = (predicate: (s: XmlElement) => boolean, timeoutMs = 5000) =>
    new Promise<XmlElement>((resolve, reject) => {
      const found = received.find(predicate);
      if (found) return resolve(found);
      const waiter = { predicate, resolve: (s: XmlElement) => (clearTimeout(timer), resolve(s)) };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`timed out waiting for a stanza (${timeoutMs} ms); received: ${received.map(String).join("\n")}`));
      }, timeoutMs);
      waiters.add(waiter);
    });
  return {
    xmpp,
    jid: address.toString(),
    received,
    send: (stanza) => xmpp.send(stanza),
    iq: (stanza, timeoutMs = 5000) => xmpp.iqCaller.request(stanza, timeoutMs),
    receive,
    async expectNone(predicate, windowMs = 300) {
      await new Promise((r) => setTimeout(r, windowMs));
      const found = received.find(predicate);
      if (found) throw new Error(`unexpected stanza: ${found.toString()}`);
    },
    async stop() {
      try {
        await xmpp.stop();
      } catch {
        /* already closed */
      }
    },
  };
}
