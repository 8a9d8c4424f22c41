import { describe, expect, it } from "vitest";
import { archiveAccessRefusal, BANNED, ONLY_MEMBERS, type ArchiveAccessFacts } from "./room-mam.access.js";

const base: ArchiveAccessFacts = { mam: true, membersOnly: false, guard: undefined, serverAdmin: false, affiliation: "none", occupant: false, subscriber: false };

/** [case, facts, expected: "ok" | "<condition>/<text>"] */
const CASES: [string, Partial<ArchiveAccessFacts>, string][] = [
  ["open room, no affiliation, not joined (occupancy not required)", {}, "ok"],
  ["open room, member", { affiliation: "member" }, "ok"],
  ["open room, outcast", { affiliation: "outcast" }, `forbidden/${BANNED}`],
  ["open room, outcast server admin", { affiliation: "outcast", serverAdmin: true }, "ok"],
  ["open room, anonymous", { guard: "anonymous not allowed" }, "forbidden/anonymous not allowed"],
  ["open room, other App", { guard: "wrong app name" }, "forbidden/wrong app name"],
  ["members-only, owner", { membersOnly: true, affiliation: "owner" }, "ok"],
  ["members-only, admin", { membersOnly: true, affiliation: "admin" }, "ok"],
  ["members-only, member", { membersOnly: true, affiliation: "member" }, "ok"],
  ["members-only, occupant without affiliation", { membersOnly: true, occupant: true }, "ok"],
  ["members-only, subscriber without affiliation (§5)", { membersOnly: true, subscriber: true }, "ok"],
  ["members-only, server admin", { membersOnly: true, serverAdmin: true }, "ok"],
  ["members-only, nobody", { membersOnly: true }, `forbidden/${ONLY_MEMBERS}`],
  ["members-only, outcast", { membersOnly: true, affiliation: "outcast" }, `forbidden/${ONLY_MEMBERS}`],
  ["members-only, outcast still subscribed", { membersOnly: true, affiliation: "outcast", subscriber: true }, `forbidden/${ONLY_MEMBERS}`],
  ["members-only, other App even when affiliated: wrong app name first", { membersOnly: true, affiliation: "member", guard: "wrong app name" }, "forbidden/wrong app name"],
  ["mam off", { mam: false, affiliation: "owner" }, "service-unavailable/"],
  ["mam off, server admin", { mam: false, serverAdmin: true }, "service-unavailable/"],
  ["mam off, other App: the guard comes first", { mam: false, guard: "wrong app name" }, "forbidden/wrong app name"],
  ["mam off, anonymous: the guard comes first", { mam: false, guard: "anonymous not allowed" }, "forbidden/anonymous not allowed"],
];

describe("room archive access (PROTOCOL §6.4, §4, §2.6, §5)", () => {
  it.each(CASES)("%s", (_name, facts, expected) => {
    const refusal = archiveAccessRefusal({ ...base, ...facts });
    expect(refusal === undefined ? "ok" : `${refusal.condition}/${refusal.text ?? ""}`).toBe(expected);
    if (refusal !== undefined) expect(refusal.type).toBe(refusal.condition === "forbidden" ? "auth" : "cancel");
  });
});
