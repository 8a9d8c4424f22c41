/**
 * A stanza sent to many recipients (a room broadcast): serialised once per wire format with the `to`
 * attribute left out, so each recipient costs one string concatenation (issue #3: fan-out builds a
 * message's bytes once per broadcast, not once per recipient).
 */
import type { Element } from "../xml/element.js";
import { fillTemplate, stanzaTemplate, type StanzaTemplate } from "../xml/serialize.js";

export class SharedStanza {
  #templates: Map<string, StanzaTemplate> | undefined;

  constructor(readonly stanza: Element) {}

  /** The bytes for one recipient; `inheritedNs` is the stream's default namespace ("" on WebSocket). */
  bytesFor(to: string, inheritedNs: string): string {
    this.#templates ??= new Map();
    let t = this.#templates.get(inheritedNs);
    if (t === undefined) {
      t = stanzaTemplate(this.stanza, inheritedNs);
      this.#templates.set(inheritedNs, t);
    }
    return fillTemplate(t, to);
  }

  /** The stanza as one recipient sees it, for code that needs an Element (stream-management queues). */
  elementFor(to: string): Element {
    return this.stanza.withAttrs({ to });
  }
}
