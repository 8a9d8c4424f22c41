import { describe, expect, it } from "vitest";
import { SummaryCache } from "./vcard.cache.js";

const summary = { profile: { fullName: "A" }, photo: { kind: "none" } } as const;

describe("SummaryCache", () => {
  it("tells 'not cached' (undefined) from 'no vCard' (null)", () => {
    const cache = new SummaryCache(10);
    cache.set("a@x", null);
    expect(cache.get("a@x")).toBeNull();
    expect(cache.get("b@x")).toBeUndefined();
  });

  it("stays within its bound, evicting the least recently used entry", () => {
    const cache = new SummaryCache(3);
    cache.set("a@x", summary);
    cache.set("b@x", summary);
    cache.set("c@x", summary);
    cache.get("a@x");
    cache.set("d@x", summary);
    expect(cache.size).toBe(3);
    expect(cache.get("b@x")).toBeUndefined();
    expect(cache.get("a@x")).toBe(summary);
    expect(cache.get("d@x")).toBe(summary);
  });

  it("replacing an entry does not evict another", () => {
    const cache = new SummaryCache(2);
    cache.set("a@x", null);
    cache.set("b@x", null);
    cache.set("a@x", summary);
    expect(cache.get("b@x")).toBeNull();
    expect(cache.get("a@x")).toBe(summary);
  });
});
