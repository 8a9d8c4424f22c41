import { SaxesParser } from "saxes";
import { describe, expect, it } from "vitest";
import type { Element } from "./element.js";
import { serialize } from "./serialize.js";
import { parseXml, XmlStreamParser, type ParseErrorCondition, type StreamParserOptions } from "./stream-parser.js";

const HEADER = `<?xml version='1.0'?><stream:stream to="localhost" xmlns="jabber:client" xmlns:stream="http://etherx.jabber.org/streams" version="1.0" xml:lang="en">`;

interface Recorded {
  opens: { name: string; ns: string; attrs: Record<string, string> }[];
  elements: Element[];
  closes: number;
  errors: { condition: ParseErrorCondition; text: string }[];
  parser: XmlStreamParser;
  write(...chunks: string[]): Recorded;
}

function record(options: Partial<StreamParserOptions> = {}): Recorded {
  const r = { opens: [], elements: [], closes: 0, errors: [] } as unknown as Recorded;
  r.parser = new XmlStreamParser(
    {
      streamOpen: (name, ns, attrs) => r.opens.push({ name, ns, attrs }),
      element: (e) => r.elements.push(e),
      streamClose: () => void r.closes++,
      error: (condition, text) => r.errors.push({ condition, text }),
    },
    { maxStanzaSize: 1000, defaultNs: "jabber:client", ...options },
  );
  r.write = (...chunks) => {
    for (const c of chunks) r.parser.write(c);
    return r;
  };
  return r;
}

describe("XmlStreamParser in stream mode (RFC 6120 §4)", () => {
  it("reports the header, each depth-1 element with resolved namespaces, and the close", () => {
    const r = record().write(HEADER, `<message to="a@b" type="chat"><body>hi &amp; bye</body></message>`, `</stream:stream>`);
    expect(r.opens).toEqual([
      { name: "stream", ns: "http://etherx.jabber.org/streams", attrs: { to: "localhost", "xmlns:stream": "http://etherx.jabber.org/streams", version: "1.0", "xml:lang": "en" } },
    ]);
    expect(r.elements.map((e) => serialize(e, "jabber:client"))).toEqual([`<message to="a@b" type="chat"><body>hi &amp; bye</body></message>`]);
    expect(r.elements[0]?.ns).toBe("jabber:client");
    expect(r.closes).toBe(1);
    expect(r.errors).toEqual([]);
  });

  it("gives the same elements whatever the chunking, down to one character at a time", () => {
    const stanzas = `<iq type="get" id="1"><query xmlns="jabber:iq:roster"/></iq> <message><body>é😀 &lt;x&gt;</body><x xmlns="urn:a"><y/></x></message>`;
    const whole = record().write(HEADER + stanzas);
    const split = record().write(...[...(HEADER + stanzas)]);
    expect(split.elements.map((e) => serialize(e))).toEqual(whole.elements.map((e) => serialize(e)));
    expect(whole.elements).toHaveLength(2);
    expect(split.errors).toEqual([]);
  });

  it("drops whitespace between child elements but keeps text of text-only elements (PROTOCOL §0.4 rule 1)", () => {
    const r = record().write(HEADER, `<message>\n  <body>  two  spaces  </body>\n  <data xmlns="wss://x/ws">\n</data>\n</message>`);
    expect(serialize(r.elements[0] as Element, "jabber:client")).toBe(`<message><body>  two  spaces  </body><data xmlns="wss://x/ws">\n</data></message>`);
  });

  it("resolves prefixes declared on the stream header and on the element itself", () => {
    const r = record().write(HEADER, `<stream:features/><foo:bar xmlns:foo="urn:foo"><foo:baz/></foo:bar>`);
    expect(r.elements.map((e) => [e.name, e.ns])).toEqual([
      ["features", "http://etherx.jabber.org/streams"],
      ["bar", "urn:foo"],
    ]);
    expect(r.elements[1]?.getChild("baz", "urn:foo")).toBeDefined();
  });

  it("ignores whitespace keepalives between stanzas (RFC 6120 §4.6.1)", () => {
    const r = record({ maxStanzaSize: 100 });
    r.write(HEADER);
    for (let i = 0; i < 50; i++) r.write("   \n", `<presence/>`);
    expect(r.elements).toHaveLength(50);
    expect(r.errors).toEqual([]);
  });

  it("parses a new stream after reset(), XML declaration included (RFC 6120 §6.4.6)", () => {
    const r = record().write(HEADER, `<auth/>`);
    r.parser.reset();
    r.write(HEADER, `<iq/>`);
    expect(r.opens).toHaveLength(2);
    expect(r.elements.map((e) => e.name)).toEqual(["auth", "iq"]);
    expect(r.errors).toEqual([]);
  });
});

