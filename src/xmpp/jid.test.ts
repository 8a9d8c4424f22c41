import { describe, expect, it } from "vitest";
import { Jid, JidMalformedError, isValidLocalpart, parseJid, tryParseJid } from "./jid.js";

describe("parseJid (RFC 7622, PROTOCOL §1.6)", () => {
  it.each([
    ["alice@Example.COM/Res", "alice", "example.com", "Res"],
    ["ALICE@example.com", "alice", "example.com", ""],
    ["example.com.", "", "example.com", ""],
    ["conference.example.com/nick/with/slashes", "", "conference.example.com", "nick/with/slashes"],
  ])("%s", (input, local, domain, resource) => {
    const jid = parseJid(input);
    expect([jid.local, jid.domain, jid.resource]).toEqual([local, domain, resource]);
    expect(jid.bareString).toBe(local === "" ? domain : `${local}@${domain}`);
  });

  it.each(["", "@example.com", "alice@", "a@b@example.com", "alice@example.com/", "al ice@example.com", "alice@exa mple.com", `alice@example.com/a\u0001b`])(
    "refuses %j, every time it is asked",
    (input) => {
      expect(() => parseJid(input)).toThrow(JidMalformedError);
      expect(() => parseJid(input)).toThrow(JidMalformedError);
      expect(tryParseJid(input)).toBeUndefined();
    },
  );

  it("gives equal JIDs for equal texts, with their bare and full forms", () => {
    const first = parseJid("bob@example.com/phone");
    const again = parseJid("bob@example.com/phone");
    expect(again.equals(first)).toBe(true);
    expect([first.toString(), again.bare().toString(), first.isBare, again.bare().isBare]).toEqual(["bob@example.com/phone", "bob@example.com", false, true]);
  });

  it("normalises the resource to NFC and the localpart to NFKC lowercase", () => {
    expect(parseJid("\uFF21lice@example.com/e\u0301").local).toBe("alice");
    expect(parseJid("alice@example.com/e\u0301").resource).toBe("\u00e9");
  });

  it("checks registration localparts with the JID rules", () => {
    expect([isValidLocalpart("alice"), isValidLocalpart("Alice"), isValidLocalpart("a b"), isValidLocalpart("")]).toEqual([true, false, false, false]);
    expect(new Jid("a", "b", "c").withResource("d").toString()).toBe("a@b/d");
  });
});
