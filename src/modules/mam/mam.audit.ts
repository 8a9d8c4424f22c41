/**
 * The `history.accessed` hook payload for archive queries, user and room alike (PROTOCOL §6.8: every completed or
 * refused query is audited; the `history.access` webhook of §7.9 listens to the hook): the query summary when it
 * completed, else the RSM values as sent, unchecked, since the refusal may be about them.
 */
import type { HistoryAccess } from "../../core/hook-map.js";
import type { Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import type { QuerySummary } from "./mam.query.js";

export type ArchiveType = HistoryAccess["archiveType"];

export function completedAccess(archiveType: ArchiveType, requester: Jid, archive: Jid, summary: QuerySummary): HistoryAccess {
  const { page } = summary;
  return {
    outcome: "completed",
    requester,
    archive,
    archiveType,
    queryId: summary.queryId,
    max: page.max,
    before: page.before === undefined ? undefined : page.before === "last" ? "" : String(page.before),
    after: page.after === undefined ? undefined : String(page.after),
    returned: summary.returned,
    count: summary.count,
    complete: summary.complete,
    error: undefined,
  };
}

export function refusedAccess(archiveType: ArchiveType, requester: Jid, archive: Jid, payload: Element, error: unknown): HistoryAccess {
  const set = payload.getChild("set", NS.rsm);
  const maxText = set?.getChildText("max", NS.rsm)?.trim();
  const stanzaError = error instanceof StanzaError ? error : undefined;
  return {
    outcome: "refused",
    requester,
    archive,
    archiveType,
    queryId: payload.attrs["queryid"],
    max: maxText !== undefined && /^\d{1,9}$/.test(maxText) ? Number(maxText) : undefined,
    before: set?.getChildText("before", NS.rsm)?.trim(),
    after: set?.getChildText("after", NS.rsm)?.trim(),
    returned: 0,
    count: undefined,
    complete: undefined,
    error: { condition: stanzaError?.condition ?? "internal-server-error", text: stanzaError?.text },
  };
}
