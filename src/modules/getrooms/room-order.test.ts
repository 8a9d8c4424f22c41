import { describe, expect, it } from "vitest";
import { compareCodePoints, pageByJid } from "./room-order.js";

const keys = ["a@c", "b@c", "c@c", "d@c", "e@c"].map((key) => ({ key }));
const page = (request: Parameters<typeof pageByJid>[1]) => {
  const p = pageByJid(keys, request);
  return { keys: p.items.map((i) => i.key), firstIndex: p.firstIndex, firstKey: p.firstKey, lastKey: p.lastKey };
};

describe("code-point order (§7.3)", () => {
  it("orders astral characters above U+E000–U+FFFF, unlike UTF-16 code units", () => {
    const astral = "\u{1F600}@c"; // surrogate pair
    const high = "\uFF21@c"; // FULLWIDTH A
    expect(astral < high).toBe(true); // JavaScript's code-unit order
    expect(compareCodePoints(astral, high)).toBe(1);
    expect(compareCodePoints(high, astral)).toBe(-1);
    expect([astral, high, "z@c", "a@c"].sort(compareCodePoints)).toEqual(["a@c", "z@c", high, astral]);
  });

  it("orders prefixes first and equal strings as equal", () => {
    expect(compareCodePoints("ab", "abc")).toBe(-1);
    expect(compareCodePoints("abc", "ab")).toBe(1);
    expect(compareCodePoints("abc", "abc")).toBe(0);
  });
});

describe("paging by room JID (§7.3, §6.5)", () => {
  it.each([
    ["neither: the first page", { max: 2 }, ["a@c", "b@c"], 0],
    ["after", { max: 2, after: "b@c" }, ["c@c", "d@c"], 2],
    ["before", { max: 2, before: "d@c" }, ["b@c", "c@c"], 1],
    ["empty before: the last page", { max: 2, before: "" }, ["d@c", "e@c"], 3],
    ["after and before", { max: 5, after: "a@c", before: "e@c" }, ["b@c", "c@c", "d@c"], 1],
    ["unknown after placed by comparison", { max: 2, after: "bb@c" }, ["c@c", "d@c"], 2],
    ["unknown before placed by comparison", { max: 2, before: "cc@c" }, ["b@c", "c@c"], 1],
    ["after the end", { max: 2, after: "z@c" }, [], 5],
    ["before the start", { max: 2, before: "0@c" }, [], 0],
    ["max 0", { max: 0 }, [], 0],
  ])("%s", (_name, request, expected, firstIndex) => {
    const p = page(request);
    expect(p.keys).toEqual(expected);
    if (expected.length > 0) expect(p).toMatchObject({ firstIndex, firstKey: expected[0], lastKey: expected[expected.length - 1] });
    else expect(p.firstKey).toBeUndefined();
  });
});
