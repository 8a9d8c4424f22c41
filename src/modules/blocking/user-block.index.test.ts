import { describe, expect, it } from "vitest";
import { parseJid } from "../../xmpp/jid.js";
import { BlockerIndex } from "./user-block.index.js";

const x = parseJid("x@h");
const b = parseJid("b@h/phone");

describe("BlockerIndex (§7.7 reverse index)", () => {
  it("answers undefined for a sender nobody blocked, and the blockers otherwise", () => {
    const index = new BlockerIndex();
    index.load([
      { owner: "b@h", jid: "x@h" },
      { owner: "c@h", jid: "x@h" },
      { owner: "b@h", jid: "y@h" },
    ]);
    expect(index.blockersOf(parseJid("z@h"))).toBeUndefined();
    expect([...(index.blockersOf(x) ?? [])].sort()).toEqual(["b@h", "c@h"]);
    expect(index.isBlockedBy(parseJid("x@h/res"), b)).toBe(true);
    expect(index.isBlockedBy(b, x)).toBe(false); // one-directional
    expect([...(index.blockedBy("b@h") ?? [])].sort()).toEqual(["x@h", "y@h"]);
  });

  it("applies an owner's new list in both directions and forgets emptied entries", () => {
    const index = new BlockerIndex();
    index.replaceOwner("b@h", new Set(["x@h", "y@h"]));
    index.replaceOwner("b@h", new Set(["y@h", "z@h"]));
    expect(index.blockersOf(x)).toBeUndefined();
    expect([...(index.blockersOf(parseJid("z@h")) ?? [])]).toEqual(["b@h"]);
    index.replaceOwner("b@h", new Set());
    expect(index.size).toBe(0);
    expect(index.blockedBy("b@h")).toBeUndefined();
  });

  it("never changes a set it handed out (an in-flight room message keeps its snapshot)", () => {
    const index = new BlockerIndex();
    index.replaceOwner("b@h", new Set(["x@h"]));
    const snapshot = index.blockersOf(x);
    index.replaceOwner("c@h", new Set(["x@h"]));
    index.replaceOwner("b@h", new Set());
    expect([...(snapshot ?? [])]).toEqual(["b@h"]);
    expect([...(index.blockersOf(x) ?? [])]).toEqual(["c@h"]);
  });

  it("replaces everything on load", () => {
    const index = new BlockerIndex();
    index.replaceOwner("b@h", new Set(["x@h"]));
    index.load([{ owner: "c@h", jid: "y@h" }]);
    expect(index.blockersOf(x)).toBeUndefined();
    expect(index.blockedBy("b@h")).toBeUndefined();
    expect(index.isBlockedBy(parseJid("y@h"), parseJid("c@h"))).toBe(true);
  });
});
