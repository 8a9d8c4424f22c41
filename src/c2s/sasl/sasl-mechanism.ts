/**
 * Server-side SASL (RFC 6120 §6, PROTOCOL §2.2–§2.6): the interface between the c2s session and a mechanism,
 * the mechanism factory, and the default mechanism offer. No I/O beyond the injected backend, no XML.
 */
import { createAnonymousExchange } from "./anonymous-mechanism.js";
import type { JwtVerifier } from "./jwt-verifier.js";
import { createPlainExchange } from "./plain-mechanism.js";
import type { ScramCredentials } from "./scram-credentials.js";
import { createScramExchange } from "./scram-mechanism.js";

export type SaslFailureCondition =
  | "not-authorized"
  | "invalid-authzid"
  | "malformed-request"
  | "invalid-mechanism"
  | "encryption-required"
  | "temporary-auth-failure"
  | "aborted";

export type SaslStep =
  | { readonly kind: "challenge"; readonly data: Buffer }
  | { readonly kind: "success"; readonly localpart: string; readonly data?: Buffer; readonly viaToken: boolean }
  | { readonly kind: "failure"; readonly condition: SaslFailureCondition; readonly text?: string };

export interface SaslAuthBackend {
  readonly host: string;
  /** undefined: no account, or an account without a password (materialised by a JWT login, PROTOCOL §2.4). */
  getCredentials(localpart: string): Promise<ScramCredentials | undefined>;
  /** Set when auth.jwt.key is configured. */
  readonly jwt?: JwtVerifier | undefined;
  /**
   * Secret for the fake SCRAM salt of unknown users. Should be stable across restarts (otherwise an observer
   * can tell fake salts from real ones by reconnecting after a restart). Defaults to a per-process random key.
   */
  readonly scramFakeSaltSecret?: Uint8Array | undefined;
}

/**
 * One authentication attempt. The first call gets the `<auth/>` initial response (null if absent), later calls
 * each `<response/>` payload, base64-decoded by the session (an empty response is an empty Buffer).
 */
export interface SaslExchange {
  step(response: Buffer | null): Promise<SaslStep>;
}

export const SASL_MECHANISM_NAMES = ["PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256", "ANONYMOUS"] as const;
export type SaslMechanismName = (typeof SASL_MECHANISM_NAMES)[number];

export function isSaslMechanismName(name: string): name is SaslMechanismName {
  return (SASL_MECHANISM_NAMES as readonly string[]).includes(name);
}

export function startSaslExchange(mechanism: SaslMechanismName, backend: SaslAuthBackend): SaslExchange {
  switch (mechanism) {
    case "PLAIN":
      return createPlainExchange(backend);
    case "SCRAM-SHA-1":
      return createScramExchange("sha1", backend);
    case "SCRAM-SHA-256":
      return createScramExchange("sha256", backend);
    case "ANONYMOUS":
      return createAnonymousExchange();
  }
}

/**
 * The `<mechanisms/>` offer (PROTOCOL §2.2). Without `mechanisms`: PLAIN only when JWT is configured (a JWT
 * cannot be checked with SCRAM), else SCRAM-SHA-256, SCRAM-SHA-1, PLAIN. ANONYMOUS is appended last when
 * `anonymous` is true, and never offered when it is false. Names are case-insensitive; an unknown name throws,
 * so a config typo fails at startup.
 */
export function offeredMechanisms(cfg: {
  mechanisms?: readonly string[] | undefined;
  jwtConfigured: boolean;
  anonymous: boolean;
}): SaslMechanismName[] {
  const base: readonly SaslMechanismName[] =
    cfg.mechanisms?.map(toMechanismName) ??
    (cfg.jwtConfigured ? ["PLAIN"] : ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"]);
  const offer: SaslMechanismName[] = [...new Set(base)].filter((m) => m !== "ANONYMOUS");
  if (cfg.anonymous) offer.push("ANONYMOUS");
  return offer;
}

function toMechanismName(name: string): SaslMechanismName {
  const upper = name.trim().toUpperCase();
  if (!isSaslMechanismName(upper)) throw new Error(`unknown SASL mechanism in auth.mechanisms: ${name}`);
  return upper;
}
