import { describe, expect, it } from "vitest";
import { DEFAULT_ROOM_OPTIONS } from "../../config/profile-defaults.js";
import { serialize } from "../../xml/serialize.js";
import { configFromJson, configToJson, initialConfig, optionSpec, optionsAsStrings, parseOptionValue } from "./room-config.js";
import { configForm, configFromForm } from "./room-owner.js";

const spec = (name: string) => {
  const s = optionSpec(name);
  if (s === undefined) throw new Error(name);
  return s;
};

describe("room options (PROTOCOL §3.2)", () => {
  it("resolves e2ee from the -e2ee suffix when the default is auto", () => {
    expect(initialConfig(DEFAULT_ROOM_OPTIONS, "65f0a1_alice-65f0a1_bob-e2ee").e2ee).toBe(true);
    expect(initialConfig(DEFAULT_ROOM_OPTIONS, "65f0a1_lobby").e2ee).toBe(false);
    expect(initialConfig({ ...DEFAULT_ROOM_OPTIONS, e2ee: true }, "65f0a1_lobby").e2ee).toBe(true);
  });

  it("parses API values: strings, JSON booleans and numbers; refuses bad ones", () => {
    expect(parseOptionValue(spec("persistent"), "true")).toBe(true);
    expect(parseOptionValue(spec("persistent"), false)).toBe(false);
    expect(parseOptionValue(spec("persistent"), "maybe")).toBeUndefined();
    expect(parseOptionValue(spec("max_users"), 50)).toBe(50);
    expect(parseOptionValue(spec("max_users"), "0")).toBeUndefined();
    expect(parseOptionValue(spec("max_users"), "ten")).toBeUndefined();
    expect(parseOptionValue(spec("allowpm"), "moderators")).toBe("moderators");
    expect(parseOptionValue(spec("allow_private_messages"), "true")).toBe("anyone");
    expect(parseOptionValue(spec("allow_private_messages"), "everyone")).toBeUndefined();
    expect(parseOptionValue(spec("room_thumbnail"), "none")).toBeNull();
    expect(parseOptionValue(spec("room_thumbnail"), "https://x/y.png")).toBe("https://x/y.png");
    expect(parseOptionValue(spec("room_thumbnail"), "x".repeat(2049))).toBeUndefined();
    expect(parseOptionValue(spec("title"), "Lobby")).toBe("Lobby");
  });

  it("shows every §3.2 option as a string in get_room_options", () => {
    const options = optionsAsStrings(initialConfig(DEFAULT_ROOM_OPTIONS, "65f0a1_lobby"));
    expect(options).toEqual({
      title: "",
      description: "",
      persistent: "true",
      public: "true",
      members_only: "false",
      moderated: "true",
      members_by_default: "true",
      anonymous: "true",
      password_protected: "false",
      password: "",
      allow_subscription: "true",
      mam: "true",
      max_users: "1000",
      allow_change_subj: "true",
      allow_private_messages: "anyone",
      allow_user_invites: "false",
      allow_query_users: "true",
      lang: "en",
      e2ee: "false",
      room_thumbnail: "none",
      room_background: "none",
    });
  });

  it("round-trips through the stored JSON and ignores unknown stored keys", () => {
    const base = initialConfig(DEFAULT_ROOM_OPTIONS, "r");
    const changed = { ...base, title: "T", members_only: true, max_users: 7, room_thumbnail: "u" };
    expect(configFromJson(configToJson(changed), base)).toEqual(changed);
    expect(configFromJson('{"title":"x","bogus":1}', base)).toEqual({ ...base, title: "x" });
    expect(configFromJson("not json", base)).toEqual(base);
  });
});

describe("owner form (PROTOCOL §3.13)", () => {
  const base = initialConfig(DEFAULT_ROOM_OPTIONS, "65f0a1_lobby");

  it("offers FORM_TYPE muc#roomconfig and the §3.2 fields with their current values", () => {
    const xml = serialize(configForm(base));
    expect(xml).toContain('<field var="FORM_TYPE" type="hidden"><value>http://jabber.org/protocol/muc#roomconfig</value></field>');
    expect(xml).toContain('<field var="muc#roomconfig_persistentroom" label="Make room persistent" type="boolean"><value>1</value></field>');
    expect(xml).toContain('var="muc#roomconfig_whois"');
    expect(xml.indexOf("muc#roomconfig_roomname")).toBeLessThan(xml.indexOf("muc#roomconfig_roomdesc"));
  });

  it("applies a partial submit; absent fields keep their values; unknown ones are ignored", () => {
    const next = configFromForm(base, new Map([["muc#roomconfig_roomname", ["Lobby"]], ["x-unknown", ["1"]]]));
    expect(next).toEqual({ ...base, title: "Lobby" });
    expect(configFromForm(base, new Map([["muc#roomconfig_whois", ["anyone"]]]))?.anonymous).toBe(false);
    expect(configFromForm(base, new Map([["muc#roomconfig_membersonly", ["true"]]]))?.members_only).toBe(true);
    expect(configFromForm(base, new Map([["FORM_TYPE", ["x"]]]))).toBeUndefined();
  });

  it("refuses a bad value with bad-request", () => {
    expect(() => configFromForm(base, new Map([["muc#roomconfig_maxusers", ["lots"]]]))).toThrow(/bad-request/);
  });
});
