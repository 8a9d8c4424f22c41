import { describe, expect, it } from "vitest";
import { el } from "../../xml/element.js";
import { serialize } from "../../xml/serialize.js";
import { NS } from "../../xmpp/namespaces.js";
import { pageByKey, parseRsm, rsmSet } from "./rsm-page.js";

const list = ["a", "b", "c", "d", "e"].map((key) => ({ key }));
const keys = (p: { items: readonly { key: string }[] }) => p.items.map((i) => i.key);

describe("RSM paging (PROTOCOL §6.5 applied to keys)", () => {
  it("pages forwards with after, backwards with before, between both", () => {
    expect(keys(pageByKey(list, { max: 2 }))).toEqual(["a", "b"]);
    expect(keys(pageByKey(list, { max: 2, after: "b" }))).toEqual(["c", "d"]);
    expect(keys(pageByKey(list, { max: 2, after: "bb" }))).toEqual(["c", "d"]);
    expect(keys(pageByKey(list, { max: 2, before: "" }))).toEqual(["d", "e"]);
    expect(keys(pageByKey(list, { max: 2, before: "d" }))).toEqual(["b", "c"]);
    expect(keys(pageByKey(list, { max: 9, after: "a", before: "e" }))).toEqual(["b", "c", "d"]);
    expect(keys(pageByKey(list, { max: 1, after: "a", before: "e" }))).toEqual(["d"]);
    expect(keys(pageByKey(list, { max: 0 }))).toEqual([]);
    expect(keys(pageByKey(list, { max: 3, after: "e" }))).toEqual([]);
  });
  it("reports the first index and writes first/last/count, or count alone for an empty page", () => {
    const page = pageByKey(list, { max: 2, before: "" });
    expect(page.firstIndex).toBe(3);
    expect(serialize(rsmSet(page, 5))).toBe(`<set xmlns="${NS.rsm}"><first index="3">d</first><last>e</last><count>5</count></set>`);
    expect(serialize(rsmSet(pageByKey(list, { max: 0 }), 5))).toBe(`<set xmlns="${NS.rsm}"><count>5</count></set>`);
  });
  it("parses max with a default and a ceiling; a non-numeric max is bad-request", () => {
    const limits = { defaultMax: 50, maxMax: 200 };
    expect(parseRsm(undefined, limits)).toBeUndefined();
    expect(parseRsm(el("set", { xmlns: NS.rsm }), limits)?.max).toBe(50);
    expect(parseRsm(el("set", { xmlns: NS.rsm }, el("max", null, "999"), el("before")), limits)).toEqual({ max: 200, after: undefined, before: "" });
    expect(() => parseRsm(el("set", { xmlns: NS.rsm }, el("max", null, "x")), limits)).toThrow();
  });
});
