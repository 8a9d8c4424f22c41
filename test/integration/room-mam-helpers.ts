/**
 * Helpers for the room-archive integration tests (PROTOCOL §6.4–§6.6 on room JIDs): a MAM query to a room with
 * its result messages and `<fin>`, or its refusal as one comparable string.
 */
import type { RawClient } from "../harness/raw-client.js";
import { xml, type TestClient, type XmlElement } from "../harness/test-client.js";
import { errorOf, iqReply, nextId } from "./muc-helpers.js";

export const MAM2 = "urn:xmpp:mam:2";
export const RSM = "http://jabber.org/protocol/rsm";

export interface RoomQuery {
  readonly ns?: string;
  readonly max?: number;
  readonly before?: string | undefined;
  readonly after?: string | undefined;
  readonly with?: string;
  readonly queryid?: string | null;
}

export function queryIq(room: string, o: RoomQuery = {}, id = nextId("rq")): XmlElement {
  const ns = o.ns ?? MAM2;
  const rsm: XmlElement[] = [];
  if (o.max !== undefined) rsm.push(xml("max", {}, String(o.max)));
  if (o.after !== undefined) rsm.push(xml("after", {}, o.after));
  if (o.before !== undefined) rsm.push(o.before === "" ? xml("before") : xml("before", {}, o.before));
  const form =
    o.with === undefined
      ? undefined
      : xml("x", { xmlns: "jabber:x:data", type: "submit" }, xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, ns)), xml("field", { var: "with" }, xml("value", {}, o.with)));
  const attrs: Record<string, string> = { xmlns: ns };
  if (o.queryid !== null) attrs["queryid"] = o.queryid ?? id;
  return xml("iq", { type: "set", to: room, id }, xml("query", attrs, form, rsm.length > 0 ? xml("set", { xmlns: RSM }, ...rsm) : undefined));
}

export interface RoomQueryReply {
  readonly iq: XmlElement;
  /** The result messages of this query (matched by queryid), in arrival order. */
  readonly results: XmlElement[];
  readonly fin: XmlElement | undefined;
}

/** Sends a query to the room and resolves with the reply, result or error, and the result messages that preceded it. */
export async function queryRoom(client: TestClient, room: string, o: RoomQuery = {}): Promise<RoomQueryReply> {
  const ns = o.ns ?? MAM2;
  const start = client.received.length;
  const stanza = queryIq(room, o);
  const queryid = stanza.getChild("query", ns)?.attrs.queryid;
  const iq = await iqReply(client, stanza);
  const results = client.received.slice(start).filter((s) => s.is("message") && s.getChild("result", ns) !== undefined && s.getChild("result", ns)?.attrs.queryid === queryid);
  return { iq, results, fin: iq.getChild("fin", ns) };
}

/** "ok:<number of results>" or "<type>/<condition>/<text>"; fails when an error came with result messages (§6.6). */
export async function outcome(client: TestClient, room: string, o: RoomQuery = {}): Promise<string> {
  const reply = await queryRoom(client, room, o);
  if (reply.iq.attrs.type === "result") return `ok:${reply.results.length}`;
  if (reply.results.length > 0) throw new Error(`result messages sent with an error: ${reply.results.map(String).join("")}`);
  const e = errorOf(reply.iq);
  return `${e.type}/${e.condition}/${e.text ?? ""}`;
}

/** The same over a raw session (anonymous users), read from the bytes. */
export async function rawOutcome(raw: RawClient, room: string): Promise<string> {
  const id = nextId("rawq");
  const start = raw.text().length;
  raw.send(`<iq type="set" to="${room}" id="${id}"><query xmlns="${MAM2}" queryid="${id}"/></iq>`);
  const text = (await raw.waitFor(new RegExp(`<iq [^>]*id="${id}"[\\s\\S]*?</iq>`))).slice(start);
  if (text.includes("<result")) throw new Error(`result messages sent to a raw session: ${text}`);
  const iq = new RegExp(`<iq [^>]*id="${id}"[\\s\\S]*?</iq>`).exec(text)?.[0] ?? "";
  if (/type="result"/.test(iq.slice(0, iq.indexOf(">")))) return "ok:0";
  const m = /<error type="([^"]+)"><([a-z-]+) xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"\/>(?:<text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">([^<]*)<\/text>)?/.exec(iq);
  return m === null ? iq : `${m[1]}/${m[2]}/${m[3] ?? ""}`;
}

/** The archived message inside a result message, with the result id and the delay. */
export function unwrap(result: XmlElement, ns = MAM2): { id: string; message: XmlElement; delay: XmlElement } {
  const r = result.getChild("result", ns) as XmlElement;
  const forwarded = r.getChild("forwarded", "urn:xmpp:forward:0") as XmlElement;
  const [message, delay] = forwarded.getChildElements() as [XmlElement, XmlElement];
  return { id: r.attrs.id as string, message, delay };
}

export const bodies = (reply: RoomQueryReply): (string | null)[] => reply.results.map((r) => unwrap(r).message.getChildText("body"));

export function rsmOf(fin: XmlElement | undefined): Record<"complete" | "first" | "index" | "last" | "count", string | undefined> {
  const set = fin?.getChild("set", RSM);
  const first = set?.getChild("first");
  return { complete: fin?.attrs.complete, first: first?.text(), index: first?.attrs.index, last: set?.getChild("last")?.text(), count: set?.getChildText("count") ?? undefined };
}

/** Sends a groupchat and resolves with its archive id, read from the sender's echo (§3.6 step 9). */
export async function post(client: TestClient, room: string, body: string): Promise<string> {
  const id = nextId("m");
  await client.send(xml("message", { to: room, type: "groupchat", id }, xml("body", {}, body)));
  const echo = await client.receive((s) => s.is("message") && s.attrs.id === id);
  if (echo.attrs.type === "error") throw new Error(`groupchat refused: ${echo.toString()}`);
  return echo.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.id as string;
}
