/**
 * The IQs of user archives (PROTOCOL §6.4, XEP-0313): queries in `urn:xmpp:mam:2` and `:1` (set), the
 * form fields (get) and the archive metadata. `urn:xmpp:mam:tmp` has no handler: service-unavailable. Every
 * query, completed or refused, raises `history.accessed` (§6.8).
 */
import { elementCodec } from "../../core/codec.js";
import type { HistoryAccess } from "../../core/hook-map.js";
import type { IqRequest, ModuleContext } from "../../core/module.js";
import type { Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import type { MessageArchive } from "./mam.archive.js";
import { QUERY_NAMESPACES, formFieldsElement, metadataElement } from "./mam.codec.js";
import { completedAccess, refusedAccess } from "./mam.audit.js";
import { answerQuery, type QueryDeps, type QuerySummary, type QueryTarget } from "./mam.query.js";
import { isAnonymousAccount } from "./mam.user-archive.js";

/** Entries sent by these bare JIDs are hidden from `requester` when it reads `archive`, a user's or a room's (§6.8 block filtering). */
export type VisibilityFilter = (requester: Jid, archive: string) => readonly string[] | Promise<readonly string[]>;

/** §6.4: no `to`, the own bare JID (or the host) selects the own archive; another user's is forbidden. */
function ownArchive(iq: IqRequest): Jid {
  if (iq.to.local !== "" && iq.to.bareString !== iq.from.bareString) throw new StanzaError("forbidden");
  return iq.from.bare();
}

/** §6.8: every completed or refused query is audited (`history.accessed`); an auditor's failure never changes the answer. */
async function auditedQuery(
  ctx: ModuleContext,
  payload: Element,
  iq: IqRequest,
  answer: (owner: Jid) => Promise<{ fin: Element; summary: QuerySummary }>,
): Promise<Element> {
  let access: HistoryAccess | undefined;
  try {
    const owner = ownArchive(iq);
    const { fin, summary } = await answer(owner);
    access = completedAccess("user", iq.from, owner, summary);
    return fin;
  } catch (error) {
    // A refused query names the archive it asked for: another user's, or (no `to`, HOST) the requester's own.
    access = refusedAccess("user", iq.from, iq.to.local === "" ? iq.from.bare() : iq.to.bare(), payload, error);
    throw error;
  } finally {
    try {
      if (access !== undefined) await ctx.hooks.run("history.accessed", access);
    } catch (err) {
      ctx.log.error({ err, archive: access?.archive.bareString }, "history.accessed hook failed");
    }
  }
}

export function registerUserArchiveIqs(ctx: ModuleContext, archive: MessageArchive, queryDeps: QueryDeps, visibility: () => VisibilityFilter | undefined): void {
  for (const ns of QUERY_NAMESPACES) {
    ctx.iq.handle("set", elementCodec("query", ns), (payload, iq) => auditedQuery(ctx, payload, iq, async (owner) => {
      const filter = visibility();
      const excludeSenders = filter === undefined || isAnonymousAccount(owner) ? undefined : await filter(iq.from, owner.bareString);
      // §6.6: the delay `from` of a user archive is HOST. §6.8: a user archive holds both directions of a 1:1
      // chat and MucSub copies under the room's JID, so the filter is on the sender column, not on `peer`.
      const target: QueryTarget = { archive: owner.bareString, delayFrom: owner.domain, excludeSenders };
      return answerQuery(queryDeps, payload, iq.from, target);
    }));
    ctx.iq.handle("get", elementCodec("query", ns), (_payload, iq) => {
      ownArchive(iq);
      return formFieldsElement(ns);
    });
  }
  ctx.iq.handle("get", elementCodec("metadata", NS.mam2), async (_payload, iq) => metadataElement(await archive.bounds(ownArchive(iq).bareString)));
}
