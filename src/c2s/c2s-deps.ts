/**
 * What a client stream needs from the server, wired by server.ts. Everything here is an instance
 * value: no module-level state (DESIGN §2.12).
 */
import type { Logger } from "pino";
import type { Config } from "../config/load-config.js";
import type { Hooks } from "../core/hooks.js";
import type { LocalSessionDirectory } from "../core/session-directory.js";
import type { Router } from "../router/stanza-router.js";
import type { Jid } from "../xmpp/jid.js";
import type { C2sSession } from "./c2s-session.js";
import type { KeepaliveSweeper } from "./keepalive.js";
import type { AuthThrottle } from "./sasl/auth-throttle.js";
import type { SaslAuthBackend, SaslMechanismName } from "./sasl/sasl-mechanism.js";

export interface C2sAuth {
  saslBackend(host: string): SaslAuthBackend;
  /** The offer on a listener (its `mechanisms`, PROTOCOL §2.2), less PLAIN without TLS when `auth.plain_requires_tls`. */
  mechanisms(listenerOffer: readonly string[], secure: boolean): readonly SaslMechanismName[];
  /**
   * Called after SASL success, before `<success/>` is sent: materialises a JWT-authenticated account
   * (PROTOCOL §2.4) and applies what account creation entails. False refuses the login.
   */
  accountReady(user: Jid, viaToken: boolean, anonymous: boolean): Promise<boolean>;
}

export interface C2sDeps {
  readonly config: Config;
  readonly hosts: ReadonlySet<string>;
  readonly log: Logger;
  readonly router: Router;
  readonly sessions: LocalSessionDirectory;
  readonly hooks: Hooks;
  readonly auth: C2sAuth;
  readonly throttle: AuthThrottle;
  readonly keepalive: KeepaliveSweeper;
  /** Sessions that may be resumed (XEP-0198), by resumption id. */
  readonly resumable: Map<string, C2sSession>;
  /** Every open stream, for shutdown. */
  readonly streams: Set<{ shutdown(): Promise<void> }>;
}
