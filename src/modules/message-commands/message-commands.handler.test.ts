import { describe, expect, it } from "vitest";
import { decide, type TargetFacts } from "./message-commands.handler.js";

const ALICE = "alice@x";
const BOB = "bob@x";
const own: TargetFacts = { author: ALICE, deleted: false, hasBody: true };

describe("outcome decision (§7.1 step 3, §7.2 Processing)", () => {
  it.each<[string, "delete" | "edit", TargetFacts | undefined, string, boolean, string]>([
    ["no target", "delete", undefined, ALICE, false, "not_found"],
    ["no target, moderator", "delete", undefined, ALICE, true, "not_found"],
    ["own message", "delete", own, ALICE, false, "applied"],
    ["own message, already deleted", "delete", { ...own, deleted: true }, ALICE, false, "applied"],
    ["own body-less message", "delete", { ...own, hasBody: false }, ALICE, false, "applied"],
    ["someone else's", "delete", own, BOB, false, "denied"],
    ["someone else's, moderator", "delete", own, BOB, true, "applied"],
    ["no target", "edit", undefined, ALICE, false, "not_found"],
    ["own message", "edit", own, ALICE, false, "applied"],
    ["own deleted message", "edit", { ...own, deleted: true }, ALICE, false, "not_found"],
    ["someone else's deleted message", "edit", { ...own, deleted: true }, BOB, false, "not_found"],
    ["own body-less message", "edit", { ...own, hasBody: false }, ALICE, false, "invalid"],
    ["someone else's", "edit", own, BOB, false, "denied"],
    ["someone else's body-less", "edit", { ...own, hasBody: false }, BOB, false, "denied"],
  ])("%s: %s by %s (moderator %s) -> %s", (_label, action, target, actor, moderator, expected) => {
    expect(decide(action, target, actor, moderator)).toBe(expected);
  });
});
