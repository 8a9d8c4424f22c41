/**
 * Who may call the admin API (PROTOCOL §8.2): Basic auth as a server admin, a configured bearer token,
 * or an unauthenticated request from a trusted network that carries no forwarding headers.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { BlockList, isIPv4, isIPv6 } from "node:net";
import { parseJid } from "../xmpp/jid.js";

/**
 * `trusted` (network), `token` (bearer) and `admin` (Basic) may call; `unauthorized` (no or malformed
 * credentials) and `bad-password` (Basic that failed verification, counted against the address) get
 * 401; `forbidden` (valid Basic, not an admin) gets 403.
 */
export type AuthOutcome = "trusted" | "token" | "admin" | "unauthorized" | "bad-password" | "forbidden";

export interface AdminAuthDeps {
  /** Lowercase bare JIDs (config `admins`). */
  readonly admins: readonly string[];
  /** §8.2 Decision: a username without a domain means an account on this host. */
  readonly defaultHost: string;
  readonly bearerTokens: readonly string[];
  checkPassword(bareJid: string, password: string): Promise<boolean>;
}

/** `api.trusted_networks` (normalised `address/prefix` strings, config-fields.ts) as a matcher. */
export function buildTrustList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = "", bits, ...rest] = cidr.split("/");
    const prefix = Number(bits);
    const type = isIPv6(address) ? "ipv6" : isIPv4(address) ? "ipv4" : undefined;
    // Never widen trust by accident: a malformed entry is a startup error, not "0 bits".
    if (type === undefined || rest.length > 0 || bits === undefined || !/^\d+$/.test(bits) || prefix > (type === "ipv4" ? 32 : 128)) {
      throw new Error(`invalid trusted network ${JSON.stringify(cidr)}`);
    }
    list.addSubnet(address, prefix, type);
  }
  return list;
}

export async function authorize(req: IncomingMessage, deps: AdminAuthDeps, trusted: BlockList): Promise<AuthOutcome> {
  const header = req.headers.authorization;
  // §8.2: a trusted request with an Authorization header must still present valid credentials.
  if (header === undefined) return isTrustedPeer(req, trusted) ? "trusted" : "unauthorized";
  const match = /^([A-Za-z]+) +(\S+) *$/.exec(header);
  if (match === null) return "unauthorized";
  const scheme = (match[1] ?? "").toLowerCase();
  const value = match[2] ?? "";
  if (scheme === "bearer") return isKnownToken(value, deps.bearerTokens) ? "token" : "unauthorized";
  if (scheme !== "basic") return "unauthorized";
  return checkBasic(value, deps);
}

async function checkBasic(value: string, deps: AdminAuthDeps): Promise<AuthOutcome> {
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) return "unauthorized";
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  let bare: string;
  try {
    // §8.2 Decision: a username without a domain means the default host.
    const jid = parseJid(user.includes("@") ? user : `${user}@${deps.defaultHost}`);
    if (jid.local === "") return "unauthorized";
    bare = jid.bareString;
  } catch {
    return "unauthorized";
  }
  if (!(await deps.checkPassword(bare, password))) return "bad-password";
  return deps.admins.includes(bare) ? "admin" : "forbidden";
}

/** Constant-time over equal-length digests, so a token's prefix cannot be found by timing. */
function isKnownToken(token: string, tokens: readonly string[]): boolean {
  const digest = createHash("sha256").update(token).digest();
  let found = false;
  for (const t of tokens) found = timingSafeEqual(digest, createHash("sha256").update(t).digest()) || found;
  return found;
}

/** Forwarding headers only ever remove network trust (PROTOCOL §8.2 Decision). */
function isTrustedPeer(req: IncomingMessage, trusted: BlockList): boolean {
  const h = req.headers;
  if (h["x-forwarded-for"] !== undefined || h["forwarded"] !== undefined || h["x-real-ip"] !== undefined) return false;
  let address = req.socket.remoteAddress ?? "";
  if (address.toLowerCase().startsWith("::ffff:") && isIPv4(address.slice(7))) address = address.slice(7);
  if (isIPv4(address)) return trusted.check(address, "ipv4");
  if (isIPv6(address)) return trusted.check(address, "ipv6");
  return false;
}
