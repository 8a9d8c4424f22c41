import { describe, expect, it } from "vitest";
import { parseJid } from "../../xmpp/jid.js";
import { blockCandidates, isMatchedBy } from "./blocking.match.js";

const blocks = (items: string[], jid: string) => isMatchedBy(new Set(items), parseJid(jid));

describe("XEP-0191 §6 JID matching", () => {
  it("lists the candidates of a full JID in §6 order", () => {
    expect(blockCandidates(parseJid("romeo@montague.net/orchard"))).toEqual([
      "romeo@montague.net/orchard",
      "romeo@montague.net",
      "montague.net/orchard",
      "montague.net",
    ]);
  });

  it("lists the candidates of bare, domain and domain/resource JIDs", () => {
    expect(blockCandidates(parseJid("romeo@montague.net"))).toEqual(["romeo@montague.net", "montague.net"]);
    expect(blockCandidates(parseJid("montague.net"))).toEqual(["montague.net"]);
    expect(blockCandidates(parseJid("montague.net/gate"))).toEqual(["montague.net/gate", "montague.net"]);
  });

  it("blocks every resource of a blocked bare JID", () => {
    expect(blocks(["romeo@montague.net"], "romeo@montague.net/orchard")).toBe(true);
    expect(blocks(["romeo@montague.net"], "romeo@montague.net")).toBe(true);
    expect(blocks(["romeo@montague.net"], "benvolio@montague.net/x")).toBe(false);
  });

  it("blocks only that resource of a blocked full JID", () => {
    expect(blocks(["romeo@montague.net/orchard"], "romeo@montague.net/orchard")).toBe(true);
    expect(blocks(["romeo@montague.net/orchard"], "romeo@montague.net/balcony")).toBe(false);
    expect(blocks(["romeo@montague.net/orchard"], "romeo@montague.net")).toBe(false);
  });

  it("blocks the domain itself, every user at it and every domain/resource", () => {
    expect(blocks(["montague.net"], "montague.net")).toBe(true);
    expect(blocks(["montague.net"], "romeo@montague.net/orchard")).toBe(true);
    expect(blocks(["montague.net"], "montague.net/gate")).toBe(true);
    expect(blocks(["montague.net"], "juliet@capulet.com")).toBe(false);
  });

  it("does not treat subdomains as the domain (v1.3 dropped that rule)", () => {
    expect(blocks(["montague.net"], "romeo@chat.montague.net")).toBe(false);
  });

  it("blocks a domain/resource item for that resource only", () => {
    expect(blocks(["montague.net/gate"], "montague.net/gate")).toBe(true);
    expect(blocks(["montague.net/gate"], "romeo@montague.net/gate")).toBe(true);
    expect(blocks(["montague.net/gate"], "montague.net/door")).toBe(false);
  });

  it("matches nothing against an empty list", () => {
    expect(blocks([], "romeo@montague.net")).toBe(false);
  });
});
