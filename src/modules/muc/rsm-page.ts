/**
 * Result Set Management paging (XEP-0059) over a list sorted by string key, with the semantics of
 * PROTOCOL §6.5 as §7.3 applies them to JIDs: after, before (empty = last page), both, neither.
 */
import { el, type Element } from "../../xml/element.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";

export interface RsmRequest {
  readonly max: number;
  readonly after?: string | undefined;
  /** "" asks for the last page. */
  readonly before?: string | undefined;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** 0-based position of the first item in the whole list. */
  readonly firstIndex: number;
  readonly firstKey: string | undefined;
  readonly lastKey: string | undefined;
}

export function parseRsm(set: Element | undefined, limits: { readonly defaultMax: number; readonly maxMax: number }): RsmRequest | undefined {
  if (set === undefined) return undefined;
  const maxText = set.getChildText("max", NS.rsm);
  let max = limits.defaultMax;
  if (maxText !== undefined) {
    if (!/^\d+$/.test(maxText.trim())) throw new StanzaError("bad-request");
    max = Math.min(Number(maxText.trim()), limits.maxMax);
  }
  return { max, after: set.getChildText("after", NS.rsm), before: set.getChildText("before", NS.rsm) };
}

/** Orders keys: negative, zero or positive. The default is JavaScript's `<` on strings (UTF-16 code units). */
export type KeyOrder = (a: string, b: string) => number;

const codeUnitOrder: KeyOrder = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** §6.5 over a list sorted by `key` in `order`; a key that is not in the list is placed by comparison. */
export function pageByKey<T extends { readonly key: string }>(sorted: readonly T[], request: RsmRequest, order: KeyOrder = codeUnitOrder): Page<T> {
  let lo = 0;
  let hi = sorted.length; // candidates are sorted[lo, hi)
  if (request.after !== undefined) lo = firstIndexWhere(sorted, (k) => order(k, request.after as string) > 0);
  if (request.before !== undefined && request.before !== "") hi = firstIndexWhere(sorted, (k) => order(k, request.before as string) >= 0);
  if (hi < lo) hi = lo;
  const fromEnd = request.before !== undefined;
  const start = fromEnd ? Math.max(lo, hi - request.max) : lo;
  const end = fromEnd ? hi : Math.min(hi, lo + request.max);
  const items = sorted.slice(start, end);
  return { items, firstIndex: start, firstKey: items[0]?.key, lastKey: items[items.length - 1]?.key };
}

/** The reply's `<set>`: first (with index), last and count; an empty page has only count. */
export function rsmSet(page: Page<unknown>, count: number): Element {
  if (page.items.length === 0) return el("set", { xmlns: NS.rsm }, el("count", null, String(count)));
  return el(
    "set",
    { xmlns: NS.rsm },
    el("first", { index: page.firstIndex }, page.firstKey),
    el("last", null, page.lastKey),
    el("count", null, String(count)),
  );
}

/** The first index whose key satisfies a predicate that is monotone over the sorted list (binary search). */
function firstIndexWhere(sorted: readonly { readonly key: string }[], test: (key: string) => boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (test((sorted[mid] as { key: string }).key)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
