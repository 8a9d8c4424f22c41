/**
 * Local services on their own domains (MUC at conference.<host>): the router hands every stanza for
 * such a domain to its service, like ejabberd_router:register_route. Not a special case in the router.
 */
import type { Element } from "../xml/element.js";
import type { Jid } from "../xmpp/jid.js";
import type { Session } from "./session.js";

export interface LocalService {
  readonly domain: string;
  /** Handles a stanza addressed to the service or an entity at it. Throw StanzaError to bounce. */
  route(stanza: Element, from: Jid, to: Jid, origin: Session | undefined): Promise<void>;
}
