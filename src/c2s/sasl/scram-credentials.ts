/**
 * Stored SCRAM credentials (PROTOCOL §2.5, RFC 5802 §3, RFC 7677): derivation from a password and password
 * verification for PLAIN logins and the admin `check_password`. Plaintext passwords are never stored.
 */
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { SaslPrepError, saslPrep } from "./saslprep.js";

/** Async PBKDF2 runs on the libuv thread pool, so hashing does not block the event loop. */
const pbkdf2Async = promisify(pbkdf2);

export const SCRAM_HASHES = {
  sha1: { digest: "sha1", size: 20 },
  sha256: { digest: "sha256", size: 32 },
} as const;
export type ScramHashName = keyof typeof SCRAM_HASHES;

/** PROTOCOL §2.5: at least 4096 iterations. */
export const MIN_SCRAM_ITERATIONS = 4096;
/** Upper bound so a corrupt or hostile stored value cannot pin the thread pool. */
export const MAX_SCRAM_ITERATIONS = 10_000_000;
export const SCRAM_SALT_BYTES = 16;

/** StoredKey and ServerKey, base64. */
export interface ScramKeys {
  storedKey: string;
  serverKey: string;
}

/** What the account store keeps per user; all binary values are base64 so they store as JSON/text. */
export interface ScramCredentials {
  salt: string;
  iterations: number;
  sha1: ScramKeys;
  sha256: ScramKeys;
}

export function scramHmac(hash: ScramHashName, key: Uint8Array, data: Uint8Array | string): Buffer {
  return createHmac(SCRAM_HASHES[hash].digest, key).update(data).digest();
}

export function scramHash(hash: ScramHashName, data: Uint8Array): Buffer {
  return createHash(SCRAM_HASHES[hash].digest).update(data).digest();
}

/** RFC 5802 §3: SaltedPassword := Hi(Normalize(password), salt, i); the password must already be SASLprepped. */
export function saltedPassword(hash: ScramHashName, prepped: string, salt: Uint8Array, iterations: number): Promise<Buffer> {
  return pbkdf2Async(Buffer.from(prepped, "utf8"), salt, iterations, SCRAM_HASHES[hash].size, SCRAM_HASHES[hash].digest);
}

/** RFC 5802 §3: ClientKey, StoredKey := H(ClientKey), ServerKey from a SaltedPassword. */
export function scramKeysFromSaltedPassword(
  hash: ScramHashName,
  salted: Uint8Array,
): { clientKey: Buffer; storedKey: Buffer; serverKey: Buffer } {
  const clientKey = scramHmac(hash, salted, "Client Key");
  return { clientKey, storedKey: scramHash(hash, clientKey), serverKey: scramHmac(hash, salted, "Server Key") };
}

function checkIterations(iterations: number): void {
  if (!Number.isInteger(iterations) || iterations < MIN_SCRAM_ITERATIONS || iterations > MAX_SCRAM_ITERATIONS) {
    throw new RangeError(`SCRAM iteration count must be an integer in [${MIN_SCRAM_ITERATIONS}, ${MAX_SCRAM_ITERATIONS}]`);
  }
}

function prepareStoredPassword(password: string): string {
  const prepped = saslPrep(password, { stored: true });
  if (prepped === "") throw new SaslPrepError("password is empty after SASLprep");
  return prepped;
}

async function keysFor(hash: ScramHashName, prepped: string, salt: Buffer, iterations: number): Promise<ScramKeys> {
  const keys = scramKeysFromSaltedPassword(hash, await saltedPassword(hash, prepped, salt, iterations));
  return { storedKey: keys.storedKey.toString("base64"), serverKey: keys.serverKey.toString("base64") };
}

/**
 * Derives credentials with a given salt. Exposed for tests with RFC vectors and for imports; production code
 * uses deriveScramCredentials. Throws SaslPrepError for an empty or prohibited password, RangeError for a
 * bad iteration count.
 */
export async function deriveScramCredentialsWithSalt(
  password: string,
  salt: Uint8Array,
  iterations: number = MIN_SCRAM_ITERATIONS,
): Promise<ScramCredentials> {
  checkIterations(iterations);
  const prepped = prepareStoredPassword(password);
  const saltBuf = Buffer.from(salt);
  const [sha1, sha256] = await Promise.all([
    keysFor("sha1", prepped, saltBuf, iterations),
    keysFor("sha256", prepped, saltBuf, iterations),
  ]);
  return { salt: saltBuf.toString("base64"), iterations, sha1, sha256 };
}

/** Derives fresh credentials with a random 16-byte salt (default 4096 iterations). */
export function deriveScramCredentials(password: string, iterations: number = MIN_SCRAM_ITERATIONS): Promise<ScramCredentials> {
  return deriveScramCredentialsWithSalt(password, randomBytes(SCRAM_SALT_BYTES), iterations);
}

/** Decodes a base64 key and checks its length for the hash; undefined when it does not fit. */
export function decodeScramKey(hash: ScramHashName, b64: string): Buffer | undefined {
  const buf = Buffer.from(b64, "base64");
  return buf.length === SCRAM_HASHES[hash].size ? buf : undefined;
}

/**
 * Checks a password against stored credentials. Derives only the SHA-1 SaltedPassword (one PBKDF2, the
 * cheapest) and compares StoredKey in constant time. Never throws: malformed credentials or a password that
 * fails SASLprep give false.
 */
export async function verifyPassword(creds: ScramCredentials, password: string): Promise<boolean> {
  let prepped: string;
  try {
    prepped = saslPrep(password);
  } catch {
    return false;
  }
  const expected = decodeScramKey("sha1", creds.sha1.storedKey);
  const { iterations } = creds;
  if (expected === undefined || !Number.isInteger(iterations) || iterations < 1 || iterations > MAX_SCRAM_ITERATIONS) {
    return false;
  }
  const salted = await saltedPassword("sha1", prepped, Buffer.from(creds.salt, "base64"), iterations);
  // StoredKey := H(HMAC(SaltedPassword, "Client Key")); the ServerKey is not needed to check a password.
  const storedKey = scramHash("sha1", scramHmac("sha1", salted, "Client Key"));
  return storedKey.length === expected.length && timingSafeEqual(storedKey, expected);
}

function isKeys(v: unknown): v is ScramKeys {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o["storedKey"] === "string" && typeof o["serverKey"] === "string";
}

/** Shape check for values read back from storage (JSON). */
export function isScramCredentials(v: unknown): v is ScramCredentials {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o["salt"] === "string" &&
    typeof o["iterations"] === "number" &&
    Number.isInteger(o["iterations"]) &&
    isKeys(o["sha1"]) &&
    isKeys(o["sha256"])
  );
}
