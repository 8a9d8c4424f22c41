import { describe, expect, it } from "vitest";
import { el } from "../../xml/element.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { MAX_COMMENT, MAX_TIME_S, listReply, parseBanRequest } from "./ban.codec.js";

const SERVICE = "conference.chat.example.com";
const query = (attrs: Record<string, string>) => el("query", { xmlns: NS.userBan, ...attrs });
const base = { action: "ban", user: "65f0a1_bob@chat.example.com", room: "65f0a1_lobby@conference.chat.example.com" };

function refusal(attrs: Record<string, string>): string {
  try {
    parseBanRequest(query(attrs), SERVICE);
  } catch (e) {
    if (e instanceof StanzaError) return `${e.type}/${e.condition}`;
    throw e;
  }
  return "accepted";
}

describe("parseBanRequest (§7.6 Validation)", () => {
  it.each([
    ["no action", { ...base, action: "" }],
    ["unknown action", { ...base, action: "kick" }],
    ["unknown type", { ...base, type: "global" }],
    ["room missing for type=room", { action: "ban", user: base.user }],
    ["room with a resource", { ...base, room: `${base.room}/nick` }],
    ["user missing", { action: "ban", room: base.room }],
    ["user missing on unban", { action: "unban", room: base.room }],
    ["user without localpart", { ...base, user: "chat.example.com" }],
    ["malformed user", { ...base, user: "a@b@" }],
    ["negative time", { ...base, time: "-5" }],
    ["fractional time", { ...base, time: "1.5" }],
    ["empty time", { ...base, time: "" }],
    ["text time", { ...base, time: "1d" }],
    ["time too large", { ...base, time: String(MAX_TIME_S + 1) }],
    ["comment too long", { ...base, comment: "x".repeat(MAX_COMMENT + 1) }],
  ])("%s -> modify/bad-request", (_label, attrs) => {
    expect(refusal(attrs)).toBe("modify/bad-request");
  });

  it("defaults: type room, time 0, empty comment; strips the user's resource; resolves a room localpart", () => {
    const r = parseBanRequest(query({ action: "ban", user: "65F0A1_Bob@chat.example.com/res9", room: "65f0a1_lobby" }), SERVICE);
    expect(r.type).toBe("room");
    expect(r.time).toBe(0);
    expect(r.comment).toBe("");
    expect(r.user?.toString()).toBe("65f0a1_bob@chat.example.com");
    expect(r.room?.toString()).toBe("65f0a1_lobby@conference.chat.example.com");
  });

  it("accepts a 1024-character comment, type=all without room, get_list without user", () => {
    expect(refusal({ ...base, comment: "é".repeat(MAX_COMMENT) })).toBe("accepted");
    expect(refusal({ action: "ban", type: "all", user: base.user })).toBe("accepted");
    expect(refusal({ action: "get_list", room: base.room })).toBe("accepted");
    expect(refusal({ action: "get_list", type: "all" })).toBe("accepted");
  });
});

describe("listReply", () => {
  it("writes user, type, room, expires, comment, by in that order; no room for type=all", () => {
    const xml = listReply([
      { user: "b@h", type: "room", scope: "r@conference.h", expiresAt: 1729791609_500, comment: "Spam", by: "a@h", createdAt: 1 },
      { user: "c@h", type: "all", scope: "65f0a1", expiresAt: 0, comment: "", by: "a@h", createdAt: 2 },
    ]);
    const items = xml.getChildren("item").map((i) => Object.entries(i.attrs));
    expect(items).toEqual([
      [["user", "b@h"], ["type", "room"], ["room", "r@conference.h"], ["expires", "1729791609"], ["comment", "Spam"], ["by", "a@h"]],
      [["user", "c@h"], ["type", "all"], ["expires", "0"], ["comment", ""], ["by", "a@h"]],
    ]);
  });
});
