/**
 * Payload codecs (DESIGN §2.5): each payload a module understands decodes to a typed value, throwing
 * StanzaError("bad-request") when malformed. The IQ router keys handlers by a codec's (ns, name).
 */
import type { Element } from "../xml/element.js";

export interface PayloadCodec<T> {
  readonly ns: string;
  readonly name: string;
  decode(element: Element): T;
}

/** A codec that hands the payload element through, for payloads read with a few getChild calls. */
export function elementCodec(name: string, ns: string): PayloadCodec<Element> {
  return { ns, name, decode: (e) => e };
}
