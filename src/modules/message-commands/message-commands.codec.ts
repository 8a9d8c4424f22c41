/**
 * Recognition of the Ethora message commands (PROTOCOL §7.1 delete, §7.2 edit) in a groupchat message:
 * `<delete id>` and `<replace id>` in jabber:client, and the legacy XEP-0308 `<replace>` of
 * `urn:xmpp:message-correct:0` when its id is numeric. One pass over the children, no allocation for
 * ordinary messages (this runs for every room message, §3.6 step 6).
 */
import type { Element } from "../../xml/element.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";

export const INVALID_MESSAGE_ID = "Invalid message id";
export const MISSING_NEW_TEXT = "Missing new text";

export type MessageCommand =
  | { readonly action: "delete"; readonly targetId: string }
  | { readonly action: "edit"; readonly targetId: string; readonly text: string };

/** A decimal integer as archive ids are written (§6.1): digits only. */
export function isNumericId(id: string): boolean {
  return /^[0-9]+$/.test(id);
}

/** The target id as a number, or undefined when no archive id can have it (beyond 2^53, §6.1). */
export function targetNumber(id: string): number | undefined {
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : undefined;
}

interface Found {
  readonly delete: Element | undefined;
  readonly replace: Element | undefined;
}

/** The first `<delete id>` and the first recognisable `<replace id>` (§7.1, §7.2 recognition). */
function findCommandChildren(stanza: Element): Found | undefined {
  let del: Element | undefined;
  let replace: Element | undefined;
  for (const c of stanza.children) {
    if (typeof c === "string" || c.attrs["id"] === undefined) continue;
    if (c.name === "delete" && c.ns === NS.client) del ??= c;
    else if (c.name === "replace" && c.ns === NS.client) replace ??= c;
    // (b) Decision: a non-numeric legacy id is a standard XEP-0308 correction, i.e. an ordinary message.
    else if (c.name === "replace" && c.ns === NS.messageCorrect && isNumericId(c.attrs["id"] as string)) replace ??= c;
  }
  return del === undefined && replace === undefined ? undefined : { delete: del, replace };
}

/**
 * True when §7.1/§7.2 recognise the message as a command, valid or not (for consumers that must leave commands
 * alone: the offline push of §7.8 skips them, §3.8 "never pushed").
 */
export function isMessageCommand(stanza: Element): boolean {
  return findCommandChildren(stanza) !== undefined;
}

/**
 * The command a groupchat message carries, or undefined for an ordinary message. A delete wins over an edit in
 * a message carrying both. Throws `modify`/`bad-request` with §7.1/§7.2's texts for a malformed command.
 */
export function parseMessageCommand(stanza: Element): MessageCommand | undefined {
  const found = findCommandChildren(stanza);
  if (found === undefined) return undefined;
  if (found.delete !== undefined) {
    const targetId = found.delete.attrs["id"] as string;
    if (!isNumericId(targetId)) throw new StanzaError("bad-request", INVALID_MESSAGE_ID);
    return { action: "delete", targetId };
  }
  const replace = found.replace as Element;
  const targetId = replace.attrs["id"] as string;
  if (!isNumericId(targetId)) throw new StanzaError("bad-request", INVALID_MESSAGE_ID);
  return { action: "edit", targetId, text: newText(stanza, replace) };
}

/** §7.2 "New text": the `text` attribute, else the `<body>` text; an empty value counts as missing (Decision). */
function newText(stanza: Element, replace: Element): string {
  const attr = replace.attrs["text"];
  if (attr !== undefined && attr !== "") return attr;
  const body = stanza.getChildText("body", NS.client);
  if (body !== undefined && body !== "") return body;
  throw new StanzaError("bad-request", MISSING_NEW_TEXT);
}
