/**
 * Stream errors (RFC 6120 §4.9): unrecoverable, they end the stream. Thrown inside a session and
 * turned into `<stream:error>` plus close by the session, its one boundary.
 */
export type StreamErrorCondition =
  | "bad-format"
  | "conflict"
  | "connection-timeout"
  | "host-unknown"
  | "internal-server-error"
  | "invalid-from"
  | "invalid-namespace"
  | "not-authorized"
  | "not-well-formed"
  | "policy-violation"
  | "reset"
  | "restricted-xml"
  | "see-other-host"
  | "system-shutdown"
  | "undefined-condition"
  | "unsupported-encoding"
  | "unsupported-stanza-type"
  | "unsupported-version";

export class StreamError extends Error {
  override readonly name = "StreamError";
  constructor(
    readonly condition: StreamErrorCondition,
    readonly text?: string,
  ) {
    super(text === undefined ? condition : `${condition}: ${text}`);
  }
}
