/**
 * Helpers for the `ns:getrooms` / `ns:getrooms:setprofile` integration tests (PROTOCOL §7.3, §7.4): the IQs as a
 * client sends them (no `to`), the reply read back as plain values, and room creation through the admin API.
 */
import { expect } from "vitest";
import { xml, type TestClient, type XmlElement } from "../harness/test-client.js";
import type { TestServer } from "../harness/test-server.js";
import { iqReply, nextId } from "./muc-helpers.js";

export const NS_GETROOMS = "ns:getrooms";
export const NS_SETPROFILE = "ns:getrooms:setprofile";
export const NS_RSM = "http://jabber.org/protocol/rsm";
export const SERVICE = "conference.localhost";

export interface RsmQuery {
  readonly max?: string | number;
  readonly after?: string;
  readonly before?: string;
}

export function getroomsIq(rsm?: RsmQuery, attrs: Record<string, string> = {}): XmlElement {
  const set =
    rsm === undefined
      ? []
      : [
          xml(
            "set",
            { xmlns: NS_RSM },
            ...(rsm.max === undefined ? [] : [xml("max", {}, String(rsm.max))]),
            ...(rsm.after === undefined ? [] : [xml("after", {}, rsm.after)]),
            ...(rsm.before === undefined ? [] : [xml("before", {}, rsm.before)]),
          ),
        ];
  return xml("iq", { type: "get", id: nextId("getUserRooms"), ...attrs }, xml("query", { xmlns: NS_GETROOMS }, ...set));
}

export function getrooms(client: TestClient, rsm?: RsmQuery): Promise<XmlElement> {
  return iqReply(client, getroomsIq(rsm));
}

/** The `<room>` attributes of a result, in order. */
export function roomsOf(reply: XmlElement): Record<string, string>[] {
  expect(reply.attrs.type).toBe("result");
  return (reply.getChild("query", NS_GETROOMS)?.getChildren("room") ?? []).map((r) => ({ ...r.attrs }) as Record<string, string>);
}

export function jidsOf(reply: XmlElement): string[] {
  return roomsOf(reply).map((r) => r.jid ?? "");
}

/** The RSM `<set>` of a result as values; undefined when absent. */
export function rsmOf(reply: XmlElement): { first?: string; index?: string; last?: string; count?: string; children: string[] } | undefined {
  const query = reply.getChild("query", NS_GETROOMS);
  const set = query?.getChild("set", NS_RSM);
  if (set === undefined) return undefined;
  // §7.3: the <set> is the last child of <query>.
  expect(query?.getChildElements().at(-1)).toBe(set);
  const first = set.getChild("first");
  const out: { first?: string; index?: string; last?: string; count?: string; children: string[] } = { children: set.getChildElements().map((c) => c.name) };
  if (first !== undefined) {
    out.first = first.text();
    if (first.attrs.index !== undefined) out.index = first.attrs.index;
  }
  const last = set.getChildText("last");
  if (last !== null) out.last = last;
  const count = set.getChildText("count");
  if (count !== null) out.count = count;
  return out;
}

export function setProfileIq(attrs: Record<string, string>, type: "set" | "get" = "set"): XmlElement {
  return xml("iq", { type, id: nextId("setRoomImage") }, xml("query", { xmlns: NS_SETPROFILE, ...attrs }));
}

export function setProfile(client: TestClient, attrs: Record<string, string>): Promise<XmlElement> {
  return iqReply(client, setProfileIq(attrs));
}

/** Creates a room through the admin API; `affiliations` as `owner=a@h;member=b@h`. Returns its bare JID. */
export async function createRoom(server: TestServer, name: string, options: Record<string, unknown> = {}): Promise<string> {
  const reply = await server.api("create_room_with_opts", { name, service: SERVICE, options });
  expect(reply.status, reply.text).toBe(200);
  return `${name}@${SERVICE}`;
}

export async function subscribeUser(server: TestServer, room: string, user: string): Promise<void> {
  const reply = await server.api("subscribe_room", { user: `${user}@localhost`, nick: user, room, nodes: "urn:xmpp:mucsub:nodes:messages" });
  expect(reply.status, reply.text).toBe(200);
}

export async function affiliate(server: TestServer, room: string, user: string, affiliation: string): Promise<void> {
  const reply = await server.api("set_room_affiliation", { name: room, jid: `${user}@localhost`, affiliation });
  expect(reply.status, reply.text).toBe(200);
}

/** Stores the §9.5 read state as a client does. */
export async function setReadState(client: TestClient, markers: Record<string, string>): Promise<void> {
  const reply = await iqReply(
    client,
    xml("iq", { type: "set", id: nextId("set-chats-private-req") }, xml("query", { xmlns: "jabber:iq:private" }, xml("chatjson", { xmlns: "chatjson:store", value: JSON.stringify(markers) }))),
  );
  expect(reply.attrs.type).toBe("result");
}

/** Waits until the wall clock has moved past `ms` (membership starts and archive ids are time based). */
export async function nextMillisecond(): Promise<void> {
  const start = Date.now();
  while (Date.now() <= start) await new Promise((r) => setImmediate(r));
}
