/**
 * The order and paging of `ns:getrooms` (PROTOCOL §7.3): rooms ascending by bare JID in code-point order, RSM
 * ids being room JIDs with the semantics of §6.5 (after, before, empty before, neither; an unknown JID is placed
 * by comparison). JavaScript's `<` compares UTF-16 code units, which differs from code-point order for
 * characters above U+FFFF against U+E000–U+FFFF, hence the comparator below.
 */
import { pageByKey, type Page, type RsmRequest } from "../muc/rsm-page.js";

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

/** §6.5 over a list sorted with compareCodePoints by `key` (the shared RSM paging, in code-point order). */
export function pageByJid<T extends { readonly key: string }>(sorted: readonly T[], request: RsmRequest): Page<T> {
  return pageByKey(sorted, request, compareCodePoints);
}
