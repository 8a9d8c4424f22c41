/**
 * JWT passwords for SASL PLAIN (PROTOCOL §2.4): HMAC-signed compact JWS, `exp` required (with leeway), `nbf`
 * honoured, the `jid_field` claim's bare JID must be the authenticating user. Signature checking is jose's
 * (constant-time MAC comparison); claims are checked here so that exactly the PROTOCOL rules apply and
 * other claims are ignored.
 */
import { readFileSync, statSync } from "node:fs";
import { compactVerify } from "jose";

/** HMAC algorithms; nothing else is ever accepted (`none` and asymmetric algorithms are rejected). */
export const JWT_HMAC_ALGORITHMS = ["HS256", "HS384", "HS512"] as const;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Tokens longer than this are not JWT passwords we issue; refuse before doing any crypto. */
const MAX_TOKEN_LENGTH = 8192;

export interface JwtVerifier {
  /** True when the token is valid for `expectedBareJid` (`<authcid>@<host>`). Never throws. */
  verify(token: string, expectedBareJid: string): Promise<boolean>;
}

/** Companion of the JwtVerifier interface: `JwtVerifier.looksLikeJws(s)`. */
export const JwtVerifier = {
  /** Three non-empty base64url segments joined by `.` (PROTOCOL §2.3 step 1). */
  looksLikeJws(s: string): boolean {
    return s.length <= MAX_TOKEN_LENGTH && COMPACT_JWS.test(s);
  },
} as const;

export interface JwtVerifierConfig {
  /** auth.jwt.key: raw secret, JWK `{"kty":"oct","k":…}`, or a path to a file holding either. */
  key: string;
  /** auth.jwt.jid_field, default `jid`. */
  jidField?: string | undefined;
  /** auth.jwt.algorithms: extra HMAC algorithms besides HS256. */
  algorithms?: readonly string[] | undefined;
  /** auth.jwt.leeway_s, default 30. */
  leewaySeconds?: number | undefined;
  /** Clock in ms since the epoch; for tests. */
  now?: (() => number) | undefined;
}

/**
 * Builds a verifier; throws on a bad key or algorithm list, so configuration errors surface at startup.
 */
export function createJwtVerifier(cfg: JwtVerifierConfig): JwtVerifier {
  const key = resolveJwtKey(cfg.key);
  const algorithms = allowedAlgorithms(cfg.algorithms);
  const jidField = cfg.jidField ?? "jid";
  const leeway = cfg.leewaySeconds ?? 30;
  if (!Number.isFinite(leeway) || leeway < 0) throw new Error("auth.jwt.leeway_s must be a non-negative number");
  const now = cfg.now ?? Date.now;
  return {
    async verify(token: string, expectedBareJid: string): Promise<boolean> {
      if (!JwtVerifier.looksLikeJws(token)) return false;
      let payload: Uint8Array;
      try {
        const result = await compactVerify(token, key, { algorithms });
        if (result.protectedHeader.b64 === false) return false;
        payload = result.payload;
      } catch {
        return false;
      }
      return claimsValid(payload, { jidField, leeway, nowSeconds: now() / 1000, expectedBareJid });
    },
  };
}

function allowedAlgorithms(extra: readonly string[] | undefined): string[] {
  const allowed = new Set<string>(["HS256"]);
  for (const alg of extra ?? []) {
    if (!(JWT_HMAC_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new Error(`auth.jwt.algorithms: only HMAC algorithms (${JWT_HMAC_ALGORITHMS.join(", ")}) are allowed, got ${alg}`);
    }
    allowed.add(alg);
  }
  return [...allowed];
}

interface ClaimCheck {
  jidField: string;
  leeway: number;
  nowSeconds: number;
  expectedBareJid: string;
}

/** PROTOCOL §2.4 claims: jid field required and matching, exp required, nbf honoured (both with leeway). */
function claimsValid(payload: Uint8Array, check: ClaimCheck): boolean {
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch {
    return false;
  }
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) return false;
  const c = claims as Record<string, unknown>;
  const { exp, nbf } = c;
  const jid = c[check.jidField];
  if (typeof exp !== "number" || !Number.isFinite(exp) || check.nowSeconds > exp + check.leeway) return false;
  if (nbf !== undefined && (typeof nbf !== "number" || !Number.isFinite(nbf) || check.nowSeconds < nbf - check.leeway)) {
    return false;
  }
  if (typeof jid !== "string") return false;
  const slash = jid.indexOf("/");
  const bare = slash < 0 ? jid : jid.slice(0, slash);
  return bare.toLowerCase() === check.expectedBareJid.toLowerCase();
}

/**
 * Turns auth.jwt.key into HMAC key bytes. A JSON object is a JWK (or a JWK Set with exactly one `oct` key);
 * a string naming an existing file is read (surrounding whitespace trimmed) and interpreted the same way;
 * anything else is the raw secret (UTF-8).
 */
export function resolveJwtKey(spec: string): Uint8Array {
  if (spec.trim() === "") throw new Error("auth.jwt.key is empty");
  if (spec.trim().startsWith("{")) return keyFromJwkJson(spec);
  if (isFile(spec)) {
    const content = readFileSync(spec, "utf8").trim();
    if (content === "") throw new Error(`auth.jwt.key file ${spec} is empty`);
    return content.startsWith("{") ? keyFromJwkJson(content) : Buffer.from(content, "utf8");
  }
  return Buffer.from(spec, "utf8");
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function keyFromJwkJson(json: string): Uint8Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error("auth.jwt.key: invalid JWK JSON");
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (Array.isArray(keys)) {
    const oct = keys.filter((k: unknown) => (k as { kty?: unknown } | null)?.kty === "oct");
    if (oct.length !== 1) throw new Error("auth.jwt.key: a JWK Set must contain exactly one oct key");
    parsed = oct[0];
  }
  const jwk = parsed as { kty?: unknown; k?: unknown } | null;
  if (jwk?.kty !== "oct" || typeof jwk.k !== "string" || !BASE64URL.test(jwk.k)) {
    throw new Error('auth.jwt.key: JWK must be {"kty":"oct","k":"<base64url>"}');
  }
  return Buffer.from(jwk.k, "base64url");
}
