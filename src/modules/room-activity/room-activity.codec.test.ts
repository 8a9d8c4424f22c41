import { describe, expect, it } from "vitest";
import { serialize } from "../../xml/serialize.js";
import { parseXml } from "../../xml/stream-parser.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { activityReply, parseRoomAttr } from "./room-activity.codec.js";

const q = (attrs: string) => parseXml(`<query xmlns="ns:room:last" ${attrs}/>`);
const SERVICE = "conference.chat.example.com";

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof StanzaError) return `${err.type}/${err.condition}`;
    throw err;
  }
  return "none";
}

describe("parseRoomAttr", () => {
  it("accepts a room JID and resolves a bare localpart against the MUC service (§7.4)", () => {
    expect(parseRoomAttr(q('room="65f0a1_lobby@conference.chat.example.com"'), SERVICE).bareString).toBe("65f0a1_lobby@conference.chat.example.com");
    expect(parseRoomAttr(q('room="65f0a1_lobby"'), SERVICE).bareString).toBe("65f0a1_lobby@conference.chat.example.com");
  });

  it.each([
    ["missing room", "", "modify/bad-request"],
    ["empty room", 'room=""', "modify/bad-request"],
    ["a room with a resource", 'room="r@conference.chat.example.com/nick"', "modify/bad-request"],
    ["a domain only", 'room="@conference.chat.example.com"', "modify/bad-request"],
  ])("refuses %s", (_label, attrs, expected) => {
    expect(errorOf(() => parseRoomAttr(q(attrs), SERVICE))).toBe(expected);
  });

  it("a localpart without a MUC service names no room", () => {
    expect(errorOf(() => parseRoomAttr(q('room="lobby"'), undefined))).toBe("cancel/item-not-found");
  });
});

describe("activityReply", () => {
  it("serialises the attributes in §7.5 order, profile none when there is no photo", () => {
    const reply = activityReply([
      { jid: "a@x", name: "Alice Smith", affiliation: "owner", banned: false, lastActive: 1731677817, photo: "https://cdn/a.png" },
      { jid: "b@x", name: "b", affiliation: "member", banned: true, lastActive: 0, photo: undefined },
    ]);
    expect(serialize(reply)).toBe(
      '<query xmlns="ns:room:last">' +
        '<activity jid="a@x" name="Alice Smith" role="owner" ban_status="clear" last_active="1731677817" profile="https://cdn/a.png"/>' +
        '<activity jid="b@x" name="b" role="member" ban_status="banned" last_active="0" profile="none"/>' +
        "</query>",
    );
  });
});
