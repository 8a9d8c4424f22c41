/**
 * The `<body/>` wrapper of BOSH (XEP-0124 §4, XEP-0206 §5): reading a request and writing a response.
 * Stanzas travel inside; the session layer (bosh-connection.ts) hands them to the c2s stream as RFC 7395
 * frames, so the c2s state machine is the same on every transport (PROTOCOL §1.5 "same stream semantics").
 */
import { escapeAttr } from "../../xml/escape.js";
import type { Element } from "../../xml/element.js";
import { parseXml } from "../../xml/stream-parser.js";
import { NS } from "../../xmpp/namespaces.js";

export const NS_HTTPBIND = "http://jabber.org/protocol/httpbind";
export const NS_XBOSH = "urn:xmpp:xbosh";

/** XEP-0124 §17.2 terminal binding conditions the server uses. */
export type BoshCondition = "bad-request" | "item-not-found" | "policy-violation" | "host-unknown" | "remote-stream-error" | "system-shutdown" | "other-request";

export class BoshError extends Error {
  constructor(
    readonly condition: BoshCondition,
    readonly httpStatus = 200,
  ) {
    super(condition);
  }
}

export interface BoshRequest {
  readonly sid: string | undefined;
  readonly rid: number;
  readonly attrs: Readonly<Record<string, string>>;
  /** The children, requalified from the httpbind namespace to jabber:client when they had no own xmlns. */
  readonly payloads: readonly Element[];
  /** XEP-0206 §5: `xmpp:restart="true"`. */
  readonly restart: boolean;
  /** XEP-0124 §12: `type="terminate"`. */
  readonly terminate: boolean;
}

/** Parses a request body; throws BoshError("bad-request") for anything XEP-0124 §4 would not accept. */
export function parseBoshRequest(text: string, maxBytes: number): BoshRequest {
  let body: Element;
  try {
    body = parseXml(text, maxBytes);
  } catch {
    throw new BoshError("bad-request", 400);
  }
  if (body.name !== "body" || body.ns !== NS_HTTPBIND) throw new BoshError("bad-request", 400);
  const ridText = body.attrs["rid"] ?? "";
  // §7.1: a positive integer below 2^53 (we never need more).
  if (!/^[0-9]{1,15}$/.test(ridText)) throw new BoshError("bad-request", 400);
  const xbosh = prefixOf(body, NS_XBOSH);
  const payloads: Element[] = [];
  for (const c of body.children) if (typeof c !== "string") payloads.push(requalify(c));
  return {
    sid: body.attrs["sid"],
    rid: Number(ridText),
    attrs: body.attrs,
    payloads,
    restart: xbosh !== undefined && body.attrs[`${xbosh}:restart`] === "true",
    terminate: body.attrs["type"] === "terminate",
  };
}

/** The prefix the body declares for `ns`, if any (`xmlns:xmpp="urn:xmpp:xbosh"` → `xmpp`). */
function prefixOf(body: Element, ns: string): string | undefined {
  for (const key in body.attrs) if (key.startsWith("xmlns:") && body.attrs[key] === ns) return key.slice(6);
  return undefined;
}

/** XEP-0206 §8: stanzas are jabber:client; one written without its own xmlns inherits httpbind's, so fix it. */
function requalify(e: Element): Element {
  if (e.ns !== NS_HTTPBIND) return e;
  e.ns = NS.client;
  for (const c of e.children) if (typeof c !== "string") requalify(c);
  return e;
}

/** A response `<body/>` with the given attributes (already strings) and serialised children. */
export function bodyXml(attrs: Readonly<Record<string, string>>, children: readonly string[] = []): string {
  let out = `<body xmlns="${NS_HTTPBIND}"`;
  for (const key in attrs) out += ` ${key}="${escapeAttr(attrs[key] as string)}"`;
  if (children.length === 0) return out + "/>";
  out += ">";
  for (const c of children) out += c;
  return out + "</body>";
}

/** XEP-0124 §17.2: `<body type="terminate" condition="…"/>`, children (a stream error) included. */
export function terminateXml(condition: BoshCondition | undefined, children: readonly string[] = []): string {
  const attrs: Record<string, string> = { type: "terminate" };
  if (condition !== undefined) attrs["condition"] = condition;
  if (children.length > 0) attrs["xmlns:stream"] = NS.stream;
  return bodyXml(attrs, children);
}
