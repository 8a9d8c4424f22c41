/**
 * The IQs of user archives (PROTOCOL §6.4, XEP-0313): queries in `urn:xmpp:mam:2` and `:1` (set), the
 * form fields (get) and the archive metadata. `urn:xmpp:mam:tmp` has no handler: service-unavailable.
 */
import { elementCodec } from "../../core/codec.js";
import type { IqRequest, ModuleContext } from "../../core/module.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import type { MessageArchive } from "./mam.archive.js";
import { QUERY_NAMESPACES, formFieldsElement, metadataElement } from "./mam.codec.js";
import { answerQuery, type QueryDeps, type QueryTarget } from "./mam.query.js";
import { isAnonymousAccount } from "./mam.user-archive.js";

/** Entries of these peers are hidden from `requester` when it reads `archive` (§6.8 block filtering). */
export type VisibilityFilter = (requester: Jid, archive: string) => readonly string[] | Promise<readonly string[]>;

/** §6.4: no `to`, the own bare JID (or the host) selects the own archive; another user's is forbidden. */
function ownArchive(iq: IqRequest): Jid {
  if (iq.to.local !== "" && iq.to.bareString !== iq.from.bareString) throw new StanzaError("forbidden");
  return iq.from.bare();
}

export function registerUserArchiveIqs(ctx: ModuleContext, archive: MessageArchive, queryDeps: QueryDeps, visibility: () => VisibilityFilter | undefined): void {
  for (const ns of QUERY_NAMESPACES) {
    ctx.iq.handle("set", elementCodec("query", ns), async (payload, iq) => {
      const owner = ownArchive(iq);
      const filter = visibility();
      const excludePeers = filter === undefined || isAnonymousAccount(owner) ? undefined : await filter(iq.from, owner.bareString);
      // §6.6: the delay `from` of a user archive is HOST.
      const target: QueryTarget = { archive: owner.bareString, delayFrom: owner.domain, excludePeers };
      return (await answerQuery(queryDeps, payload, iq.from, target)).fin;
    });
    ctx.iq.handle("get", elementCodec("query", ns), (_payload, iq) => {
      ownArchive(iq);
      return formFieldsElement(ns);
    });
  }
  ctx.iq.handle("get", elementCodec("metadata", NS.mam2), async (_payload, iq) => metadataElement(await archive.bounds(ownArchive(iq).bareString)));
}
