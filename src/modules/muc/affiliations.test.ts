import { describe, expect, it } from "vitest";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { AffiliationTable, checkAffiliationChange, checkRoleChange, defaultRole, type Affiliation } from "./affiliations.js";

function refusal(fn: () => void): { condition: string; text: string | undefined } | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (!(e instanceof StanzaError)) throw e;
    return { condition: e.condition, text: e.text };
  }
}

describe("affiliation permission matrix (PROTOCOL §3.11)", () => {
  const all: Affiliation[] = ["owner", "admin", "member", "none", "outcast"];

  it("lets owners set any affiliation on anyone", () => {
    for (const current of all) for (const next of all) expect(refusal(() => checkAffiliationChange("owner", current, next))).toBeUndefined();
  });

  it("lets admins move users between member, none and outcast only", () => {
    const lowly: Affiliation[] = ["member", "none", "outcast"];
    for (const current of lowly) for (const next of lowly) expect(refusal(() => checkAffiliationChange("admin", current, next))).toBeUndefined();
    expect(refusal(() => checkAffiliationChange("admin", "none", "admin"))).toEqual({ condition: "forbidden", text: "Owner privileges required" });
    expect(refusal(() => checkAffiliationChange("admin", "owner", "outcast"))).toEqual({ condition: "forbidden", text: "Owner privileges required" });
    expect(refusal(() => checkAffiliationChange("admin", "admin", "member"))).toEqual({ condition: "forbidden", text: "Owner privileges required" });
  });

  it("refuses members and strangers with 'Administrator privileges required'", () => {
    for (const actor of ["member", "none", "outcast"] as const) {
      expect(refusal(() => checkAffiliationChange(actor, "none", "member"))).toEqual({ condition: "forbidden", text: "Administrator privileges required" });
    }
  });
});

describe("role changes (XEP-0045 §8)", () => {
  const mod = (affiliation: Affiliation) => ({ role: "moderator" as const, affiliation });
  it("lets a moderator kick or silence a participant", () => {
    expect(refusal(() => checkRoleChange(mod("member"), { role: "participant", affiliation: "none" }, "none"))).toBeUndefined();
    expect(refusal(() => checkRoleChange(mod("member"), { role: "participant", affiliation: "member" }, "visitor"))).toBeUndefined();
  });
  it("refuses non-moderators with forbidden", () => {
    expect(refusal(() => checkRoleChange({ role: "participant", affiliation: "member" }, { role: "participant", affiliation: "none" }, "none"))?.condition).toBe("forbidden");
  });
  it("keeps the moderator role for admins and owners, and protects them from kicks", () => {
    expect(refusal(() => checkRoleChange(mod("member"), { role: "participant", affiliation: "none" }, "moderator"))?.condition).toBe("not-allowed");
    expect(refusal(() => checkRoleChange(mod("admin"), { role: "participant", affiliation: "none" }, "moderator"))).toBeUndefined();
    expect(refusal(() => checkRoleChange(mod("admin"), { role: "moderator", affiliation: "admin" }, "none"))?.condition).toBe("not-allowed");
    expect(refusal(() => checkRoleChange(mod("admin"), { role: "moderator", affiliation: "owner" }, "none"))?.condition).toBe("not-allowed");
    expect(refusal(() => checkRoleChange(mod("owner"), { role: "moderator", affiliation: "admin" }, "none"))).toBeUndefined();
  });
});

describe("default roles (XEP-0045 §5.1.2)", () => {
  it("derives the role from the affiliation and the room's moderation options", () => {
    const open = { moderated: true, members_by_default: true };
    const strict = { moderated: true, members_by_default: false };
    expect(defaultRole("owner", open)).toBe("moderator");
    expect(defaultRole("admin", open)).toBe("moderator");
    expect(defaultRole("member", strict)).toBe("participant");
    expect(defaultRole("none", open)).toBe("participant");
    expect(defaultRole("none", strict)).toBe("visitor");
    expect(defaultRole("none", { moderated: false, members_by_default: false })).toBe("participant");
  });
});

describe("AffiliationTable", () => {
  it("never stores none and lists sorted by JID", () => {
    const t = new AffiliationTable();
    t.set("b@h", "member");
    t.set("a@h", "owner", "founder");
    t.set("c@h", "member");
    t.set("c@h", "none");
    expect(t.size).toBe(2);
    expect(t.list()).toEqual([
      { jid: "a@h", affiliation: "owner", reason: "founder" },
      { jid: "b@h", affiliation: "member", reason: "" },
    ]);
    expect(t.get("c@h")).toBe("none");
    expect(t.list("member").map((e) => e.jid)).toEqual(["b@h"]);
  });
});
