/**
 * Streaming XML parser for XMPP streams (RFC 6120 §4, §11): emits the stream header, each complete
 * depth-1 element, and the stream close. It enforces, once and here, what RFC 6120 §11.1 forbids and
 * the size and depth limits (PROTOCOL §9.1). In `fragment` mode (WebSocket, RFC 7395 §3.3.3) every
 * top-level element is a stanza or nonza and the caller checks that frames end on element boundaries.
 *
 * Stream error conditions (RFC 6120 §4.9.3, §11.1): DTDs (hence entity declarations and billion-laughs
 * payloads), comments, processing instructions and entity references other than the five predefined
 * ones are "restricted XML features", for which §11.1 says the stream error SHOULD be
 * `<restricted-xml/>`; we follow the RFC there. Anything else saxes rejects (mismatched or unclosed
 * tags, bad characters, bad attributes, undeclared prefixes) is `<not-well-formed/>`. A stanza above
 * `maxStanzaSize` (counted from the end of the previous one, so a huge start tag counts too) and
 * nesting deeper than `maxDepth` are `<policy-violation/>`.
 */
import type { SaxesTagPlain } from "saxes";
import { Element, type Attrs } from "./element.js";
import { SAX_ABORT, StreamSax, isActiveSink, writeSax, type SaxErrorCondition, type SaxSink } from "./sax-driver.js";

export type ParseErrorCondition = "not-well-formed" | "policy-violation" | "restricted-xml";

export interface StreamParserHandlers {
  /** The depth-0 element opened (stream mode only). */
  streamOpen(name: string, ns: string, attrs: Attrs): void;
  /** A depth-1 element (stream mode) or a top-level element (fragment mode) completed. */
  element(element: Element): void;
  /** The depth-0 element closed (stream mode only). */
  streamClose(): void;
  error(condition: ParseErrorCondition, text: string): void;
}

export interface StreamParserOptions {
  /** Maximum characters of one stanza (approximates bytes; PROTOCOL §9.1 `c2s.max_stanza_size`). */
  readonly maxStanzaSize: number;
  readonly maxDepth?: number;
  /** Fragment mode: no enclosing stream element (WebSocket framing). */
  readonly fragment?: boolean;
  /** Namespace given to top-level elements that declare none (`jabber:client`). */
  readonly defaultNs?: string;
}

export const STANZA_TOO_BIG = "XML stanza is too big";
const DEFAULT_MAX_DEPTH = 64;
const XML_NS = "http://www.w3.org/XML/1998/namespace";

interface Frame {
  /** null for the stream element itself: its attributes went to `streamOpen`, it never gets children. */
  readonly element: Element | null;
  /** The default namespace in scope for children (differs from element.ns on prefixed elements). */
  readonly defaultNs: string;
  /** Prefix declarations made on this element as [prefix, uri, prefix, uri…], or null (the usual case). */
  readonly prefixes: string[] | null;
}

export class XmlStreamParser implements SaxSink {
  #sax: StreamSax;
  #stack: Frame[] = [];
  /** Stack depth at which stanzas are emitted: 1 below a stream element, 0 in fragment mode. */
  #stanzaDepth: number;
  /** Characters written so far (saxes' own position is off by a chunk between writes). */
  #consumed = 0;
  /** Where the current stanza began: the end of the previous one (or of inter-stanza text). */
  #mark = 0;
  #failed = false;

  constructor(
    private readonly handlers: StreamParserHandlers,
    private readonly options: StreamParserOptions,
  ) {
    this.#stanzaDepth = options.fragment ? 0 : 1;
    this.#sax = new StreamSax(options.fragment === true);
  }

  /** True when no element is open below the stanza level (a WebSocket frame must end so). */
  get isAtElementBoundary(): boolean {
    return this.#stack.length <= this.#stanzaDepth;
  }

  get hasFailed(): boolean {
    return this.#failed;
  }

  /** Starts over, e.g. after STARTTLS or SASL success (RFC 6120 §5.4.3.3, §6.4.6). */
  reset(): void {
    this.#stack = [];
    this.#failed = false;
    this.#consumed = this.#mark = 0;
    this.#stanzaDepth = this.options.fragment ? 0 : 1;
    this.#sax = new StreamSax(this.options.fragment === true);
  }

