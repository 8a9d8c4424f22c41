/**
 * What the rest of the server may know about one client session (DESIGN §2.12: a session exposes
 * send, jid and close; module state lives in modules, keyed by the session in a WeakMap).
 */
import type { Element } from "../xml/element.js";
import type { Jid } from "../xmpp/jid.js";
import type { StreamError } from "../xmpp/stream-error.js";
import type { SharedStanza } from "../router/shared-stanza.js";

export interface Session {
  /** Process-unique id. */
  readonly id: number;
  /** The full JID; only sessions that have bound a resource are ever visible to modules. */
  readonly jid: Jid;
  readonly isAnonymous: boolean;
  /** Bound at this time (ms); the session cap ends the oldest first (PROTOCOL §2.7). */
  readonly boundAt: number;
  /** Sent initial presence and not unavailable since (PROTOCOL §0.5 "available session"). */
  readonly isAvailable: boolean;
  /** Hibernated for stream resumption (PROTOCOL §2.11); counts as online for routing, not for pushes. */
  readonly isHibernated: boolean;
  /** Priority of the last available presence (RFC 6121 §4.7.2.3). */
  readonly priority: number;
  /** The last available presence broadcast by this session, if any. */
  readonly presence: Element | undefined;
  readonly remoteAddress: string;
  /**
   * Records the session's broadcast presence (undefined = unavailable). Only the presence module
   * calls this; becoming available emits `session.available`.
   */
  setPresence(presence: Element | undefined, priority: number): void;
  /** Delivers a stanza to this client. Only the router calls this (DESIGN §2.1 principle 2). */
  deliver(stanza: Element): void;
  /**
   * Delivers one recipient's copy of a broadcast, reusing the bytes serialised for everyone
   * (optional: the router falls back to `deliver` with a per-recipient copy).
   */
  deliverShared?(shared: SharedStanza): void;
  /** Ends the session; with an error, sends it as a stream error first. */
  close(error?: StreamError): void;
}
