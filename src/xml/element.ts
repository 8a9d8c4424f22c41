/**
 * Our own XML element type, so the parser stays swappable (DESIGN §2.5). Namespaces are resolved
 * when an element is parsed or built, so `getChild(name, ns)` never depends on where `xmlns` was
 * declared. `ns === ""` means "inherit from the parent": it only occurs on freshly built trees and is
 * resolved when the element is appended to a parent (or by `resolveNamespace`).
 */
export type Node = Element | string;
export type Attrs = Record<string, string>;

export class Element {
  /** Local name (no prefix). */
  readonly name: string;
  /** Resolved namespace; "" until attached to a parent that has one. */
  ns: string;
  /** Attributes, never including the default `xmlns` declaration (that is `ns`). */
  readonly attrs: Attrs;
  readonly children: Node[];

  constructor(name: string, ns: string, attrs: Attrs = {}, children: Node[] = []) {
    this.name = name;
    this.ns = ns;
    this.attrs = attrs;
    this.children = children;
  }

  attr(name: string): string | undefined {
    return this.attrs[name];
  }

  setAttr(name: string, value: string | undefined): this {
    if (value === undefined) delete this.attrs[name];
    else this.attrs[name] = value;
    return this;
  }

  is(name: string, ns?: string): boolean {
    return this.name === name && (ns === undefined || this.ns === ns);
  }

  getChild(name: string, ns?: string): Element | undefined {
    for (const c of this.children) {
      if (typeof c !== "string" && c.name === name && (ns === undefined || c.ns === ns)) return c;
    }
    return undefined;
  }

  getChildren(name: string, ns?: string): Element[] {
    const out: Element[] = [];
    for (const c of this.children) {
      if (typeof c !== "string" && c.name === name && (ns === undefined || c.ns === ns)) out.push(c);
    }
    return out;
  }

  /** First child element in the given namespace, whatever its name (the "payload" of an IQ). */
  getChildByNs(ns: string): Element | undefined {
    for (const c of this.children) if (typeof c !== "string" && c.ns === ns) return c;
    return undefined;
  }

  elements(): Element[] {
    const out: Element[] = [];
    for (const c of this.children) if (typeof c !== "string") out.push(c);
    return out;
  }

  firstElement(): Element | undefined {
    for (const c of this.children) if (typeof c !== "string") return c;
    return undefined;
  }

  /** Concatenated direct text children. */
  text(): string {
    let s = "";
    for (const c of this.children) if (typeof c === "string") s += c;
    return s;
  }

  getChildText(name: string, ns?: string): string | undefined {
    return this.getChild(name, ns)?.text();
  }

  append(...nodes: (Node | undefined | null | false)[]): this {
    for (const n of nodes) {
      if (n === undefined || n === null || n === false) continue;
      if (typeof n !== "string") inheritNamespace(n, this.ns);
      this.children.push(n);
    }
    return this;
  }

  prepend(node: Element): this {
    inheritNamespace(node, this.ns);
    this.children.unshift(node);
    return this;
  }

  /** Removes every direct child element matching name/ns; returns how many were removed. */
  removeChildren(name: string, ns?: string): number {
    let removed = 0;
    for (let i = this.children.length - 1; i >= 0; i--) {
      const c = this.children[i];
      if (c !== undefined && typeof c !== "string" && c.name === name && (ns === undefined || c.ns === ns)) {
        this.children.splice(i, 1);
        removed++;
      }
    }
    return removed;
  }

  /** Deep copy. Stanzas are shared between recipients, so anyone who mutates one must clone first. */
  clone(): Element {
    const children: Node[] = new Array(this.children.length);
    for (let i = 0; i < this.children.length; i++) {
      const c = this.children[i] as Node;
      children[i] = typeof c === "string" ? c : c.clone();
    }
    return new Element(this.name, this.ns, { ...this.attrs }, children);
  }

  /** Shallow copy with new attributes: children are shared (they are treated as immutable). */
  withAttrs(attrs: Attrs): Element {
    return new Element(this.name, this.ns, { ...this.attrs, ...attrs }, this.children.slice());
  }
}

/** Gives `ns` to an element (and its descendants) that was built without one. */
export function inheritNamespace(node: Element, parentNs: string): void {
  if (node.ns !== "" || parentNs === "") return;
  node.ns = parentNs;
  for (const c of node.children) if (typeof c !== "string") inheritNamespace(c, parentNs);
}

type Child = Node | undefined | null | false | readonly (Node | undefined | null | false)[];

/**
 * Builds an element whose call shape mirrors the document (DESIGN §2.5):
 * `el("iq", { type: "result" }, el("query", { xmlns: NS.roster }))`.
 * Undefined attribute values are dropped; `xmlns` sets the namespace.
 */
export function el(name: string, attrs?: Record<string, string | number | undefined> | null, ...children: Child[]): Element {
  let ns = "";
  const a: Attrs = {};
  if (attrs) {
    for (const k in attrs) {
      const v = attrs[k];
      if (v === undefined) continue;
      if (k === "xmlns") ns = String(v);
      else a[k] = String(v);
    }
  }
  const e = new Element(name, ns, a);
  for (const c of children) {
    if (Array.isArray(c)) e.append(...(c as (Node | undefined | null | false)[]));
    else e.append(c as Node | undefined | null | false);
  }
  return e;
}
