import { describe, expect, it } from "vitest";
import { DEFAULT_ROOM_OPTIONS } from "../../config/profile-defaults.js";
import { CommandError } from "../../core/admin-command.js";
import { parseAffiliations, parseOptions } from "./muc-command-args.js";
import { initialConfig } from "./room-config.js";

const base = initialConfig(DEFAULT_ROOM_OPTIONS, "65f0a1_lobby");

function status(fn: () => unknown): number | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof CommandError ? e.status : -1;
  }
}

describe("create_room_with_opts options (PROTOCOL §8.5)", () => {
  it("accepts an array of {name, value} or an object, with the allowpm alias", () => {
    const fromArray = parseOptions(
      [
        { name: "title", value: "Lobby" },
        { name: "members_only", value: "true" },
        { name: "allowpm", value: "none" },
        { name: "max_users", value: 20 },
      ],
      base,
    );
    expect(fromArray.config).toEqual({ ...base, title: "Lobby", members_only: true, allow_private_messages: "none", max_users: 20 });
    expect(parseOptions({ title: "Lobby", public: false }, base).config).toEqual({ ...base, title: "Lobby", public: false });
  });

  it("ignores boolean-valued ejabberd options and refuses other unknown names or bad values", () => {
    expect(parseOptions([{ name: "logging", value: "true" }, { name: "captcha_protected", value: false }], base).changed).toBe(false);
    expect(status(() => parseOptions([{ name: "presence_broadcast", value: "[moderator]" }], base))).toBe(400);
    expect(status(() => parseOptions([{ name: "persistent", value: "yes" }], base))).toBe(400);
    expect(status(() => parseOptions("bogus", base))).toBe(400);
  });

  it("reads affiliations in both string formats and hands subscribers over raw", () => {
    const parsed = parseOptions(
      [
        { name: "affiliations", value: "owner=65f0a1_alice@chat.example.com;member=65f0a1_bob@chat.example.com" },
        { name: "subscribers", value: "65f0a1_bob@chat.example.com=bob=messages" },
      ],
      base,
    );
    expect(parsed.affiliations.map((a) => [a.affiliation, a.jid.toString()])).toEqual([
      ["owner", "65f0a1_alice@chat.example.com"],
      ["member", "65f0a1_bob@chat.example.com"],
    ]);
    expect(parsed.subscribers).toBe("65f0a1_bob@chat.example.com=bob=messages");
    expect(parseAffiliations("owner:a@h,member:b@h/res").map((a) => a.jid.toString())).toEqual(["a@h", "b@h"]);
    expect(status(() => parseAffiliations("king=a@h"))).toBe(400);
    expect(status(() => parseAffiliations("a@h"))).toBe(400);
  });
});
