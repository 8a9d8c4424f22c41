/**
 * Who may call the admin API (PROTOCOL §8.2): Basic auth as a server admin, a configured bearer token,
 * or an unauthenticated request from a trusted network that carries no forwarding headers.
 */
import { BlockList, isIPv4, isIPv6 } from "node:net";
import type { IncomingMessage } from "node:http";
import { parseJid } from "../xmpp/jid.js";

export type AuthOutcome = "ok" | "unauthorized" | "forbidden";

export interface AdminAuthDeps {
  readonly admins: readonly string[];
  readonly defaultHost: string;
  readonly trustedNetworks: readonly string[];
  readonly bearerTokens: readonly string[];
  checkPassword(bareJid: string, password: string): Promise<boolean>;
}

export function buildTrustList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = "", bits = ""] = cidr.split("/");
    const type = isIPv6(address) ? "ipv6" : "ipv4";
    list.addSubnet(address, Number(bits), type);
  }
  return list;
}

export async function authorize(req: IncomingMessage, deps: AdminAuthDeps, trusted: BlockList): Promise<AuthOutcome> {
  const header = req.headers.authorization;
  if (header === undefined) return isTrustedPeer(req, trusted) ? "ok" : "unauthorized";
  const space = header.indexOf(" ");
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === "bearer") return deps.bearerTokens.includes(value) ? "ok" : "unauthorized";
  if (scheme !== "basic") return "unauthorized";
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return "unauthorized";
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  let bare: string;
  try {
    // PROTOCOL §8.2 Decision: a username without a domain means the default host.
    bare = parseJid(user.includes("@") ? user : `${user}@${deps.defaultHost}`).bareString;
  } catch {
    return "unauthorized";
  }
  if (!(await deps.checkPassword(bare, password))) return "unauthorized";
  return deps.admins.includes(bare) ? "ok" : "forbidden";
}

/** Forwarding headers only ever remove network trust (PROTOCOL §1.3, §8.2). */
function isTrustedPeer(req: IncomingMessage, trusted: BlockList): boolean {
  const h = req.headers;
  if (h["x-forwarded-for"] !== undefined || h["forwarded"] !== undefined || h["x-real-ip"] !== undefined) return false;
  let address = req.socket.remoteAddress ?? "";
  if (address.startsWith("::ffff:")) address = address.slice(7);
  if (isIPv4(address)) return trusted.check(address, "ipv4");
  if (isIPv6(address)) return trusted.check(address, "ipv6");
  return false;
}
