import { describe, expect, it } from "vitest";
import { parseJid } from "../../xmpp/jid.js";
import { tenantGuard } from "./tenant-guard.js";

const alice = parseJid("65f0a1_alice@chat.example.com");
const base = { enabled: true, user: alice, anonymous: false, serverAdmin: false, room: "65f0a1_lobby", nick: "65f0a1_alice" };

describe("tenant guard (PROTOCOL §4)", () => {
  it("lets a user of the room's App in under their localpart, case-insensitively", () => {
    expect(tenantGuard(base)).toBeUndefined();
    expect(tenantGuard({ ...base, nick: "65F0A1_Alice" })).toBeUndefined();
    expect(tenantGuard({ ...base, room: "65f0a1_alice-65f0a1_bob-e2ee" })).toBeUndefined();
  });
  it("refuses another App's room, a user without App, and another nick, in that order", () => {
    expect(tenantGuard({ ...base, room: "77aa00_other", nick: "x" })).toBe("wrong app name");
    expect(tenantGuard({ ...base, user: parseJid("legacy@chat.example.com"), nick: "legacy" })).toBe("wrong app name");
    expect(tenantGuard({ ...base, room: "65f0a1x_lobby" })).toBe("wrong app name");
    expect(tenantGuard({ ...base, nick: "bob" })).toBe("wrong nickname");
  });
  it("checks anonymity first and even when disabled; exempts server admins from everything", () => {
    expect(tenantGuard({ ...base, anonymous: true, room: "77aa00_other" })).toBe("anonymous not allowed");
    expect(tenantGuard({ ...base, enabled: false, anonymous: true })).toBe("anonymous not allowed");
    expect(tenantGuard({ ...base, enabled: false, room: "77aa00_x", nick: "any" })).toBeUndefined();
    expect(tenantGuard({ ...base, serverAdmin: true, room: "77aa00_x", nick: "any" })).toBeUndefined();
  });
  it("skips the nick check when no nick is given (archive queries)", () => {
    expect(tenantGuard({ ...base, nick: undefined })).toBeUndefined();
  });
});
