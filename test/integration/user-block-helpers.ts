/**
 * Helpers for the user block tests (PROTOCOL §7.7): the three custom IQs, a round trip that orders a session's
 * traffic, and own-archive MAM queries.
 */
import { xml, type TestClient, type XmlElement } from "../harness/test-client.js";
import { iqReply, nextId } from "./muc-helpers.js";
import { MAM2, RSM } from "./room-mam-helpers.js";

export const NS_BLOCK = "ns:deepx:muc:user:block";
export const NS_UNBLOCK = "ns:deepx:muc:user:unblock";
export const NS_BLOCKLIST = "ns:deepx:muc:user:blocklist";

/** A custom IQ `<query xmlns=ns [user]/>`, without `to` unless given (§7 preamble). */
export function userBlockIq(type: "get" | "set", ns: string, attrs: Record<string, string> = {}, to?: string): XmlElement {
  return xml("iq", { type, id: nextId("ub"), ...(to === undefined ? {} : { to }) }, xml("query", { xmlns: ns, ...attrs }));
}

export const block = (c: TestClient, user: string) => iqReply(c, userBlockIq("set", NS_BLOCK, { user }));
export const unblock = (c: TestClient, user: string) => iqReply(c, userBlockIq("set", NS_UNBLOCK, { user }));

/** The blocklist as `[user, date, fullname]` tuples, in reply order. */
export async function blocklist(c: TestClient): Promise<[string, string, string][]> {
  const reply = await iqReply(c, userBlockIq("get", NS_BLOCKLIST));
  if (reply.attrs.type !== "result") throw new Error(`blocklist failed: ${reply.toString()}`);
  return (reply.getChild("query", NS_BLOCKLIST)?.getChildren("item") ?? []).map((i) => [i.attrs.user ?? "", i.attrs.date ?? "", i.attrs.fullname ?? ""]);
}

/**
 * A round trip through the server: a session handles its stanzas in order, so once this returns everything the
 * client sent before has been routed (room fan-out and MucSub delivery included), and everything routed to it
 * before has arrived.
 */
export async function sync(c: TestClient, domain = "localhost"): Promise<void> {
  await c.iq(xml("iq", { type: "get", to: domain }, xml("ping", { xmlns: "urn:xmpp:ping" })));
}

export interface OwnQuery {
  readonly with?: string;
  readonly max?: number;
  readonly before?: string;
}

/** A query of the requester's own archive (no `to`): the bodies of the results and the RSM set. */
export async function queryOwn(c: TestClient, o: OwnQuery = {}): Promise<{ bodies: (string | null)[]; count: string | undefined; index: string | undefined; complete: string | undefined }> {
  const id = nextId("own");
  const form =
    o.with === undefined
      ? undefined
      : xml("x", { xmlns: "jabber:x:data", type: "submit" }, xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, MAM2)), xml("field", { var: "with" }, xml("value", {}, o.with)));
  const rsm: XmlElement[] = [];
  if (o.max !== undefined) rsm.push(xml("max", {}, String(o.max)));
  if (o.before !== undefined) rsm.push(o.before === "" ? xml("before") : xml("before", {}, o.before));
  const start = c.received.length;
  const reply = await iqReply(c, xml("iq", { type: "set", id }, xml("query", { xmlns: MAM2, queryid: id }, form, rsm.length > 0 ? xml("set", { xmlns: RSM }, ...rsm) : undefined)));
  if (reply.attrs.type !== "result") throw new Error(`own archive query failed: ${reply.toString()}`);
  const results = c.received.slice(start).filter((s) => s.getChild("result", MAM2)?.attrs.queryid === id);
  const bodies = results.map((r) => {
    const message = r.getChild("result", MAM2)?.getChild("forwarded", "urn:xmpp:forward:0")?.getChildElements()[0];
    // MucSub copies are stored wrapped (§5.6): the body is the inner message's.
    const inner = message?.getChild("event", "http://jabber.org/protocol/pubsub#event")?.getChild("items")?.getChild("item")?.getChildElements()[0];
    return (inner ?? message)?.getChildText("body") ?? null;
  });
  const fin = reply.getChild("fin", MAM2);
  const set = fin?.getChild("set", RSM);
  return { bodies, count: set?.getChildText("count") ?? undefined, index: set?.getChild("first")?.attrs.index, complete: fin?.attrs.complete };
}
