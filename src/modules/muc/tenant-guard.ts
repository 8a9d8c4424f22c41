/**
 * The tenant guard (PROTOCOL §4): keeps users of one App out of another App's rooms and pins the nick
 * to the account. Check 1 (anonymous) always applies (§2.6); `ethora.tenant_guard` switches checks 2
 * and 3. Server admins are exempt from all three. Also used by MucSub subscribe and room MAM queries.
 */
import type { Jid } from "../../xmpp/jid.js";

export type GuardRefusal = "anonymous not allowed" | "wrong app name" | "wrong nickname";

export interface GuardRequest {
  readonly enabled: boolean;
  readonly user: Jid;
  readonly anonymous: boolean;
  readonly serverAdmin: boolean;
  /** The room localpart. */
  readonly room: string;
  /** The requested nick; undefined skips check 3 (archive queries). */
  readonly nick?: string | undefined;
}

export function tenantGuard(request: GuardRequest): GuardRefusal | undefined {
  if (request.serverAdmin) return undefined;
  if (request.anonymous) return "anonymous not allowed";
  if (!request.enabled) return undefined;
  const local = request.user.local;
  const underscore = local.indexOf("_");
  // Check 2: the user has an App P, and the room localpart starts with `P_`.
  if (underscore < 0 || !request.room.startsWith(local.slice(0, underscore + 1))) return "wrong app name";
  // Check 3: the nick is the user's localpart, case-insensitively.
  if (request.nick !== undefined && request.nick.toLowerCase() !== local) return "wrong nickname";
  return undefined;
}
