/**
 * Shared steps for the roster and presence integration tests (RFC 6121): roster IQs, push and
 * presence predicates, and `settle`, which makes "nothing arrived" checks deterministic.
 */
import type { TestClient, XmlElement } from "../harness/test-client.js";
import { xml } from "../harness/test-client.js";
import type { TestServer } from "../harness/test-server.js";

export const ROSTER = "jabber:iq:roster";

export interface ItemView {
  readonly jid: string;
  readonly name: string | undefined;
  readonly subscription: string | undefined;
  readonly ask: string | undefined;
  readonly groups: string[];
}

function itemView(item: XmlElement): ItemView {
  return {
    jid: item.attrs["jid"] ?? "",
    name: item.attrs["name"],
    subscription: item.attrs["subscription"],
    ask: item.attrs["ask"],
    groups: item.getChildren("group").map((g) => g.text()),
  };
}

/** Roster get; the session becomes interested in pushes (RFC 6121 §2.1.3). */
export async function rosterGet(client: TestClient): Promise<ItemView[]> {
  const result = await client.iq(xml("iq", { type: "get" }, xml("query", { xmlns: ROSTER })));
  return (result.getChild("query", ROSTER)?.getChildren("item") ?? []).map(itemView);
}

export async function rosterSet(client: TestClient, attrs: Record<string, string>, groups: string[] = []): Promise<XmlElement> {
  return client.iq(xml("iq", { type: "set" }, xml("query", { xmlns: ROSTER }, xml("item", attrs, ...groups.map((g) => xml("group", {}, g))))));
}

export function isPush(s: XmlElement): boolean {
  return s.is("iq") && s.attrs["type"] === "set" && s.getChild("query", ROSTER) !== undefined;
}

/** The item of a roster push. */
export function pushedItem(s: XmlElement): ItemView | undefined {
  const item = isPush(s) ? s.getChild("query", ROSTER)?.getChild("item") : undefined;
  return item === undefined ? undefined : itemView(item);
}

/** A push about `jid` whose item matches `expected` (subscription, ask…). */
export function pushOf(jid: string, expected: Partial<ItemView>): (s: XmlElement) => boolean {
  return (s) => {
    const item = pushedItem(s);
    if (item === undefined || item.jid !== jid) return false;
    return Object.entries(expected).every(([k, v]) => item[k as keyof ItemView] === v);
  };
}

export function pushes(client: TestClient, jid?: string): ItemView[] {
  return client.received.flatMap((s) => pushedItem(s) ?? []).filter((i) => jid === undefined || i.jid === jid);
}

/** A presence of `type` (undefined: available) whose `from` is `from` or starts with `from/`. */
export function presenceOf(from: string, type?: string): (s: XmlElement) => boolean {
  return (s) => s.is("presence") && s.attrs["type"] === type && (s.attrs["from"] === from || (s.attrs["from"] ?? "").startsWith(from + "/"));
}

export function presences(client: TestClient, from: string, type?: string): XmlElement[] {
  return client.received.filter(presenceOf(from, type));
}

/**
 * Waits until the server has finished with everything each client sent before, in order: each
 * client in turn pings the server and waits for the answer. A stanza the server wrote to a client
 * before that client's answer has then been received, so "nothing arrived" becomes a fact.
 */
export async function settle(domain: string, ...clients: TestClient[]): Promise<void> {
  for (const client of clients) {
    await client.iq(xml("iq", { type: "get", to: domain }, xml("ping", { xmlns: "urn:xmpp:ping" }))).catch(() => undefined);
  }
}

/** Forgets what a client received so far. */
export function reset(...clients: TestClient[]): void {
  for (const c of clients) c.received.length = 0;
}

export async function sendPresence(client: TestClient, attrs: Record<string, string>, ...children: XmlElement[]): Promise<void> {
  await client.send(xml("presence", attrs, ...children));
}

/**
 * `user` subscribes to `contact`'s presence and `contact` approves, with sessions that send no
 * presence (the request is stored and answered without anyone being available).
 */
export async function subscribe(server: TestServer, user: string, contact: string): Promise<void> {
  const a = await server.connect(user, { presence: false, resource: "setup" });
  await sendPresence(a, { to: `${contact}@${server.domain}`, type: "subscribe" });
  await settle(server.domain, a);
  const b = await server.connect(contact, { presence: false, resource: "setup" });
  await sendPresence(b, { to: `${user}@${server.domain}`, type: "subscribed" });
  await settle(server.domain, b);
  await Promise.all([a.stop(), b.stop()]);
}
