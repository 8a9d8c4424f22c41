import { describe, expect, it } from "vitest";
import { compareCodePoints, lastActiveSeconds, pickCandidates, type Candidate } from "./room-activity.order.js";

describe("pickCandidates (PROTOCOL §7.5 order)", () => {
  it("orders by affiliation, then last_active descending, then JID", () => {
    const c: Candidate[] = [
      { jid: "z@x", affiliation: "outcast", lastActive: 900 },
      { jid: "b@x", affiliation: "member", lastActive: 10 },
      { jid: "a@x", affiliation: "member", lastActive: 10 },
      { jid: "m@x", affiliation: "member", lastActive: 50 },
      { jid: "n@x", affiliation: "none", lastActive: 999 },
      { jid: "ad@x", affiliation: "admin", lastActive: 0 },
      { jid: "o@x", affiliation: "owner", lastActive: 1 },
    ];
    expect(pickCandidates(c, 50).map((x) => x.jid)).toEqual(["o@x", "ad@x", "m@x", "a@x", "b@x", "n@x", "z@x"]);
  });

  it("keeps only the first max entries", () => {
    const c: Candidate[] = Array.from({ length: 10 }, (_, i) => ({ jid: `u${i}@x`, affiliation: "member", lastActive: i }));
    expect(pickCandidates(c, 3).map((x) => x.jid)).toEqual(["u9@x", "u8@x", "u7@x"]);
  });
});

describe("compareCodePoints", () => {
  it("sorts by code point, not by UTF-16 unit", () => {
    // U+1F600 (surrogates D83D DE00) is above U+FF5E in code points but below it in UTF-16 units.
    expect(compareCodePoints("\u{1F600}", "\uFF5E")).toBeGreaterThan(0);
    expect(compareCodePoints("a", "ab")).toBeLessThan(0);
    expect(compareCodePoints("b", "a")).toBeGreaterThan(0);
    expect(compareCodePoints("a", "a")).toBe(0);
  });
});

describe("lastActiveSeconds (PROTOCOL §7.5 last_active)", () => {
  it.each([
    ["activity wins", { lastActive: 1_731_677_817_999, memberSince: 1_000_000_000_000 }, 5_000, 1_731_677_817],
    ["membership start without activity", { lastActive: 0, memberSince: 1_700_000_000_500 }, 5_000, 1_700_000_000],
    ["subscription start when nothing is recorded", undefined, 1_600_000_000_000, 1_600_000_000],
    ["recorded membership over subscription", { lastActive: 0, memberSince: 1_650_000_000_000 }, 1_600_000_000_000, 1_650_000_000],
    ["0 when nothing is known", undefined, undefined, 0],
    ["0 when the membership ended", { lastActive: 0, memberSince: 0 }, undefined, 0],
  ])("%s", (_label, activity, subscribedAt, expected) => {
    expect(lastActiveSeconds(activity, subscribedAt)).toBe(expected);
  });
});
