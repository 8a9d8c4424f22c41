/**
 * Helpers for the MUC integration tests (PROTOCOL §3): joining, reading status codes and errors,
 * and matching stanzas from rooms.
 */
import type { TestClient, XmlElement } from "../harness/test-client.js";
import { xml } from "../harness/test-client.js";

export const NS_MUC = "http://jabber.org/protocol/muc";
export const NS_MUC_USER = "http://jabber.org/protocol/muc#user";
export const NS_MUC_ADMIN = "http://jabber.org/protocol/muc#admin";
export const NS_MUC_OWNER = "http://jabber.org/protocol/muc#owner";
export const NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";
export const NS_DATA = "jabber:x:data";

let seq = 0;
export function nextId(prefix = "t"): string {
  return `${prefix}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;
}

export function statusCodes(s: XmlElement): string[] {
  return (s.getChild("x", NS_MUC_USER)?.getChildren("status") ?? []).map((c) => c.attrs.code ?? "");
}

export function item(s: XmlElement): Record<string, string> {
  return s.getChild("x", NS_MUC_USER)?.getChild("item")?.attrs ?? {};
}

export function errorOf(s: XmlElement): { type: string | undefined; condition: string | undefined; text: string | null | undefined } {
  const e = s.getChild("error");
  return { type: e?.attrs.type, condition: e?.getChildElements()[0]?.name, text: e?.getChildText("text", NS_STANZAS) };
}

export interface JoinOptions {
  readonly id?: string;
  readonly password?: string;
  readonly history?: Record<string, string>;
  readonly children?: XmlElement[];
}

export function joinPresence(roomNick: string, options: JoinOptions = {}): XmlElement {
  const x = xml("x", { xmlns: NS_MUC });
  if (options.password !== undefined) x.children.push(xml("password", {}, options.password));
  if (options.history !== undefined) x.children.push(xml("history", options.history));
  return xml("presence", { to: roomNick, id: options.id ?? nextId("join") }, x, ...(options.children ?? []));
}

/** Sends a join and resolves with the self-presence (echoing the join id) or the error presence. */
export async function join(client: TestClient, roomNick: string, options: JoinOptions = {}): Promise<XmlElement> {
  const id = options.id ?? nextId("join");
  await client.send(joinPresence(roomNick, { ...options, id }));
  return client.receive((s) => s.is("presence") && s.attrs.id === id && s.attrs.from === roomNick && (s.attrs.type === "error" || statusCodes(s).includes("110")));
}

/** Joins and fails unless the self-presence arrives. */
export async function joined(client: TestClient, roomNick: string, options: JoinOptions = {}): Promise<XmlElement> {
  const p = await join(client, roomNick, options);
  if (p.attrs.type === "error") throw new Error(`join of ${roomNick} failed: ${p.toString()}`);
  return p;
}

export async function leave(client: TestClient, roomNick: string): Promise<XmlElement> {
  const id = nextId("leave");
  await client.send(xml("presence", { to: roomNick, type: "unavailable", id }));
  return client.receive((s) => s.is("presence") && s.attrs.type === "unavailable" && s.attrs.from === roomNick && statusCodes(s).includes("110"));
}

export function groupchat(room: string, body: string | undefined, id = nextId("msg"), ...children: XmlElement[]): XmlElement {
  return xml("message", { to: room, type: "groupchat", id }, ...(body === undefined ? [] : [xml("body", {}, body)]), ...children);
}

/** Clears what a client received so far (tests reuse connections). */
export function drain(client: TestClient): void {
  client.received.length = 0;
}

export function iqSet(to: string, payload: XmlElement): XmlElement {
  return xml("iq", { type: "set", to, id: nextId("iq") }, payload);
}

export function iqGet(to: string, payload: XmlElement): XmlElement {
  return xml("iq", { type: "get", to, id: nextId("iq") }, payload);
}

/** Sends an IQ and resolves with the reply, result or error. */
export async function iqReply(client: TestClient, iq: XmlElement): Promise<XmlElement> {
  const id = iq.attrs.id as string;
  await client.send(iq);
  return client.receive((s) => s.is("iq") && s.attrs.id === id && (s.attrs.type === "result" || s.attrs.type === "error"));
}

export function adminQuery(...items: XmlElement[]): XmlElement {
  return xml("query", { xmlns: NS_MUC_ADMIN }, ...items);
}

export function submitForm(fields: Record<string, string>): XmlElement {
  return xml(
    "query",
    { xmlns: NS_MUC_OWNER },
    xml(
      "x",
      { xmlns: NS_DATA, type: "submit" },
      xml("field", { var: "FORM_TYPE" }, xml("value", {}, "http://jabber.org/protocol/muc#roomconfig")),
      ...Object.entries(fields).map(([k, v]) => xml("field", { var: k }, xml("value", {}, v))),
    ),
  );
}