  write(chunk: string): void {
    if (this.#failed) return;
    writeSax(this.#sax, this, chunk);
    this.#consumed += chunk.length;
    // Bounds what saxes buffers inside one token too (a huge attribute, text, comment or DTD).
    if (!this.#failed && this.#consumed - this.#mark > this.options.maxStanzaSize) this.fail("policy-violation", STANZA_TOO_BIG);
  }

  // ---- called from the saxes handlers ----

  saxFailed(condition: SaxErrorCondition, message: string): void {
    this.fail(condition, message);
  }

  fail(condition: ParseErrorCondition, text: string): void {
    if (this.#failed) return;
    this.#failed = true;
    this.handlers.error(condition, text);
    if (isActiveSink(this)) throw SAX_ABORT;
  }

  open(tag: SaxesTagPlain): void {
    const depth = this.#stack.length;
    if (depth >= (this.options.maxDepth ?? DEFAULT_MAX_DEPTH)) return this.fail("policy-violation", "XML nesting is too deep");
    const parent = this.#stack[depth - 1];
    const { attrs, declared, prefixes } = splitAttributes(tag.attributes);
    const defaultNs = declared ?? (parent ? parent.defaultNs : (this.options.defaultNs ?? ""));
    let local = tag.name;
    let ns = defaultNs;
    const colon = local.indexOf(":");
    if (colon >= 0) {
      const prefix = local.slice(0, colon);
      local = local.slice(colon + 1);
      const bound = lookupPrefix(prefixes, prefix) ?? this.#lookupPrefix(prefix);
      // An unbound prefix is not namespace-well-formed; on a stream header the session reports it
      // as invalid-namespace instead (RFC 6120 §4.9.3.10), so it gets "" there.
      if (bound === undefined && depth > 0) return this.fail("not-well-formed", `unbound namespace prefix: ${prefix}`);
      ns = bound ?? "";
    }
    if (depth === 0 && this.options.fragment === true && tag.name === "stream:stream") {
      // A legacy `<stream:stream>` header over WebSocket: the rest is an ordinary XML stream.
      this.#stanzaDepth = 1;
    }
    if (depth === 0 && this.#stanzaDepth === 1) {
      this.#stack.push({ element: null, defaultNs, prefixes });
      // saxes keeps the open root tag for the life of the stream; its attributes are no longer needed.
      tag.attributes = EMPTY_ATTRS;
      this.#mark = this.#sax.position;
      this.handlers.streamOpen(local, ns, attrs);
      return;
    }
    this.#stack.push({ element: new Element(local, ns, attrs), defaultNs, prefixes });
  }

  close(): void {
    const frame = this.#stack.pop();
    if (frame === undefined) return;
    const element = frame.element;
    const depth = this.#stack.length;
    if (element === null) {
      this.handlers.streamClose();
      return;
    }
    dropInterElementWhitespace(element);
    if (depth > this.#stanzaDepth) {
      (this.#stack[depth - 1]?.element as Element).children.push(element);
      return;
    }
    const end = this.#sax.position;
    if (end - this.#mark > this.options.maxStanzaSize) return this.fail("policy-violation", STANZA_TOO_BIG);
    this.#mark = end;
    this.handlers.element(element);
  }

  text(text: string): void {
    const depth = this.#stack.length;
    if (depth <= this.#stanzaDepth) {
      // Text between stanzas is whitespace keepalive (RFC 6120 §4.6.1): it carries no content and is
      // ignored, but it moves the start of the next stanza.
      this.#mark = this.#sax.position;
      return;
    }
    const children = (this.#stack[depth - 1]?.element as Element).children;
    const last = children.length - 1;
    if (last >= 0 && typeof children[last] === "string") children[last] += text;
    else children.push(text);
  }

  #lookupPrefix(prefix: string): string | undefined {
    if (prefix === "xml") return XML_NS;
    for (let i = this.#stack.length - 1; i >= 0; i--) {
      const found = lookupPrefix((this.#stack[i] as Frame).prefixes, prefix);
      if (found !== undefined) return found;
    }
    return undefined;
  }
}

/** The element's attributes without its default `xmlns` (that is its namespace), and its prefix declarations. */
function splitAttributes(raw: Record<string, string>): { attrs: Attrs; declared: string | undefined; prefixes: string[] | null } {
  const attrs: Attrs = {};
  let declared: string | undefined;
  let prefixes: string[] | null = null;
  for (const key in raw) {
    const value = raw[key] as string;
    if (key === "xmlns") {
      declared = value;
      continue;
    }
    if (key.startsWith("xmlns:")) (prefixes ??= []).push(key.slice(6), value);
    attrs[key] = value;
  }
  return { attrs, declared, prefixes };
}

const EMPTY_ATTRS: Record<string, string> = Object.freeze({}) as Record<string, string>;

function lookupPrefix(prefixes: string[] | null, prefix: string): string | undefined {
  if (prefixes === null) return undefined;
  for (let i = 0; i < prefixes.length; i += 2) if (prefixes[i] === prefix) return prefixes[i + 1];
  return undefined;
}

/** PROTOCOL §0.4 rule 1: whitespace-only text between child elements is dropped. */
function dropInterElementWhitespace(element: Element): void {
  const children = element.children;
  if (children.length < 2) return;
  let hasElement = false;
  for (const c of children) {
    if (typeof c !== "string") {
      hasElement = true;
      break;
    }
  }
  if (!hasElement) return;
  for (let i = children.length - 1; i >= 0; i--) {
    const c = children[i];
    if (typeof c === "string" && c.trim() === "") children.splice(i, 1);
  }
}

/** Parses one complete XML document or fragment into an Element (stored stanzas, admin input). */
export function parseXml(xml: string, maxSize = 1 << 20): Element {
  let result: Element | undefined;
  let error: string | undefined;
  const parser = new XmlStreamParser(
    {
      streamOpen: () => undefined,
      element: (e) => {
        if (result === undefined) result = e;
        else error ??= "more than one element";
      },
      streamClose: () => undefined,
      error: (_c, text) => {
        error ??= text;
      },
    },
    { maxStanzaSize: maxSize, fragment: true, defaultNs: "jabber:client" },
  );
  parser.write(xml);
  if (!parser.isAtElementBoundary) error ??= "incomplete element";
  if (error !== undefined || result === undefined) throw new Error(`Invalid XML: ${error ?? "no element"}`);
  return result;
}
