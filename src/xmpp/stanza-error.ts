/**
 * Stanza errors (RFC 6120 §8.3) as typed values. Code that detects a protocol error throws one; the
 * router is the one boundary that turns it into the `<error/>` reply (DESIGN §2.6).
 */
import { el, type Element } from "../xml/element.js";
import { NS } from "./namespaces.js";

export type StanzaErrorType = "auth" | "cancel" | "continue" | "modify" | "wait";

// The usual type for each condition (RFC 6120 §8.3.3); the union of conditions derives from it.
const USUAL_TYPE = {
  "bad-request": "modify",
  conflict: "cancel",
  "feature-not-implemented": "cancel",
  forbidden: "auth",
  gone: "cancel",
  "internal-server-error": "cancel",
  "item-not-found": "cancel",
  "jid-malformed": "modify",
  "not-acceptable": "modify",
  "not-allowed": "cancel",
  "not-authorized": "auth",
  "policy-violation": "modify",
  "recipient-unavailable": "wait",
  redirect: "modify",
  "registration-required": "auth",
  "remote-server-not-found": "cancel",
  "remote-server-timeout": "wait",
  "resource-constraint": "wait",
  "service-unavailable": "cancel",
  "subscription-required": "auth",
  "undefined-condition": "cancel",
  "unexpected-request": "wait",
} as const satisfies Record<string, StanzaErrorType>;

export type StanzaErrorCondition = keyof typeof USUAL_TYPE;

export interface StanzaErrorOptions {
  readonly type?: StanzaErrorType;
  readonly appCondition?: Element;
  readonly cause?: unknown;
}

export class StanzaError extends Error {
  override readonly name = "StanzaError";
  readonly type: StanzaErrorType;
  readonly appCondition: Element | undefined;

  constructor(
    readonly condition: StanzaErrorCondition,
    readonly text?: string,
    options: StanzaErrorOptions = {},
  ) {
    super(text === undefined ? condition : `${condition}: ${text}`, { cause: options.cause });
    this.type = options.type ?? USUAL_TYPE[condition];
    this.appCondition = options.appCondition;
  }

  /** PROTOCOL §9.2: the condition is the first child, the text follows it. */
  toElement(): Element {
    return el(
      "error",
      { type: this.type },
      el(this.condition, { xmlns: NS.stanzas }),
      this.text === undefined ? undefined : el("text", { xmlns: NS.stanzas }, this.text),
      this.appCondition,
    );
  }
}
