/**
 * Typed views and builders for the three stanza kinds (RFC 6120 §8): replies, errors, and the
 * message classification that several features share (PROTOCOL §6.2, §9.3, §9.4).
 */
import { Element, el } from "../xml/element.js";
import { NS } from "./namespaces.js";
import type { StanzaError } from "./stanza-error.js";

export type StanzaKind = "message" | "presence" | "iq";

export function isStanza(e: Element): boolean {
  return (e.name === "message" || e.name === "presence" || e.name === "iq") && (e.ns === NS.client || e.ns === "");
}

/** An IQ result addressed back to the requester (RFC 6120 §8.2.3). */
export function iqResult(iq: Element, payload?: Element): Element {
  return el("iq", { type: "result", id: iq.attr("id"), from: iq.attr("to"), to: iq.attr("from") }, payload);
}

/**
 * The error reply for any stanza (RFC 6120 §8.3.1): from/to swapped, same id, type="error". The
 * original payload is kept for messages and IQs, as ejabberd does; presence errors too (PROTOCOL §3.1
 * shows the `<x/>` kept), and `<error>` comes last.
 */
export function errorReply(stanza: Element, error: StanzaError, from?: string): Element {
  const reply = el(stanza.name, {
    type: "error",
    id: stanza.attr("id"),
    from: from ?? stanza.attr("to"),
    to: stanza.attr("from"),
  });
  for (const c of stanza.children) if (typeof c !== "string" && c.name !== "error") reply.children.push(c);
  reply.ns = stanza.ns;
  reply.append(error.toElement());
  return reply;
}

export type MessageType = "chat" | "normal" | "headline" | "groupchat" | "error";

export function messageType(message: Element): MessageType {
  const t = message.attrs["type"];
  return t === "chat" || t === "headline" || t === "groupchat" || t === "error" ? t : "normal";
}

export function hasHint(message: Element, hint: "no-store" | "no-permanent-store" | "store" | "no-copy"): boolean {
  return message.getChild(hint, NS.hints) !== undefined;
}

/** True when the message only carries chat states (XEP-0085), with no body. */
export function isChatStateOnly(message: Element): boolean {
  let hasState = false;
  for (const c of message.children) {
    if (typeof c === "string") continue;
    if (c.ns === NS.chatStates) hasState = true;
    else if (c.ns !== NS.hints && c.name !== "thread") return false;
  }
  return hasState;
}

/**
 * PROTOCOL §9.4: what offline storage keeps (also what §2.11 re-routes): chat/normal, not
 * chat-state-only, not no-store hinted.
 */
export function isOfflineStorable(message: Element): boolean {
  const t = messageType(message);
  if (t !== "chat" && t !== "normal") return false;
  if (isChatStateOnly(message) || isArchiveResult(message)) return false;
  return !hasHint(message, "no-store");
}

/** A MAM query result (PROTOCOL §6.6): it belongs to the session that asked; never stored or sent elsewhere. */
export function isArchiveResult(message: Element): boolean {
  const first = message.firstElement();
  return first !== undefined && first.name === "result" && (first.ns === NS.mam2 || first.ns === NS.mam1);
}

/** PROTOCOL §6.2: 1:1 messages that go into user archives. */
export function isArchivable1to1(message: Element): boolean {
  const t = messageType(message);
  if (t !== "chat" && t !== "normal") return false;
  if (hasHint(message, "no-store") || hasHint(message, "no-permanent-store")) return false;
  return message.getChild("body") !== undefined || hasHint(message, "store");
}

/** XEP-0082 timestamp with microseconds from an archive id (PROTOCOL §6.1 Decision). */
export function stampFromMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const iso = new Date(ms).toISOString(); // 2024-09-24T14:41:25.290Z
  const frac = String(micros % 1_000_000).padStart(6, "0");
  return iso.slice(0, 19) + "." + frac + "Z";
}

export function stampFromMillis(ms: number): string {
  return new Date(ms).toISOString();
}

export function delayElement(from: string, stamp: string): Element {
  return el("delay", { xmlns: NS.delay, from, stamp });
}

export type { Element };
