// Roster set validation (RFC 6121 §2.3.3, §2.5.3) and item serialisation (§2.1.2).
import { describe, expect, it } from "vitest";
import { el } from "../../xml/element.js";
import { serialize } from "../../xml/serialize.js";
import { parseXml } from "../../xml/stream-parser.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { decodeRosterSet, MAX_NAME_LENGTH, rosterItemElement, rosterQuery } from "./roster.codec.js";

const query = (items: string) => parseXml(`<query xmlns="${NS.roster}">${items}</query>`);

function conditionOf(items: string): string {
  try {
    decodeRosterSet(query(items));
  } catch (error) {
    if (error instanceof StanzaError) return error.condition;
    throw error;
  }
  return "accepted";
}

describe("decodeRosterSet", () => {
  it("decodes an update with name and groups", () => {
    const set = decodeRosterSet(query('<item jid="Romeo@Montague.Net" name="R"><group>Friends</group><group>Verona</group></item>'));
    expect(set).toMatchObject({ kind: "update", name: "R", groups: ["Friends", "Verona"] });
    expect(set.jid.toString()).toBe("romeo@montague.net");
  });

  it("decodes a removal, and ignores other subscription values, ask and approved", () => {
    expect(decodeRosterSet(query('<item jid="romeo@montague.net" subscription="remove"/>')).kind).toBe("remove");
    const set = decodeRosterSet(query('<item jid="romeo@montague.net" subscription="both" ask="subscribe" approved="true" name=""/>'));
    expect(set).toMatchObject({ kind: "update", name: null, groups: [] });
  });

  it.each([
    ["no item", "", "bad-request"],
    ["two items", '<item jid="a@b.c"/><item jid="d@b.c"/>', "bad-request"],
    ["no jid", "<item/>", "bad-request"],
    ["a malformed jid", '<item jid="a@b@"/>', "jid-malformed"],
    ["an empty group", '<item jid="a@b.c"><group></group></item>', "not-acceptable"],
    ["a repeated group", '<item jid="a@b.c"><group>x</group><group>x</group></item>', "bad-request"],
    ["a too long name", `<item jid="a@b.c" name="${"n".repeat(MAX_NAME_LENGTH + 1)}"/>`, "not-acceptable"],
    ["a name at the limit", `<item jid="a@b.c" name="${"ñ".repeat(MAX_NAME_LENGTH)}"/>`, "accepted"],
  ])("answers a set with %s: %s", (_label, items, condition) => {
    expect(conditionOf(items)).toBe(condition);
  });
});

describe("rosterItemElement", () => {
  it("writes subscription, ask only while pending out, and groups in the roster namespace", () => {
    const item = rosterItemElement({
      contact: "romeo@montague.net",
      name: "R & J",
      groups: ["Friends"],
      state: { to: false, from: true, pendingOut: true, pendingIn: false },
    });
    expect(serialize(rosterQuery([item]))).toBe(
      `<query xmlns="${NS.roster}"><item jid="romeo@montague.net" name="R &amp; J" subscription="from" ask="subscribe"><group>Friends</group></item></query>`,
    );
    const plain = rosterItemElement({ contact: "a@b.c", name: null, groups: [], state: { to: true, from: true, pendingOut: false, pendingIn: false } });
    expect(serialize(el("query", { xmlns: NS.roster }, plain))).toBe(`<query xmlns="${NS.roster}"><item jid="a@b.c" subscription="both"/></query>`);
  });
});
