/**
 * The offline push webhook request (PROTOCOL §7.8 "Request"): the form fields, in the table's order,
 * and their `application/x-www-form-urlencoded` body. Pure functions.
 */
import type { OfflinePostConfig } from "../../config/config.types.js";
import type { Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { bodyText, dataOf } from "./push.trigger.js";

export const FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8";

/** One message to push to one recipient, as the trigger paths describe it. */
export interface PushMessage {
  /** U's bare JID. */
  readonly recipient: Jid;
  /** The sender's real bare JID. */
  readonly sender: Jid;
  /** The message (for rooms, the inner groupchat message). */
  readonly stanza: Element;
  /** The room's bare JID for room messages. */
  readonly room: Jid | undefined;
  /** The sender's room nick (room messages). */
  readonly nick: string | undefined;
  /** §7.8 `msgID`: the room archive id, the 1:1 archive id, or the client id. */
  readonly msgId: string;
  readonly call: boolean;
}

/**
 * §7.8 `msgSubj`: `senderFirstName senderLastName` (trimmed), else `fullName`; without `<data>` the nick
 * (groupchat) or the sender's localpart (1:1); then ` (<mucName>)` when `mucName` (or `mucname`) is non-empty.
 */
export function displayName(message: PushMessage): string {
  const data = dataOf(message.stanza);
  let name: string;
  if (data === undefined) name = message.room !== undefined ? (message.nick ?? "") : message.sender.local;
  else {
    const a = data.attrs;
    name = `${a["senderFirstName"] ?? ""} ${a["senderLastName"] ?? ""}`.trim();
    if (name === "") name = a["fullName"] ?? "";
  }
  const mucName = data?.attrs["mucName"] || data?.attrs["mucname"] || "";
  return mucName === "" ? name : `${name} (${mucName})`;
}

/** The fields of §7.8's table, in its order; the call fields only for call signalling. */
export function formFields(message: PushMessage, config: OfflinePostConfig): [string, string][] {
  const data = dataOf(message.stanza);
  const a = data?.attrs ?? {};
  const subject = displayName(message);
  const fields: [string, string][] = [
    ["jid", message.recipient.bareString],
    ["msgSubj", subject],
    ["fullName", subject],
    ["msgText", message.call ? "" : (bodyText(message.stanza) ?? "")],
    ["translations", message.stanza.getChild("translations")?.attrs["value"] ?? ""],
    ["msgID", message.msgId],
    ["MUCID", message.room?.bareString ?? ""],
    ["image", a["photo"] || a["photoURL"] || ""],
    ["project", a["project"] || "all"],
    ["TTL", String(config.ttl)],
    ["sound", config.sound],
    ["access_token", config.auth_token ?? ""],
    ["sender", message.sender.bareString],
  ];
  if (message.call) {
    fields.push(["callType", a["type"] ?? ""], ["callId", a["callId"] ?? ""], ["room", a["room"] ?? ""], ["kind", a["kind"] ?? ""], ["callToken", a["token"] ?? ""]);
  }
  return fields;
}

/**
 * The WHATWG `application/x-www-form-urlencoded` serialisation (URLSearchParams): UTF-8, space as `+`,
 * everything but `A-Z a-z 0-9 * - . _` percent-encoded (so `@` is `%40`, `(` `%28`, as in §7.8's example).
 */
export function encodeForm(fields: readonly (readonly [string, string])[]): string {
  const params = new URLSearchParams();
  for (const [name, value] of fields) params.append(name, value);
  return params.toString();
}

/** Where the request goes: call signalling to `voip_post_url` when set (§7.8), else `common_post_url`. */
export function postUrl(message: PushMessage, config: OfflinePostConfig): string | undefined {
  if (message.call && config.voip_post_url) return config.voip_post_url;
  return config.common_post_url ?? undefined;
}
