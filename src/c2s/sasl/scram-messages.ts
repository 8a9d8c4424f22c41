/**
 * Strict parsing of SCRAM client messages (RFC 5802 §7): client-first (GS2 header, `n=`, `r=`, extensions) and
 * client-final (`c=`, `r=`, extensions, `p=`). Attribute order is fixed; `m=` (mandatory extensions) is refused.
 */
import type { SaslFailureCondition } from "./sasl-mechanism.js";

export interface ClientFirst {
  /** The GS2 header as sent, including the trailing comma; `c=` must carry exactly these bytes. */
  gs2Header: string;
  /** Decoded authzid, undefined when absent. */
  authzid: string | undefined;
  /** Decoded username (=2C / =3D unescaped). */
  username: string;
  clientNonce: string;
  /** client-first-message-bare, as sent (part of AuthMessage). */
  bare: string;
}

export interface ClientFinal {
  channelBinding: Buffer;
  nonce: string;
  proof: Buffer;
  /** client-final-message-without-proof, as sent (part of AuthMessage). */
  withoutProof: string;
}

export interface ScramParseFailure {
  condition: SaslFailureCondition;
  text: string;
}

/** saslname: no `,` or `=` except the escapes =2C and =3D (ABNF literals are case-insensitive). */
const SASLNAME = /^(?:[^=,\0]|=2C|=3D)+$/i;
/** printable = %x21-2B / %x2D-7E */
const NONCE = /^[\x21-\x2B\x2D-\x7E]+$/;
/** attr-val = ALPHA "=" value; value is non-empty and has no `,` or NUL. */
const EXTENSION = /^[A-Za-z]=[^,\0]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function decodeSaslname(s: string): string | undefined {
  if (!SASLNAME.test(s)) return undefined;
  return s.replace(/=2C|=3D/gi, (m) => (m === "=2C" || m === "=2c" ? "," : "="));
}

export function decodeStrictBase64(s: string): Buffer | undefined {
  return BASE64.test(s) ? Buffer.from(s, "base64") : undefined;
}

function malformed(text: string): ScramParseFailure {
  return { condition: "malformed-request", text };
}

/** Parses gs2-header + client-first-message-bare. */
export function parseClientFirst(text: string): ClientFirst | ScramParseFailure {
  if (text.includes("\0")) return malformed("NUL in client-first-message");
  const c1 = text.indexOf(",");
  const c2 = c1 < 0 ? -1 : text.indexOf(",", c1 + 1);
  if (c2 < 0) return malformed("bad GS2 header");
  const flag = text.slice(0, c1);
  const authzField = text.slice(c1 + 1, c2);
  // We offer no -PLUS mechanism, so a client asking for channel binding cannot proceed (RFC 5802 §6).
  if (flag.startsWith("p=")) return malformed("channel binding is not supported");
  // `y` (client could bind but thinks we cannot) is fine while no -PLUS is offered; were one offered, `y`
  // would signal a downgrade and must fail (RFC 5802 §6).
  if (flag !== "n" && flag !== "y") return malformed("bad GS2 channel binding flag");
  let authzid: string | undefined;
  if (authzField !== "") {
    authzid = authzField.startsWith("a=") ? decodeSaslname(authzField.slice(2)) : undefined;
    if (authzid === undefined) return malformed("bad authzid");
  }
  const bare = text.slice(c2 + 1);
  const attrs = bare.split(",");
  const [userAttr = "", nonceAttr = "", ...extensions] = attrs;
  if (userAttr.startsWith("m=")) return malformed("mandatory extensions are not supported");
  const username = userAttr.startsWith("n=") ? decodeSaslname(userAttr.slice(2)) : undefined;
  if (username === undefined) return malformed("bad or missing username");
  const clientNonce = nonceAttr.startsWith("r=") ? nonceAttr.slice(2) : "";
  if (!NONCE.test(clientNonce)) return malformed("bad or missing nonce");
  if (!extensions.every((e) => EXTENSION.test(e))) return malformed("bad extension attribute");
  return { gs2Header: text.slice(0, c2 + 1), authzid, username, clientNonce, bare };
}

/** Parses client-final-message; undefined when it is not well-formed. */
export function parseClientFinal(text: string): ClientFinal | undefined {
  if (text.includes("\0")) return undefined;
  const attrs = text.split(",");
  if (attrs.length < 3) return undefined;
  const [cAttr = "", rAttr = ""] = attrs;
  const pAttr = attrs[attrs.length - 1] ?? "";
  const extensions = attrs.slice(2, -1);
  if (!cAttr.startsWith("c=") || !rAttr.startsWith("r=") || !pAttr.startsWith("p=")) return undefined;
  if (!extensions.every((e) => EXTENSION.test(e) && !e.startsWith("p="))) return undefined;
  const channelBinding = decodeStrictBase64(cAttr.slice(2));
  const proof = decodeStrictBase64(pAttr.slice(2));
  const nonce = rAttr.slice(2);
  if (channelBinding === undefined || proof === undefined || !NONCE.test(nonce)) return undefined;
  return { channelBinding, nonce, proof, withoutProof: text.slice(0, text.length - pAttr.length - 1) };
}
