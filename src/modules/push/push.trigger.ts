/**
 * Which messages may be pushed (PROTOCOL §7.8 "When it fires" / "It does not fire", shared by §7.13):
 * pure checks on the stanza. Who is offline, mutes and blocks are decided by the caller.
 */
import type { Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { hasHint, isArchiveResult, messageType } from "../../xmpp/stanza.js";

/** Why a message is not pushed; `undefined` means it is. */
export type Exclusion =
  | "not-a-message"
  | "type"
  | "not-from-a-user"
  | "own-message"
  | "wrapper"
  | "carbon"
  | "invitation"
  | "status-notification"
  | "command"
  | "push-false"
  | "no-store"
  | "no-body";

export type Verdict = { readonly push: true; readonly call: boolean } | { readonly push: false; readonly reason: Exclusion };

const PUBSUB_EVENT = "http://jabber.org/protocol/pubsub#event";
const X_CONFERENCE = "jabber:x:conference";

/** The Ethora `<data>` element, whatever its namespace (§0.4 rule 4). */
export function dataOf(message: Element): Element | undefined {
  return message.getChild("data");
}

/** §3.8: a `<body>` in jabber:client with non-empty text. */
export function bodyText(message: Element): string | undefined {
  const text = message.getChild("body", NS.client)?.text();
  return text === undefined || text === "" ? undefined : text;
}

/** §7.8 (a): call signalling is a `<data type>` beginning with `call-`. */
export function isCallSignalling(message: Element): boolean {
  return dataOf(message)?.attrs["type"]?.startsWith("call-") === true;
}

/** §7.1, §7.2 (and XEP-0308 corrections): a command or a correction is never a new message to push. */
function isCommand(message: Element): boolean {
  if (message.getChild("delete", NS.client)?.attrs["id"] !== undefined) return true;
  if (message.getChild("replace", NS.client)?.attrs["id"] !== undefined) return true;
  return message.getChild("replace", NS.messageCorrect) !== undefined;
}

function isInvitation(message: Element): boolean {
  if (message.getChild("x", X_CONFERENCE) !== undefined) return true;
  const x = message.getChild("x", NS.mucUser);
  return x !== undefined && (x.getChild("invite", NS.mucUser) !== undefined || x.getChild("decline", NS.mucUser) !== undefined);
}

/** Exclusions shared by 1:1 and room messages, after the type and sender checks. */
function contentVerdict(message: Element, allowCall: boolean): Verdict {
  if (isCommand(message)) return { push: false, reason: "command" };
  if (dataOf(message)?.attrs["push"] === "false") return { push: false, reason: "push-false" };
  if (hasHint(message, "no-store") || hasHint(message, "no-permanent-store")) return { push: false, reason: "no-store" };
  if (allowCall && isCallSignalling(message)) return { push: true, call: true };
  if (bodyText(message) === undefined) return { push: false, reason: "no-body" };
  return { push: true, call: false };
}

/**
 * §7.8 (a): a `chat` or `normal` message from another user (a local account) to `to`, with a body, or call
 * signalling. MucSub wrappers are pushed through the room path (b), never here.
 */
export function directVerdict(message: Element, from: Jid, to: Jid, hosts: ReadonlySet<string>): Verdict {
  if (message.name !== "message") return { push: false, reason: "not-a-message" };
  const type = messageType(message);
  if (type !== "chat" && type !== "normal") return { push: false, reason: "type" };
  if (from.local === "" || !hosts.has(from.domain)) return { push: false, reason: "not-from-a-user" };
  if (from.bareString === to.bareString) return { push: false, reason: "own-message" };
  if (message.getChild("event", PUBSUB_EVENT) !== undefined) return { push: false, reason: "wrapper" };
  if (message.getChild("sent", NS.carbons) !== undefined || message.getChild("received", NS.carbons) !== undefined || isArchiveResult(message)) {
    return { push: false, reason: "carbon" };
  }
  if (isInvitation(message)) return { push: false, reason: "invitation" };
  return contentVerdict(message, true);
}

/**
 * §7.8 (b): the inner groupchat message of a MucSub `messages` event, with a body. `sender` is the real
 * bare JID behind the nick, `to` the subscriber.
 */
export function roomVerdict(inner: Element | undefined, sender: Jid, to: Jid): Verdict {
  if (inner === undefined || inner.name !== "message") return { push: false, reason: "wrapper" };
  if (messageType(inner) !== "groupchat") return { push: false, reason: "type" };
  if (sender.bareString === to.bareString) return { push: false, reason: "own-message" };
  // Room status notifications come from the room itself (no nick) or carry muc#user status codes.
  const from = inner.attrs["from"] ?? "";
  if (!from.includes("/") || inner.getChild("x", NS.mucUser)?.getChild("status", NS.mucUser) !== undefined) {
    return { push: false, reason: "status-notification" };
  }
  return contentVerdict(inner, false);
}
