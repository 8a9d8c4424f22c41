/**
 * Answering a MAM query against one archive (PROTOCOL §6.4–§6.6), for user archives here and room
 * archives (the MUC service) alike: parse, see every write routed before the query, page, then send
 * one `<message>` per entry, oldest first, strictly one after the other, and hand back the `<fin>`.
 */
import { randomBytes } from "node:crypto";
import type { StanzaRouter } from "../../core/module.js";
import type { SessionDirectory } from "../../core/session-directory.js";
import { Element, el } from "../../xml/element.js";
import { parseXml } from "../../xml/stream-parser.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { delayElement, stampFromMicros } from "../../xmpp/stanza.js";
import { finElement, parseQuery } from "./mam.codec.js";
import { stamped } from "./mam.stamps.js";
import type { ArchiveEntry, ArchiveFilters, Page, PageRequest } from "./mam.types.js";

/** Which archive a query reads and how its results are labelled. */
export interface QueryTarget {
  /** The archive owner's bare JID: the `from` of result messages and the `by` of their stamps. */
  readonly archive: string;
  /** The `<delay from>`: HOST for user archives, the MUC service for room archives (§6.6). */
  readonly delayFrom: string;
  /** Peers hidden from this requester, removed before paging and counting (§6.8). */
  readonly excludePeers?: readonly string[] | undefined;
  /** Senders hidden from this requester (user archives: the `sender` column), removed before paging and counting (§6.8). */
  readonly excludeSenders?: readonly string[] | undefined;
}

/** A completed query, for auditing (`history.access`, §7.9). */
export interface QuerySummary {
  readonly queryId: string | undefined;
  readonly page: PageRequest;
  readonly returned: number;
  readonly count: number;
  readonly complete: boolean;
}

export interface QueryDeps {
  readonly page: (archive: string, filters: ArchiveFilters, page: PageRequest) => Promise<Page>;
  readonly router: StanzaRouter;
  readonly sessions: SessionDirectory;
  readonly log: { error(fields: object, message: string): void };
}

const idPrefix = randomBytes(4).toString("hex");
let idCounter = 0;

/**
 * Sends the result messages to `requester` and returns the `<fin>` for the IQ result. Throws
 * StanzaError before sending anything when the request is malformed (§6.6: errors send no results).
 */
export async function answerQuery(deps: QueryDeps, payload: Element, requester: Jid, target: QueryTarget): Promise<{ fin: Element; summary: QuerySummary }> {
  const query = parseQuery(payload);
  const page = await deps.page(target.archive, { ...query.filters, excludePeers: target.excludePeers, excludeSenders: target.excludeSenders }, query.page);
  const to = requester.toString();
  const messages: Element[] = [];
  for (const entry of page.entries) {
    const message = resultMessage(entry, target, to, query.ns, query.queryId, deps.log);
    if (message !== undefined) messages.push(message);
  }
  // One after the other, each awaited: nothing else this session asked for can come in between (§6.6).
  for (const message of messages) {
    // A requester that has gone would turn the results into bare-JID messages for its other resources.
    if (requester.resource !== "" && deps.sessions.get(requester) === undefined) break;
    await deps.router.route(message);
  }
  const summary: QuerySummary = { queryId: query.queryId, page: query.page, returned: messages.length, count: page.count, complete: page.complete };
  return { fin: finElement(query.ns, page), summary };
}

/** §6.6: result → forwarded → (archived message with the owner's stamps, then delay). */
export function resultMessage(
  entry: ArchiveEntry,
  target: QueryTarget,
  to: string,
  ns: string,
  queryId: string | undefined,
  log: QueryDeps["log"],
): Element | undefined {
  let stored: Element;
  try {
    stored = parseXml(entry.stanza);
  } catch (err) {
    log.error({ err, archive: entry.archive, id: entry.id }, "unreadable archive entry skipped");
    return undefined;
  }
  const id = String(entry.id);
  const archived = stamped(stored, target.archive, id);
  if (archived.ns === "") archived.ns = NS.client;
  return new Element("message", NS.client, { from: target.archive, to, id: `mam-${idPrefix}-${(++idCounter).toString(36)}` }, [
    el("result", { xmlns: ns, queryid: queryId, id }, el("forwarded", { xmlns: NS.forward }, archived, delayElement(target.delayFrom, stampFromMicros(entry.id)))),
  ]);
}
