/**
 * Streaming XML parser for XMPP streams (RFC 6120 §4, §11): emits the stream header, each complete
 * depth-1 element, and the stream close. It enforces, once and here, what RFC 6120 §11.1 forbids
 * (DTDs, comments, processing instructions; undeclared entities are refused by saxes itself) and the
 * size and depth limits (PROTOCOL §9.1). In `fragment` mode (WebSocket, RFC 7395 §3.3.3) every
 * top-level element is a stanza or nonza and the caller checks that frames end on element boundaries.
 */
import { SaxesParser, type SaxesTagPlain } from "saxes";
import { Element, type Attrs } from "./element.js";

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

interface Frame {
  readonly element: Element;
  /** The default namespace in scope for children (differs from element.ns on prefixed elements). */
  readonly defaultNs: string;
  /** Prefix declarations made on this element, if any (rare; null keeps frames small). */
  readonly prefixes: Map<string, string> | null;
}

export class XmlStreamParser {
  #sax!: SaxesParser<{ xmlns: false; fragment: boolean; position: true }>;
  #stack: Frame[] = [];
  /** Stack depth at which stanzas are emitted: 1 below a stream element, 0 in fragment mode. */
  #stanzaDepth: number;
  #stanzaStart = 0;
  #failed = false;
  #streamOpened = false;

  constructor(
    private readonly handlers: StreamParserHandlers,
    private readonly options: StreamParserOptions,
  ) {
    this.#stanzaDepth = options.fragment ? 0 : 1;
    this.reset();
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
    this.#streamOpened = false;
    const sax = new SaxesParser({ xmlns: false, fragment: this.options.fragment === true, position: true });
    sax.on("opentag", (tag) => this.#open(tag));
    sax.on("closetag", () => this.#close());
    sax.on("text", (text) => this.#text(text));
    sax.on("cdata", (text) => this.#text(text));
    sax.on("doctype", () => this.#fail("restricted-xml", "DTDs are not allowed"));
    sax.on("comment", () => this.#fail("restricted-xml", "Comments are not allowed"));
    sax.on("processinginstruction", () => this.#fail("restricted-xml", "Processing instructions are not allowed"));
    sax.on("error", (err) => this.#fail("not-well-formed", err.message));
    this.#sax = sax;
  }

  write(chunk: string): void {
    if (this.#failed) return;
    try {
      this.#sax.write(chunk);
    } catch (err) {
      this.#fail("not-well-formed", err instanceof Error ? err.message : String(err));
      return;
    }
    if (!this.#failed && this.#stack.length > this.#stanzaDepth) this.#checkSize();
  }

  /** Switches a fragment-mode parser to stream mode (a legacy `<stream:stream>` over WebSocket). */
  #enterStreamMode(): void {
    this.#stanzaDepth = 1;
  }

  #checkSize(): void {
    if (this.#sax.position - this.#stanzaStart > this.options.maxStanzaSize) {
      this.#fail("policy-violation", "XML stanza is too big");
    }
  }

  #fail(condition: ParseErrorCondition, text: string): void {
    if (this.#failed) return;
    this.#failed = true;
    // Stop saxes from delivering any more events for the rest of this chunk.
    this.#sax.off("opentag");
    this.#sax.off("closetag");
    this.#sax.off("text");
    this.#sax.off("cdata");
    this.#sax.on("error", () => undefined);
    this.handlers.error(condition, text);
  }

  #open(tag: SaxesTagPlain): void {
    if (this.#failed) return;
    const depth = this.#stack.length;
    if (depth >= (this.options.maxDepth ?? 64)) return this.#fail("policy-violation", "XML nesting is too deep");
    const parent = this.#stack[depth - 1];
    const { ns, defaultNs, prefixes, local, attrs } = this.#resolve(tag, parent);
    if (depth === 0 && this.options.fragment && tag.name === "stream:stream" && !this.#streamOpened) {
      this.#enterStreamMode();
    }
    const element = new Element(local, ns, attrs);
    this.#stack.push({ element, defaultNs, prefixes });
    if (depth === this.#stanzaDepth) this.#stanzaStart = this.#sax.position;
    if (depth === 0 && this.#stanzaDepth === 1) {
      this.#streamOpened = true;
      this.handlers.streamOpen(local, ns, attrs);
    }
  }

  #close(): void {
    if (this.#failed) return;
    const frame = this.#stack.pop();
    if (!frame) return;
    const element = frame.element;
    dropInterElementWhitespace(element);
    const depth = this.#stack.length;
    if (depth > this.#stanzaDepth) {
      (this.#stack[depth - 1] as Frame).element.children.push(element);
    } else if (depth === this.#stanzaDepth) {
      if (this.#sax.position - this.#stanzaStart > this.options.maxStanzaSize) {
        return this.#fail("policy-violation", "XML stanza is too big");
      }
      this.handlers.element(element);
    } else {
      this.handlers.streamClose();
    }
  }

  #text(text: string): void {
    if (this.#failed) return;
    const depth = this.#stack.length;
    // Text at stream level is whitespace keepalive (RFC 6120 §4.6.1); it carries no content.
    if (depth <= this.#stanzaDepth) return;
    const children = (this.#stack[depth - 1] as Frame).element.children;
    const last = children.length - 1;
    if (last >= 0 && typeof children[last] === "string") children[last] += text;
    else children.push(text);
  }

  #resolve(tag: SaxesTagPlain, parent: Frame | undefined) {
    const raw = tag.attributes;
    const attrs: Attrs = {};
    let declared: string | undefined;
    let prefixes: Map<string, string> | null = null;
    for (const key in raw) {
      const value = raw[key] as string;
      if (key === "xmlns") declared = value;
      else {
        if (key.startsWith("xmlns:")) (prefixes ??= new Map()).set(key.slice(6), value);
        attrs[key] = value;
      }
    }
    const defaultNs = declared ?? (parent ? parent.defaultNs : (this.options.defaultNs ?? ""));
    let local = tag.name;
    let ns = defaultNs;
    const colon = local.indexOf(":");
    if (colon >= 0) {
      const prefix = local.slice(0, colon);
      local = local.slice(colon + 1);
      ns = prefixes?.get(prefix) ?? this.#lookupPrefix(prefix) ?? "";
    }
    return { ns, defaultNs, prefixes, local, attrs };
  }

  #lookupPrefix(prefix: string): string | undefined {
    if (prefix === "xml") return "http://www.w3.org/XML/1998/namespace";
    for (let i = this.#stack.length - 1; i >= 0; i--) {
      const p = (this.#stack[i] as Frame).prefixes?.get(prefix);
      if (p !== undefined) return p;
    }
    return undefined;
  }
}

/** PROTOCOL §0.4 rule 1: whitespace-only text between child elements is dropped. */
function dropInterElementWhitespace(element: Element): void {
  const children = element.children;
  if (children.length < 2) return;
  let hasElement = false;
  for (const c of children) if (typeof c !== "string") { hasElement = true; break; }
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
      element: (e) => { if (result === undefined) result = e; else error ??= "more than one element"; },
      streamClose: () => undefined,
      error: (_c, text) => { error ??= text; },
    },
    { maxStanzaSize: maxSize, fragment: true, defaultNs: "jabber:client" },
  );
  parser.write(xml);
  if (!parser.isAtElementBoundary) error ??= "incomplete element";
  if (error !== undefined || result === undefined) throw new Error(`Invalid XML: ${error ?? "no element"}`);
  return result;
}
