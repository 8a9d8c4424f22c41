/**
 * The write side of a bound client stream: XEP-0198 accounting of every stanza sent (PROTOCOL §2.11), ack requests,
 * and the slow-consumer cut-off. Kept apart from the session's state machine so both stay readable.
 */
import { el, type Element } from "../xml/element.js";
import type { Jid } from "../xmpp/jid.js";
import { NS } from "../xmpp/namespaces.js";
import { StreamError } from "../xmpp/stream-error.js";
import type { Connection } from "../transport/connection.js";
import type { StreamManagementState } from "./stream-management.js";

/** A client that reads this much slower than it is written to is cut off (slow consumer). */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** XEP-0198 queue bound (ejabberd's max_ack_queue): past it the session ends and hands the queue on. */
const MAX_UNACKED = 5000;

interface OutputSession {
  readonly conn: Connection;
  readonly sm: StreamManagementState | undefined;
  close(error?: StreamError): void;
}

/** Counts a stanza for XEP-0198; false when the queue is full: the session then ends and `session.closed` gets it. */
export function queueForAck(session: OutputSession, sm: StreamManagementState, stanza: Element): boolean {
  sm.sent(stanza);
  if (sm.unackedCount <= MAX_UNACKED) return true;
  session.close(new StreamError("policy-violation", "Too many unacknowledged stanzas"));
  return false;
}

export function writeStanza(session: OutputSession, bytes: string): void {
  session.conn.write(bytes);
  // XEP-0198 §4: ask for an acknowledgement every few stanzas.
  if (session.sm !== undefined && session.sm.wantsAckRequest(Date.now())) session.conn.write(`<r xmlns="${NS.sm}"/>`);
  if (session.conn.bufferedBytes > MAX_BUFFERED_BYTES) {
    session.close(new StreamError("policy-violation", "Too much data queued for this client"));
  }
}

/** PROTOCOL §2.10: the server's XEP-0199 ping to an idle client. */
export function keepalivePing(host: string, to: Jid, seq: number): Element {
  return el("iq", { type: "get", id: `ka-${seq}`, from: host, to: to.toString() }, el("ping", { xmlns: NS.ping }));
}
