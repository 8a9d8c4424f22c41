/**
 * The two ways a client stream is framed: an XML stream over TCP/TLS (RFC 6120 §4) and RFC 7395
 * WebSocket framing (`<open/>`/`<close/>`, one element per frame). The c2s session talks to this
 * interface and never to the difference.
 */
import type { Element } from "../xml/element.js";
import { escapeAttr, escapeText } from "../xml/escape.js";
import { serialize } from "../xml/serialize.js";
import { NS } from "../xmpp/namespaces.js";
import type { StreamErrorCondition } from "../xmpp/stream-error.js";

export interface StreamHeader {
  readonly from: string;
  readonly id: string;
  readonly lang: string;
}

export interface StreamFraming {
  /** True for RFC 7395 framing (`<open/>`); false for an XML stream (also a legacy header over WebSocket). */
  readonly isFramed: boolean;
  /** The default namespace the stream declares for top-level elements ("" when each declares its own). */
  readonly stanzaNs: string;
  header(h: StreamHeader): string;
  features(children: readonly Element[]): string;
  error(condition: StreamErrorCondition, text?: string): string;
  close(): string;
}

const STREAM_NS_DECL = ` xmlns:stream="${NS.stream}"`;

function featuresXml(children: readonly Element[]): string {
  let out = `<stream:features${STREAM_NS_DECL}>`;
  for (const c of children) out += serialize(c, "");
  return out + "</stream:features>";
}

function errorXml(condition: StreamErrorCondition, text?: string): string {
  // PROTOCOL §0.4 rule 6 and §2.7 show exactly this shape.
  let out = `<stream:error${STREAM_NS_DECL}><${condition} xmlns="${NS.streams}"/>`;
  if (text !== undefined) out += `<text xmlns="${NS.streams}">${escapeText(text)}</text>`;
  return out + "</stream:error>";
}

/**
 * RFC 6120 §4.2: the XML stream over TCP; `xmlns:stream` is declared on the header. The declaration
 * uses `"` like every other attribute (PROTOCOL §0.4 rule 3).
 */
export const xmlStreamFraming: StreamFraming = {
  isFramed: false,
  stanzaNs: NS.client,
  header: (h) =>
    `<?xml version="1.0"?><stream:stream xmlns="${NS.client}"${STREAM_NS_DECL} from="${escapeAttr(h.from)}" id="${h.id}" version="1.0" xml:lang="${escapeAttr(h.lang)}">`,
  features: featuresXml,
  error: errorXml,
  close: () => "</stream:stream>",
};

/** A legacy `<stream:stream>` header sent over WebSocket is answered in the same style (PROTOCOL §1.4). */
export const legacyWebSocketFraming: StreamFraming = {
  ...xmlStreamFraming,
  header: (h) =>
    `<stream:stream xmlns="${NS.client}"${STREAM_NS_DECL} from="${escapeAttr(h.from)}" id="${h.id}" version="1.0" xml:lang="${escapeAttr(h.lang)}">`,
};

/** RFC 7395 §3.3: `<open/>`, one element per frame, every stanza declares jabber:client. */
export const webSocketFraming: StreamFraming = {
  isFramed: true,
  stanzaNs: "",
  header: (h) => `<open xmlns="${NS.framing}" from="${escapeAttr(h.from)}" id="${h.id}" version="1.0" xml:lang="${escapeAttr(h.lang)}"/>`,
  features: featuresXml,
  error: errorXml,
  close: () => `<close xmlns="${NS.framing}"/>`,
};
