/**
 * The MAM query payload (PROTOCOL §6.4, XEP-0313 §4, XEP-0059) as typed values, and the payloads the
 * server answers with: `<fin>` (§6.6), the form fields (XEP-0313 §4.1.5) and archive metadata.
 */
import { el, type Element } from "../../xml/element.js";
import { parseJid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { stampFromMicros } from "../../xmpp/stanza.js";
import { DEFAULT_PAGE, MAX_PAGE, type ArchiveFilters, type Page, type PageRequest } from "./mam.types.js";

/** The query namespaces answered; `urn:xmpp:mam:tmp` is not one of them (§6.7). */
export const QUERY_NAMESPACES = [NS.mam2, NS.mam1] as const;

export interface MamQuery {
  /** The request's namespace: the reply uses it (§6.4). */
  readonly ns: string;
  readonly queryId: string | undefined;
  readonly filters: ArchiveFilters;
  readonly page: PageRequest;
}

/** Reads a `<query>`; throws modify/bad-request on a malformed id, number, date or JID. */
export function parseQuery(query: Element): MamQuery {
  return {
    ns: query.ns,
    queryId: query.attrs["queryid"],
    filters: parseForm(query.getChild("x", NS.dataForms)),
    page: parseRsm(query.getChild("set", NS.rsm)),
  };
}

function parseForm(form: Element | undefined): ArchiveFilters {
  if (form === undefined) return {};
  let withJid: ArchiveFilters["with"];
  let start: number | undefined;
  let end: number | undefined;
  for (const field of form.getChildren("field", NS.dataForms)) {
    const value = field.getChildText("value", NS.dataForms)?.trim();
    if (value === undefined || value === "") continue;
    switch (field.attrs["var"]) {
      case "with":
        withJid = parseWith(value);
        break;
      case "start":
        start = parseDateTimeMicros(value);
        break;
      case "end":
        end = parseDateTimeMicros(value);
        break;
      default:
        break; // §6.4: unknown fields (FORM_TYPE included) are ignored
    }
  }
  return { with: withJid, start, end };
}

function parseWith(value: string): ArchiveFilters["with"] {
  try {
    const jid = parseJid(value);
    return { bare: jid.bareString, resource: jid.resource === "" ? undefined : jid.resource };
  } catch {
    throw new StanzaError("bad-request", "Malformed 'with' field");
  }
}

/** §6.4 RSM: max defaults to 50 and is clamped to 250; ids are numeric; an empty `<before/>` is the last page. */
export function parseRsm(set: Element | undefined): PageRequest {
  if (set === undefined) return { max: DEFAULT_PAGE };
  const maxText = set.getChildText("max", NS.rsm)?.trim();
  const max = maxText === undefined || maxText === "" ? DEFAULT_PAGE : Math.min(parseCount(maxText, "max"), MAX_PAGE);
  const afterText = set.getChildText("after", NS.rsm)?.trim();
  const beforeText = set.getChildText("before", NS.rsm)?.trim();
  const indexText = set.getChildText("index", NS.rsm)?.trim();
  return {
    max,
    // An empty <after/> names no id; it is read as absent rather than refused.
    after: afterText === undefined || afterText === "" ? undefined : parseArchiveId(afterText),
    before: beforeText === undefined ? undefined : beforeText === "" ? "last" : parseArchiveId(beforeText),
    index: indexText === undefined || indexText === "" ? undefined : parseCount(indexText, "index"),
  };
}

/** §6.4: ids are compared numerically and need not exist; past 2^53 they sort after every real id. */
export function parseArchiveId(text: string): number {
  if (!/^\d+$/.test(text)) throw new StanzaError("bad-request", "Invalid archive id");
  const n = Number(text);
  return n > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : n;
}

function parseCount(text: string, what: string): number {
  if (!/^\d{1,9}$/.test(text)) throw new StanzaError("bad-request", `Invalid RSM ${what}`);
  return Number(text);
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;

/** An XEP-0082 DateTime as µs since the epoch (the unit of archive ids, §6.1); throws modify/bad-request. */
export function parseDateTimeMicros(value: string): number {
  const m = DATE_TIME.exec(value);
  if (m === null) throw new StanzaError("bad-request", "Invalid date");
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  if (Number.isNaN(ms) || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw new StanzaError("bad-request", "Invalid date");
  }
  const fraction = Number(((m[7] ?? "") + "000000").slice(0, 6));
  const zone = m[8] as string;
  const offsetMinutes = zone === "Z" ? 0 : (zone[0] === "-" ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  return (ms / 1000 - offsetMinutes * 60) * 1_000_000 + fraction;
}

/** §6.6: `<fin complete>` with `<set>`; an empty page has only `<count>`. */
export function finElement(ns: string, page: Page): Element {
  const first = page.entries[0];
  const last = page.entries[page.entries.length - 1];
  return el(
    "fin",
    { xmlns: ns, complete: page.complete ? "true" : "false" },
    el(
      "set",
      { xmlns: NS.rsm },
      first === undefined ? undefined : el("first", { index: page.firstIndex }, String(first.id)),
      last === undefined ? undefined : el("last", null, String(last.id)),
      el("count", null, String(page.count)),
    ),
  );
}

/** XEP-0313 §4.1.5: the fields a query form may carry. */
export function formFieldsElement(ns: string): Element {
  return el(
    "query",
    { xmlns: ns },
    el(
      "x",
      { xmlns: NS.dataForms, type: "form" },
      el("field", { type: "hidden", var: "FORM_TYPE" }, el("value", null, ns)),
      el("field", { type: "jid-single", var: "with" }),
      el("field", { type: "text-single", var: "start" }),
      el("field", { type: "text-single", var: "end" }),
    ),
  );
}

/** XEP-0313 archive metadata: the oldest and newest entries, or nothing for an empty archive. */
export function metadataElement(bounds: { readonly first: number; readonly last: number } | undefined): Element {
  if (bounds === undefined) return el("metadata", { xmlns: NS.mam2 });
  return el(
    "metadata",
    { xmlns: NS.mam2 },
    el("start", { id: String(bounds.first), timestamp: stampFromMicros(bounds.first) }),
    el("end", { id: String(bounds.last), timestamp: stampFromMicros(bounds.last) }),
  );
}
