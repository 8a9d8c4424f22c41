/**
 * Payloads of the Ethora user block IQs (PROTOCOL §7.7): `<query xmlns="ns:deepx:muc:user:block|unblock" user="…"/>`
 * and `<query xmlns="ns:deepx:muc:user:blocklist"/>`, and the blocklist reply with `<item user date fullname/>`.
 * Decoding keeps `user` raw: the §7 preamble (addressing) is checked before the request rules (user-block.iq.ts).
 */
import type { PayloadCodec } from "../../core/codec.js";
import { el, type Element } from "../../xml/element.js";
import { tryParseJid, type Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";

export interface UserBlockRequest {
  /** The `user` attribute as sent; undefined when absent. */
  readonly user: string | undefined;
}

const decodeUser = (element: Element): UserBlockRequest => ({ user: element.attrs["user"] });

export const UserBlockCodec: PayloadCodec<UserBlockRequest> = { ns: NS.userBlock, name: "query", decode: decodeUser };
export const UserUnblockCodec: PayloadCodec<UserBlockRequest> = { ns: NS.userUnblock, name: "query", decode: decodeUser };
export const UserBlocklistCodec: PayloadCodec<null> = { ns: NS.userBlocklist, name: "query", decode: () => null };

/**
 * §7.7 "`user` (a bare JID) is REQUIRED, else `bad-request`": missing, empty, unparsable, without a localpart
 * (a domain is not a user) or with a resource (not bare) are all bad-request. Returned normalised.
 */
export function requireUser(request: UserBlockRequest): Jid {
  const jid = tryParseJid(request.user);
  if (jid === undefined || jid.local === "" || jid.resource !== "") throw new StanzaError("bad-request", "Attribute 'user' must be a bare JID");
  return jid;
}

export interface BlocklistItem {
  readonly user: string;
  /** Unix seconds. */
  readonly date: number;
  readonly fullname: string;
}

/** The blocklist result payload; attributes in the order §7.7 shows (user, date, fullname). */
export function encodeBlocklist(items: readonly BlocklistItem[]): Element {
  const query = el("query", { xmlns: NS.userBlocklist });
  for (const i of items) query.append(el("item", { user: i.user, date: i.date, fullname: i.fullname }));
  return query;
}
