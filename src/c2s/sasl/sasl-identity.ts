/**
 * Identities in SASL messages (PROTOCOL §2.3): the authcid is a localpart or `local@HOST`; the authzid may be
 * empty, the localpart (case-insensitive) or the bare JID `local@HOST`. Localparts are normalised as in JIDs
 * (NFKC + lowercase, src/xmpp/jid.ts).
 */
import { isValidLocalpart, tryParseJid } from "../../xmpp/jid.js";

/** The normalised localpart named by an authcid, or undefined if it is not one of ours or is invalid. */
export function localpartFromAuthcid(authcid: string, host: string): string | undefined {
  if (authcid.includes("@")) {
    const jid = tryParseJid(authcid);
    if (jid === undefined || !jid.isBare || jid.local === "" || jid.domain !== host.toLowerCase()) return undefined;
    return jid.local;
  }
  const local = authcid.normalize("NFKC").toLowerCase();
  return isValidLocalpart(local) ? local : undefined;
}

/** PROTOCOL §2.3: is this authzid acceptable for the (already normalised) localpart? */
export function authzidAllowed(authzid: string, localpart: string, host: string): boolean {
  if (authzid === "") return true;
  const lower = authzid.normalize("NFKC").toLowerCase();
  return lower === localpart || lower === `${localpart}@${host.toLowerCase()}`;
}