describe("XmlStreamParser refuses restricted XML (RFC 6120 §11.1)", () => {
  it.each([
    ["a DTD before the stream header", `<!DOCTYPE stream>${HEADER}`],
    ["a DTD inside the stream", `${HEADER}<!DOCTYPE foo>`],
    ["an entity declaration (billion laughs)", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>${HEADER}<message><body>&lol2;</body></message>`],
    ["a comment", `${HEADER}<!-- hello -->`],
    ["a comment inside a stanza", `${HEADER}<message><!-- x --></message>`],
    ["a processing instruction", `${HEADER}<?foo bar?>`],
    ["a second XML declaration", `${HEADER}<?xml version="1.0"?>`],
    ["an undeclared entity reference", `${HEADER}<message><body>&nbsp;</body></message>`],
  ])("%s is restricted-xml and nothing after it is emitted", (_name, xml) => {
    const r = record({ maxStanzaSize: 10_000 }).write(xml, `<message/>`);
    expect(r.errors.map((e) => e.condition)).toEqual(["restricted-xml"]);
    expect(r.elements).toEqual([]);
  });

  it("refuses a DTD in fragment mode (WebSocket) as well", () => {
    const r = record({ fragment: true }).write(`<!DOCTYPE x [<!ENTITY a "b">]><open/>`);
    expect(r.errors.map((e) => e.condition)).toEqual(["restricted-xml"]);
    expect(r.elements).toEqual([]);
  });
});

describe("XmlStreamParser refuses malformed XML with not-well-formed", () => {
  it.each([
    ["a mismatched close tag", `<message><body>x</iq></message>`],
    ["a mismatched close tag of a stanza", `<message></iq>`],
    ["a close tag of the stream inside a stanza", `<message></stream:stream>`],
    ["a bad character", `<message>\u0001</message>`],
    ["an unquoted attribute", `<message to=a/>`],
    ["a duplicate attribute", `<message to="a" to="b"/>`],
    ["an unbound prefix", `<foo:bar/>`],
    ["a broken tag", `<message<`],
    ["a bad character reference", `<message>&#0;</message>`],
  ])("%s", (_name, xml) => {
    const r = record().write(HEADER, xml, `<presence/>`);
    expect(r.errors.map((e) => e.condition)).toEqual(["not-well-formed"]);
    // The broken stanza is never emitted, nor anything after it, nor a stream close.
    expect(r.elements).toEqual([]);
    expect(r.closes).toBe(0);
  });

  it("still emits the complete stanzas that came before the error", () => {
    const r = record().write(HEADER, `<presence id="ok"/><message></iq>`);
    expect(r.elements.map((e) => e.attrs["id"])).toEqual(["ok"]);
    expect(r.errors).toHaveLength(1);
  });

  it("reports one error only and ignores later input", () => {
    const r = record().write(HEADER, `<a></b>`, `<c></d>`, `<presence/>`);
    expect(r.errors).toHaveLength(1);
    expect(r.parser.hasFailed).toBe(true);
    expect(r.elements).toEqual([]);
  });
});

describe("XmlStreamParser limits (PROTOCOL §9.1)", () => {
  it("refuses a stanza over maxStanzaSize with policy-violation 'XML stanza is too big'", () => {
    const r = record({ maxStanzaSize: 200 }).write(HEADER, `<message><body>${"x".repeat(300)}</body></message>`);
    expect(r.errors).toEqual([{ condition: "policy-violation", text: "XML stanza is too big" }]);
    expect(r.elements).toEqual([]);
  });

  it("stops a huge attribute before its start tag is complete", () => {
    const r = record({ maxStanzaSize: 1000 }).write(HEADER, `<message to="`);
    for (let i = 0; i < 10 && r.errors.length === 0; i++) r.write("a".repeat(500));
    expect(r.errors).toEqual([{ condition: "policy-violation", text: "XML stanza is too big" }]);
  });

  it("stops an endless comment or text before it is complete", () => {
    const comment = record({ maxStanzaSize: 1000 }).write(HEADER, `<!--`);
    const text = record({ maxStanzaSize: 1000 }).write(HEADER, `<message><body>`);
    for (let i = 0; i < 10; i++) {
      comment.write("a".repeat(500));
      text.write("a".repeat(500));
    }
    expect(comment.errors.map((e) => e.condition)).toEqual(["policy-violation"]);
    expect(text.errors.map((e) => e.condition)).toEqual(["policy-violation"]);
  });

  it("accepts a stanza just under the limit however it is split", () => {
    const stanza = `<message><body>${"x".repeat(900)}</body></message>`;
    for (const at of [1, 100, 500, 900, stanza.length - 1]) {
      const r = record({ maxStanzaSize: 1000 }).write(HEADER, stanza.slice(0, at), stanza.slice(at), stanza);
      expect(r.errors, `split at ${at}`).toEqual([]);
      expect(r.elements).toHaveLength(2);
    }
  });

  it("refuses nesting deeper than maxDepth with policy-violation", () => {
    const r = record({ maxDepth: 10 }).write(HEADER, "<a>".repeat(20));
    expect(r.errors.map((e) => e.condition)).toEqual(["policy-violation"]);
  });
});

describe("XmlStreamParser in fragment mode (RFC 7395)", () => {
  it("emits every top-level element and knows when a frame ends inside one", () => {
    const r = record({ fragment: true });
    r.write(`<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="localhost" version="1.0"/>`);
    expect(r.parser.isAtElementBoundary).toBe(true);
    r.write(`<message><body>a</body></message><presence/>`);
    expect(r.elements.map((e) => [e.name, e.ns])).toEqual([
      ["open", "urn:ietf:params:xml:ns:xmpp-framing"],
      ["message", "jabber:client"],
      ["presence", "jabber:client"],
    ]);
    r.write(`<message><body>`);
    expect(r.parser.isAtElementBoundary).toBe(false);
  });

  it("switches to stream mode for a legacy <stream:stream> header, and back after reset()", () => {
    const r = record({ fragment: true });
    r.write(HEADER.replace("<?xml version='1.0'?>", ""));
    expect(r.opens.map((o) => o.name)).toEqual(["stream"]);
    r.write(`<iq type="get"/>`, `</stream:stream>`);
    expect(r.elements.map((e) => e.name)).toEqual(["iq"]);
    expect(r.closes).toBe(1);
    r.parser.reset();
    r.write(`<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="localhost"/>`);
    expect(r.elements.map((e) => e.name)).toEqual(["iq", "open"]);
  });
});

describe("parseXml", () => {
  it("parses one element and refuses trailing elements, incomplete input and restricted XML", () => {
    expect(serialize(parseXml(`<message to="a"><body>x</body></message>`), "jabber:client")).toBe(`<message to="a"><body>x</body></message>`);
    expect(() => parseXml(`<a/><b/>`)).toThrow(/more than one/);
    expect(() => parseXml(`<a>`)).toThrow(/incomplete/);
    expect(() => parseXml(`<!-- x --><a/>`)).toThrow(/Invalid XML/);
    expect(() => parseXml(`<a>${"x".repeat(100)}</a>`, 50)).toThrow(/too big/);
  });
});

describe("saxes internals the parser relies on (saxes 6)", () => {
  it("still has the fields and methods stream-parser.ts patches", () => {
    const sax = new SaxesParser({ xmlns: false }) as unknown as Record<string, unknown>;
    sax["write" as const] && (sax as unknown as SaxesParser).write("<a><b>");
    expect(Array.isArray(sax["stateTable"])).toBe(true);
    expect(typeof sax["chunk"]).toBe("string");
    expect(Array.isArray(sax["tags"])).toBe(true);
    expect(typeof (SaxesParser.prototype as unknown as Record<string, unknown>)["closeTag"]).toBe("function");
    expect(sax["openTagHandler"]).toBeUndefined(); // not an own field: the subclass prototype provides it
  });
});
