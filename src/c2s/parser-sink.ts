/**
 * The parser's handler object. It forwards to a session that can change: when a stream is resumed
 * (XEP-0198 §5), the hibernated session takes over the new connection mid-stream, parser included.
 */
import type { Element } from "../xml/element.js";
import type { ParseErrorCondition, StreamParserHandlers } from "../xml/stream-parser.js";

export interface ParserTarget {
  onStreamOpen(name: string, ns: string, attrs: Record<string, string>): void;
  onElement(element: Element): void;
  onStreamClose(): void;
  onParseError(condition: ParseErrorCondition, text: string): void;
}

export class ParserSink implements StreamParserHandlers {
  constructor(public target: ParserTarget) {}

  streamOpen(name: string, ns: string, attrs: Record<string, string>): void {
    this.target.onStreamOpen(name, ns, attrs);
  }

  element(element: Element): void {
    this.target.onElement(element);
  }

  streamClose(): void {
    this.target.onStreamClose();
  }

  error(condition: ParseErrorCondition, text: string): void {
    this.target.onParseError(condition, text);
  }
}
