/**
 * A raw stream taken up to a bound resource (PLAIN or ANONYMOUS; no STARTTLS), for byte-level checks
 * of what the server sends to a session (TCP/TLS streams or RFC 7395 WebSocket framing).
 */
import type { Transport } from "./test-client.js";
import type { TestServer } from "./test-server.js";
import { plainAuth, rawTcp, rawWebSocket, streamHeader, type RawClient } from "./raw-client.js";

export interface RawSession {
  readonly raw: RawClient;
  /** The bound full JID. */
  readonly jid: string;
}

export async function rawSession(
  server: TestServer,
  transport: Transport,
  auth: { readonly user: string; readonly password?: string; readonly resource?: string } | "anonymous",
): Promise<RawSession> {
  const raw = await connectRaw(server, transport);
  const open = transport === "tcp" || transport === "tls" ? streamHeader(server.domain) : `<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="${server.domain}" version="1.0"/>`;
  const featuresSeen = (n: number) => new RegExp(`(</stream:features>[\\s\\S]*){${n}}`);
  raw.send(open);
  await raw.waitFor(featuresSeen(1));
  raw.send(auth === "anonymous" ? "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>" : plainAuth(auth.user, auth.password ?? "secret"));
  await raw.waitFor("<success");
  raw.send(open);
  await raw.waitFor(featuresSeen(2));
  const resource = auth === "anonymous" || auth.resource === undefined ? "" : `<resource>${auth.resource}</resource>`;
  raw.send(`<iq type="set" id="bind1"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind">${resource}</bind></iq>`);
  const text = await raw.waitFor(/<jid>([^<]+)<\/jid>/);
  return { raw, jid: /<jid>([^<]+)<\/jid>/.exec(text)?.[1] ?? "" };
}

/**
 * A bound raw session that enabled stream management (`resume="true"`, granted when the profile allows it) and
 * sent initial presence; it acknowledges nothing unless the test does (PROTOCOL §2.11).
 */
export async function rawSmSession(server: TestServer, transport: Transport, user: string, resource: string): Promise<RawClient> {
  const { raw, jid } = await rawSession(server, transport, { user, resource });
  raw.send(`<enable xmlns="urn:xmpp:sm:3" resume="true"/>`);
  await raw.waitFor("<enabled");
  raw.send(`<presence/>`);
  await raw.waitFor(new RegExp(`<presence[^>]*from="${jid}"`));
  return raw;
}

/** Plain TCP (no STARTTLS), direct TLS, or WebSocket over HTTP or HTTPS. */
function connectRaw(server: TestServer, transport: Transport): Promise<RawClient> {
  switch (transport) {
    case "tcp":
      return rawTcp(server.port("c2s"));
    case "tls":
      return rawTcp(server.port("c2s_tls"), { tls: true });
    case "ws":
      return rawWebSocket(`ws://127.0.0.1:${server.port("http")}/ws`);
    case "wss":
      return rawWebSocket(`wss://127.0.0.1:${server.port("https")}/ws`);
  }
}
