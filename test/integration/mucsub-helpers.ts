/**
 * Helpers for the MucSub and Apps integration tests (PROTOCOL §5, §1.7): subscribe/unsubscribe IQs,
 * wrapped events, and a probe module that records the hooks MucSub raises for the push and webhook
 * features of later issues.
 */
import type { HookMap, RoomMemberChange } from "../../src/core/hook-map.js";
import { defineModule } from "../../src/core/module.js";
import { xml, type TestClient, type XmlElement } from "../harness/test-client.js";
import { iqGet, iqReply, iqSet } from "./muc-helpers.js";

export const NS_MUCSUB = "urn:xmpp:mucsub:0";
export const NS_PUBSUB_EVENT = "http://jabber.org/protocol/pubsub#event";
export const NODE = (n: string) => `urn:xmpp:mucsub:nodes:${n}`;

export interface SubscribeOptions {
  readonly nick?: string;
  readonly jid?: string;
  readonly password?: string;
  readonly nodes?: readonly string[];
}

export function subscribePayload(options: SubscribeOptions = {}): XmlElement {
  const attrs: Record<string, string> = { xmlns: NS_MUCSUB };
  if (options.nick !== undefined) attrs["nick"] = options.nick;
  if (options.jid !== undefined) attrs["jid"] = options.jid;
  if (options.password !== undefined) attrs["password"] = options.password;
  return xml("subscribe", attrs, ...(options.nodes ?? ["messages"]).map((n) => xml("event", { node: n.startsWith("urn:") ? n : NODE(n) })));
}

/** Sends a subscribe IQ to the room and resolves with the reply (result or error). */
export function subscribe(client: TestClient, room: string, options: SubscribeOptions = {}): Promise<XmlElement> {
  return iqReply(client, iqSet(room, subscribePayload(options)));
}

export function unsubscribe(client: TestClient, room: string, jid?: string): Promise<XmlElement> {
  return iqReply(client, iqSet(room, xml("unsubscribe", jid === undefined ? { xmlns: NS_MUCSUB } : { xmlns: NS_MUCSUB, jid })));
}

export function listSubscriptions(client: TestClient, to: string): Promise<XmlElement> {
  return iqReply(client, iqGet(to, xml("subscriptions", { xmlns: NS_MUCSUB })));
}

/** `[jid, nick, nodes]` of each `<subscription>` in a listing. */
export function subscriptionsOf(reply: XmlElement): [string, string, string[]][] {
  const list = reply.getChild("subscriptions", NS_MUCSUB)?.getChildren("subscription") ?? [];
  return list.map((s) => [s.attrs.jid ?? "", s.attrs.nick ?? "", s.getChildren("event").map((e) => e.attrs.node ?? "")]);
}

/** The node of a MucSub wrapper, or undefined for anything else. */
export function wrapperNode(s: XmlElement): string | undefined {
  return s.is("message") ? s.getChild("event", NS_PUBSUB_EVENT)?.getChild("items")?.attrs.node : undefined;
}

/** The payload inside a wrapper's `<item>`. */
export function wrapped(s: XmlElement): XmlElement | undefined {
  return s.getChild("event", NS_PUBSUB_EVENT)?.getChild("items")?.getChild("item")?.getChildElements()[0];
}

/** A wrapped `messages` event whose inner message has this client id. */
export const isWrappedMessage = (id: string) => (s: XmlElement) => wrapperNode(s) === NODE("messages") && wrapped(s)?.attrs.id === id;

/** What the probe module saw. */
export interface HookLog {
  readonly offline: HookMap["muc.offline-subscriber-message"][];
  readonly joined: RoomMemberChange[];
  readonly left: RoomMemberChange[];
}

export function hookProbe(): { log: HookLog; module: ReturnType<typeof defineModule<void>> } {
  const log: HookLog = { offline: [], joined: [], left: [] };
  const module = defineModule<void>({
    name: "mucsub-test-probe",
    setup(ctx) {
      ctx.hooks.on("muc.offline-subscriber-message", (p) => void log.offline.push(p));
      ctx.hooks.on("room.member-joined", (p) => void log.joined.push(p));
      ctx.hooks.on("room.member-left", (p) => void log.left.push(p));
    },
  });
  return { log, module };
}

/** A member change as `[room, user, reason]` for compact assertions. */
export function change(c: RoomMemberChange): [string, string, string] {
  return [c.room.bareString, c.user.bareString, c.reason];
}
