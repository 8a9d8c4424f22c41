/**
 * The order and paging of `ns:getrooms` (PROTOCOL §7.3): rooms ascending by bare JID in code-point order, RSM
 * ids being room JIDs with the semantics of §6.5 (after, before, empty before, neither; an unknown JID is placed
 * by comparison). JavaScript's `<` compares UTF-16 code units, which differs from code-point order for
 * characters above U+FFFF against U+E000–U+FFFF, hence the comparator below.
 */
import type { RsmRequest } from "../muc/rsm-page.js";

/** Code-point order of two strings (-1, 0, 1). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codeUnitRank(x) < codeUnitRank(y) ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Surrogates (U+D800–U+DFFF, i.e. code points above U+FFFF) rank above U+E000–U+FFFF; order is kept within each group. */
function codeUnitRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

export interface KeyedPage<T> {
  readonly items: readonly T[];
  /** 0-based position of the first item in the whole list. */
  readonly firstIndex: number;
  readonly firstKey: string | undefined;
  readonly lastKey: string | undefined;
}

/** §6.5 over a list sorted with compareCodePoints by `key`. */
export function pageByJid<T extends { readonly key: string }>(sorted: readonly T[], request: RsmRequest): KeyedPage<T> {
  let lo = 0;
  let hi = sorted.length; // candidates are sorted[lo, hi)
  if (request.after !== undefined) lo = firstIndexWhere(sorted, (k) => compareCodePoints(k, request.after as string) > 0);
  if (request.before !== undefined && request.before !== "") hi = firstIndexWhere(sorted, (k) => compareCodePoints(k, request.before as string) >= 0);
  if (hi < lo) hi = lo;
  const fromEnd = request.before !== undefined;
  const start = fromEnd ? Math.max(lo, hi - request.max) : lo;
  const end = fromEnd ? hi : Math.min(hi, lo + request.max);
  const items = sorted.slice(start, end);
  return { items, firstIndex: start, firstKey: items[0]?.key, lastKey: items[items.length - 1]?.key };
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
