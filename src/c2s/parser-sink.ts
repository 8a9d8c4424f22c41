/**
 * The one handler object of a client connection and of its XML parser. It forwards to a session that
 * can change: when a stream is resumed (XEP-0198 §5), the hibernated session takes over the new
 * connection mid-stream, parser included. One small object per connection instead of closures.
 */
import type { Connection, ConnectionHandlers } from "../transport/connection.js";
import type { Element } from "../xml/element.js";
import { STANZA_TOO_BIG, type ParseErrorCondition, type StreamParserHandlers } from "../xml/stream-parser.js";
import { StreamError } from "../xmpp/stream-error.js";

export interface SinkTarget {
  lastActivity: number;
  onData(chunk: string): void;
  /** `conn` tells a resumed session's old connection from its current one. */
  onConnectionClosed(conn: Connection): void;
  onStreamOpen(name: string, ns: string, attrs: Record<string, string>): void;
  onElement(element: Element): void;
  onStreamClose(): void;
  onParseError(condition: ParseErrorCondition, text: string): void;
  /** Ends the stream now, with the stream error first. */
  close(error?: StreamError): void;
}

export class StreamSink implements ConnectionHandlers, StreamParserHandlers {
  constructor(
    public target: SinkTarget,
    readonly conn: Connection,
  ) {}

  data(chunk: string): void {
    this.target.onData(chunk);
  }

  close(): void {
    this.target.onConnectionClosed(this.conn);
  }

  /** Inbound traffic that is not data (WebSocket ping/pong frames, PROTOCOL §2.10). */
  touch(): void {
    this.target.lastActivity = Date.now();
  }

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

  /** A WebSocket frame over the stanza limit (PROTOCOL §9.1): the same error as an oversize stanza on TCP. */
  oversize(): void {
    this.target.close(new StreamError("policy-violation", STANZA_TOO_BIG));
  }
}
