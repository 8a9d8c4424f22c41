import { describe, expect, it } from "vitest";
import type { Affiliation } from "../muc/affiliations.js";
import { CANNOT_BAN_SELF, NOT_ENOUGH_PRIVILEGES, allBanRefusal, appliesNow, mayListRoom, roomBanRefusal } from "./ban.policy.js";

const OK = undefined;
const NO = NOT_ENOUGH_PRIVILEGES;
const AFFS: Affiliation[] = ["owner", "admin", "member", "none", "outcast"];

describe("roomBanRefusal (§7.6 type=room)", () => {
  // [actor rank, allowed target affiliations]
  const allowed: Record<Affiliation | "server admin", Affiliation[]> = {
    owner: ["admin", "member", "none", "outcast"],
    admin: ["member", "none", "outcast"],
    member: [],
    none: [],
    outcast: [],
    "server admin": ["admin", "member", "none", "outcast"],
  };
  const cases = Object.entries(allowed).flatMap(([actor, targets]) => AFFS.map((t) => [actor, t, targets.includes(t) ? OK : NO] as const));
  it.each(cases)("%s bans %s -> %s", (actor, target, expected) => {
    const actorAdmin = actor === "server admin";
    const refusal = roomBanRefusal({ self: false, actorAdmin, actorAffiliation: actorAdmin ? "none" : (actor as Affiliation), targetAdmin: false, targetAffiliation: target });
    expect(refusal).toBe(expected);
  });

  it("never allows oneself (own text) or a server admin", () => {
    expect(roomBanRefusal({ self: true, actorAdmin: true, actorAffiliation: "owner", targetAdmin: true, targetAffiliation: "owner" })).toBe(CANNOT_BAN_SELF);
    expect(roomBanRefusal({ self: false, actorAdmin: true, actorAffiliation: "owner", targetAdmin: true, targetAffiliation: "member" })).toBe(NO);
  });
});

describe("allBanRefusal (§7.6 type=all)", () => {
  it.each([
    ["server admin", { actorAdmin: true, actorAppOwner: false }, OK],
    ["App owner of the target's App", { actorAdmin: false, actorAppOwner: true }, OK],
    ["anyone else", { actorAdmin: false, actorAppOwner: false }, NO],
  ] as const)("%s -> %s", (_label, actor, expected) => {
    expect(allBanRefusal({ self: false, ...actor, targetAdmin: false, targetAppOwner: false })).toBe(expected);
  });

  it("never allows an App owner, a server admin or oneself", () => {
    expect(allBanRefusal({ self: false, actorAdmin: true, actorAppOwner: true, targetAdmin: false, targetAppOwner: true })).toBe(NO);
    expect(allBanRefusal({ self: false, actorAdmin: true, actorAppOwner: true, targetAdmin: true, targetAppOwner: false })).toBe(NO);
    expect(allBanRefusal({ self: true, actorAdmin: true, actorAppOwner: true, targetAdmin: false, targetAppOwner: false })).toBe(CANNOT_BAN_SELF);
  });
});

describe("mayListRoom", () => {
  it.each([
    [false, "owner", true],
    [false, "admin", true],
    [false, "member", false],
    [false, "none", false],
    [false, "outcast", false],
    [true, "none", true],
  ] as const)("admin=%s %s -> %s", (admin, aff, expected) => expect(mayListRoom(admin, aff)).toBe(expected));
});

describe("appliesNow", () => {
  const now = 1_000_000;
  it("ignores expired bans and honours permanent and future ones", () => {
    expect(appliesNow([{ user: "u", type: "room", expiresAt: now }], () => "member", now)).toBe(false);
    expect(appliesNow([{ user: "u", type: "room", expiresAt: now + 1 }], () => "member", now)).toBe(true);
    expect(appliesNow([{ user: "u", type: "room", expiresAt: 0 }], () => "member", now)).toBe(true);
    expect(appliesNow(undefined, () => "member", now)).toBe(false);
  });

  it("does not enforce an all ban where the target is an owner, but does a room ban", () => {
    expect(appliesNow([{ user: "u", type: "all", expiresAt: 0 }], () => "owner", now)).toBe(false);
    expect(appliesNow([{ user: "u", type: "all", expiresAt: 0 }], () => "admin", now)).toBe(true);
    expect(appliesNow([{ user: "u", type: "room", expiresAt: 0 }], () => "owner", now)).toBe(true);
  });
});
