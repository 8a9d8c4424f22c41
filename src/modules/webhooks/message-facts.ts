/**
 * What the backend webhooks (PROTOCOL §7.9) and the stats feed (§7.10) read from a message or a JID: the App
 * prefix (§1.6), the virtual host, the body, the `<data>` attributes, translations and the §3.8 classes
 * (reaction, media). Pure functions, shared by both modules.
 */
import type { Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { appOf } from "../apps/app-users.js";

/** XEP-0444 reactions (§3.8 "Reaction"). */
export const NS_REACTIONS = "urn:xmpp:reactions:0";

/** §1.6 / §7.9 field notes: the text before the first `_` of the localpart, or null when there is none. */
export function appIdOf(jid: Jid): string | null {
  return appOf(jid.local) ?? null;
}

/**
 * §7.9 envelope `host`: the virtual host a user or room JID belongs to (`conference.<HOST>` → HOST); the
 * first configured host when none matches (a foreign JID).
 */
export function hostOf(jid: Jid, hosts: readonly string[]): string {
  const domain = jid.domain;
  for (const h of hosts) if (domain === h || domain.endsWith("." + h)) return h;
  return hosts[0] ?? domain;
}

function isClientNs(e: Element): boolean {
  return e.ns === NS.client || e.ns === "";
}

/** §3.8: the text of the `<body>` (jabber:client) when it is non-empty, else undefined. */
export function bodyText(message: Element): string | undefined {
  for (const c of message.children) {
    if (typeof c === "string" || c.name !== "body" || !isClientNs(c)) continue;
    const text = c.text();
    if (text !== "") return text;
  }
  return undefined;
}

/** §7.9 `data`: every attribute of the first `<data>` child (any namespace) as strings; `{}` without one. */
export function dataAttributes(message: Element): Record<string, string> {
  const data = message.getChild("data");
  return data === undefined ? {} : { ...data.attrs };
}

/** §7.9 `translations`: the parsed JSON of `<translations value>` (§7.11), or null (absent or not JSON). */
export function translationsOf(message: Element): unknown {
  const value = message.getChild("translations")?.attrs["value"];
  if (value === undefined || value === "") return null;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return null;
  }
}

/** §3.8 "Reaction": a `<reactions xmlns="urn:xmpp:reactions:0">` and no body (a body makes it a text message). */
export function isReaction(message: Element): boolean {
  return message.getChild("reactions", NS_REACTIONS) !== undefined && bodyText(message) === undefined;
}

/** §3.8 "Media": a `<data isMediafile="true">` attachment (Decision: the `<data>` flag decides, any namespace). */
export function hasMedia(message: Element): boolean {
  return message.getChild("data")?.attrs["isMediafile"] === "true";
}

/** §7.1/§7.2: the `timestamp` (unix ms) of a `<deleted>` or `<replaced>` marker in jabber:client, or null. */
export function markerTimestamp(message: Element, name: "deleted" | "replaced"): number | null {
  for (const c of message.children) {
    if (typeof c === "string" || c.name !== name || !isClientNs(c)) continue;
    const ts = Number(c.attrs["timestamp"]);
    return Number.isSafeInteger(ts) && ts >= 0 ? ts : null;
  }
  return null;
}

/** §7.9 `messageTs`: the message time in ms from its archive id in µs (§6.1). */
export function messageTsOf(id: number | string): number {
  return Math.floor(Number(id) / 1000);
}

/** §7.10 `bodyLength` (Decision): Unicode code points, so an emoji counts once; counted without copying. */
export function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A low surrogate following a high one is the second half of the same code point.
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const prev = text.charCodeAt(i - 1);
      if (prev >= 0xd800 && prev <= 0xdbff) continue;
    }
    n++;
  }
  return n;
}
