/**
 * Random identifiers from a pooled CSPRNG buffer (stream ids, generated resources). `randomBytes(8)` per call
 * costs a native round trip and a Buffer each; a login makes several ids (issue #2: logins/s). Every pooled
 * byte is used once, so the ids are as unpredictable as `randomBytes` output (RFC 6120 §4.7.3).
 */
import { randomFillSync } from "node:crypto";

const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/** `bytes` random bytes as lowercase hex (2 × bytes characters); `bytes` ≤ 4096. */
export function randomHex(bytes: number): string {
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString("hex", offset, offset + bytes);
  offset += bytes;
  return hex;
}
