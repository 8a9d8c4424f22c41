/**
 * saxes, tuned for many long-lived parsers (one per connected client, PROTOCOL §9.1 memory budget)
 * and for stopping at the first error (RFC 6120 §11: a stream error ends the stream).
 *
 * A parser lives as long as its stream, so its size counts per client. Three things keep it small:
 * handlers live on the prototype of a subclass (saxes' `on()` adds them as keyed properties, which
 * turns every parser into a slow dictionary-mode object of ~3 KB, and would need closures); the
 * state table, a per-instance array of prototype methods, is shared; and the last chunk, which saxes
 * keeps referenced after `write()`, is dropped. saxes calls some handlers without a receiver, so
 * handlers find their sink through `active`, set for the duration of a write.
 */
import { SaxesParser, type SaxesTagPlain } from "saxes";

export type SaxErrorCondition = "not-well-formed" | "restricted-xml";

/** What a StreamSax reports to, during `writeSax`. */
export interface SaxSink {
  open(tag: SaxesTagPlain): void;
  close(): void;
  text(text: string): void;
  /** A restricted feature (RFC 6120 §11.1) or a well-formedness error; parsing stops after it. */
  saxFailed(condition: SaxErrorCondition, message: string): void;
}

/** saxes internals used here (pinned to saxes 6; stream-parser.test.ts checks each of them). */
interface SaxInternals {
  chunk: string;
  name: string;
  tags: SaxesTagPlain[];
  stateTable: unknown[];
  closeTag(): void;
}

type SaxOptions = { xmlns: false; fragment: boolean; position: true };

/** Thrown out of saxes to stop it at the first error: nothing after it is parsed or emitted. */
export const SAX_ABORT = new Error("xml parse aborted");
let active: SaxSink | undefined;

/** Shared: saxes keeps a reference to its options object. */
const STREAM_OPTIONS: SaxOptions = Object.freeze({ xmlns: false, fragment: false, position: true });
const FRAGMENT_OPTIONS: SaxOptions = Object.freeze({ xmlns: false, fragment: true, position: true });

export class StreamSax extends SaxesParser<SaxOptions> {
  constructor(fragment: boolean) {
    super(fragment ? FRAGMENT_OPTIONS : STREAM_OPTIONS);
    (this as unknown as SaxInternals).stateTable = SHARED_STATE_TABLE;
  }

  /** Every saxes error comes through here; stopping at once means a bad stanza is never emitted. */
  override fail(message: string): this {
    active?.saxFailed(conditionOf(message), message);
    throw SAX_ABORT;
  }
}

const SHARED_STATE_TABLE = (new SaxesParser({ xmlns: false }) as unknown as SaxInternals).stateTable;
const saxCloseTag = (SaxesParser.prototype as unknown as SaxInternals).closeTag;

Object.assign(StreamSax.prototype, {
  openTagHandler(tag: SaxesTagPlain): void {
    active?.open(tag);
  },
  closeTagHandler(): void {
    active?.close();
  },
  textHandler(text: string): void {
    active?.text(text);
  },
  cdataHandler(text: string): void {
    active?.text(text);
  },
  doctypeHandler(): void {
    active?.saxFailed("restricted-xml", "DTDs are not allowed");
  },
  commentHandler(): void {
    active?.saxFailed("restricted-xml", "Comments are not allowed");
  },
  piHandler(): void {
    active?.saxFailed("restricted-xml", "Processing instructions are not allowed");
  },
  /**
   * saxes emits `closetag` for the element it pops before it checks the closing name, so a
   * mismatched close (`<message></iq>`) would complete a stanza; check the name first.
   */
  closeTag(this: StreamSax): void {
    const sax = this as unknown as SaxInternals;
    const top = sax.tags[sax.tags.length - 1];
    if (top === undefined || top.name !== sax.name) this.fail(`unexpected close tag: ${sax.name}`);
    saxCloseTag.call(this);
  },
});

/** saxes messages for restricted features it refuses itself (RFC 6120 §11.1). */
function conditionOf(message: string): SaxErrorCondition {
  return /doctype|undefined entity|processing instruction|XML declaration must/i.test(message) ? "restricted-xml" : "not-well-formed";
}

/**
 * Feeds a chunk to `sax`, reporting to `sink`. Returns normally also after an error (the sink was
 * told); the parser must not be written to again after one.
 */
export function writeSax(sax: StreamSax, sink: SaxSink, chunk: string): void {
  const previous = active;
  active = sink;
  try {
    sax.write(chunk);
  } catch (err) {
    if (err !== SAX_ABORT) sink.saxFailed("not-well-formed", err instanceof Error ? err.message : String(err));
  } finally {
    active = previous;
    // saxes keeps the last chunk referenced until the next write; idle streams should not hold it.
    (sax as unknown as SaxInternals).chunk = "";
  }
}

/** Whether a sink is the one being written to now (a failure from inside saxes must abort it). */
export function isActiveSink(sink: SaxSink): boolean {
  return active === sink;
}
