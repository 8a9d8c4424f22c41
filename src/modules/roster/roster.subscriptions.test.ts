// The subscription engine against RFC 6121 Appendix A: for each of the nine states and each stanza,
// the stored state, what is routed, pushed and delivered (router and sessions are fakes, SQLite in memory).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import type { StanzaRouter } from "../../core/module.js";
import type { Session } from "../../core/session.js";
import { LocalSessionDirectory } from "../../core/session-directory.js";
import { runMigrations } from "../../storage/migrator.js";
import { openDatabase, type OpenedDatabase } from "../../storage/open-database.js";
import { el, type Element } from "../../xml/element.js";
import { parseJid } from "../../xmpp/jid.js";
import { KeyedMutex } from "./roster.mutex.js";
import { RosterPushes } from "./roster.pushes.js";
import { describeState, type SubscriptionState, type SubscriptionType } from "./roster.state.js";
import { SqlRosterStore, rosterMigrations } from "./roster.store.js";
import { SubscriptionEngine } from "./roster.subscriptions.js";

const juliet = parseJid("juliet@capulet.lit");
const romeo = parseJid("romeo@capulet.lit");

const STATES: Record<string, SubscriptionState> = {
  None: { to: false, from: false, pendingOut: false, pendingIn: false },
  "None + Pending Out": { to: false, from: false, pendingOut: true, pendingIn: false },
  "None + Pending In": { to: false, from: false, pendingOut: false, pendingIn: true },
  "None + Pending Out+In": { to: false, from: false, pendingOut: true, pendingIn: true },
  To: { to: true, from: false, pendingOut: false, pendingIn: false },
  "To + Pending In": { to: true, from: false, pendingOut: false, pendingIn: true },
  From: { to: false, from: true, pendingOut: false, pendingIn: false },
  "From + Pending Out": { to: false, from: true, pendingOut: true, pendingIn: false },
  Both: { to: true, from: true, pendingOut: false, pendingIn: false },
};

function fakeSession(jid: string, available: boolean): Session {
  return {
    id: 1,
    jid: parseJid(jid),
    isAnonymous: false,
    boundAt: 0,
    isAvailable: available,
    isHibernated: false,
    priority: 0,
    presence: available ? el("presence", { from: jid }, el("show", null, "chat")) : undefined,
    remoteAddress: "127.0.0.1",
    setPresence: () => undefined,
    deliver: () => undefined,
    close: () => undefined,
  };
}

describe("SubscriptionEngine (RFC 6121 Appendix A with side effects)", () => {
  let opened: OpenedDatabase;
  let store: SqlRosterStore;
  let engine: SubscriptionEngine;
  let routed: Element[];

  beforeEach(async () => {
    opened = await openDatabase("sqlite::memory:");
    await runMigrations(opened, rosterMigrations);
    store = new SqlRosterStore(opened.db);
    routed = [];
    const router: StanzaRouter = {
      route: async (s) => void routed.push(s),
      broadcast: async () => undefined,
    };
    const sessions = new LocalSessionDirectory();
    const julietSession = fakeSession("juliet@capulet.lit/balcony", true);
    sessions.add(julietSession);
    const pushes = new RosterPushes(sessions, router);
    pushes.markInterested(julietSession);
    engine = new SubscriptionEngine({
      store,
      mutex: new KeyedMutex(),
      pushes,
      router,
      sessions,
      hosts: new Set(["capulet.lit"]),
      accountExists: async (u) => u.local === "juliet" || u.local === "romeo",
      log: pino({ level: "silent" }),
    });
  });
  afterEach(() => opened.close());

  const given = (state: SubscriptionState) =>
    store.put({ owner: juliet.bareString, contact: romeo.bareString, name: null, groups: [], state, pendingStanza: state.pendingIn ? "<presence/>" : null, inRoster: true });
  const stored = async () => describeState((await store.get(juliet.bareString, romeo.bareString))?.state ?? STATES["None"]!);
  const pushed = () => routed.filter((s) => s.name === "iq").map((iq) => iq.firstElement()?.firstElement()?.attrs["subscription"]);
  const presenceTo = (to: string) => routed.filter((s) => s.name === "presence" && s.attrs["to"] === to).map((s) => s.attrs["type"] ?? "available");

  // [state, new state, routed to romeo (types, in order)] for stanzas juliet sends (A.2 plus §3.1.2–§3.3.2).
  const outbound: Record<SubscriptionType, [string, string, string[]][]> = {
    subscribe: [
      ["None", "None + Pending Out", ["subscribe"]],
      ["None + Pending In", "None + Pending Out+In", ["subscribe"]],
      ["To", "To", ["subscribe"]],
      ["Both", "Both", ["subscribe"]],
    ],
    subscribed: [
      ["None", "None", []],
      ["None + Pending In", "From", ["subscribed", "available"]],
      ["To + Pending In", "Both", ["subscribed", "available"]],
      ["From", "From", ["subscribed", "available"]],
    ],
    unsubscribe: [
      ["None + Pending Out", "None", ["unsubscribe"]],
      ["Both", "From", ["unsubscribe"]],
      ["From", "From", ["unsubscribe"]],
    ],
    unsubscribed: [
      ["None + Pending In", "None", ["unsubscribed"]],
      ["Both", "To", ["unavailable", "unsubscribed"]],
      ["From + Pending Out", "None + Pending Out", ["unavailable", "unsubscribed"]],
      ["To", "To", ["unsubscribed"]],
    ],
  };
  for (const [type, rows] of Object.entries(outbound) as [SubscriptionType, [string, string, string[]][]][]) {
    it.each(rows)(`juliet sends ${type} in %s: %s, routes %j`, async (before, after, toRomeo) => {
      await given(STATES[before]!);
      await engine.outbound(juliet, romeo, type, el("presence", { type, from: "juliet@capulet.lit/balcony", to: "romeo@capulet.lit/x" }));
      expect(await stored()).toBe(after);
      expect(presenceTo(romeo.bareString)).toEqual(toRomeo);
      // Subscription stanzas leave stamped with bare JIDs (§3.1.2).
      for (const s of routed.filter((r) => r.attrs["type"] === type)) expect(s.attrs["from"]).toBe(juliet.bareString);
    });
  }

  // [state, hook result, pushed subscription attrs, routed back to romeo] for stanzas romeo sends (A.3, §3.1.3–§3.3.3).
  const inbound: [SubscriptionType, string, string, string[], string[]][] = [
    ["subscribe", "None", "continue", [], []],
    ["subscribe", "None + Pending In", "handled", [], []],
    ["subscribe", "To", "continue", [], []],
    ["subscribe", "Both", "handled", [], ["subscribed", "available"]],
    ["subscribe", "From + Pending Out", "handled", [], ["subscribed", "available"]],
    ["subscribed", "None + Pending Out", "continue", ["to"], []],
    ["subscribed", "From + Pending Out", "continue", ["both"], []],
    ["subscribed", "None", "handled", [], []],
    ["unsubscribe", "Both", "continue", ["to"], ["unavailable"]],
    ["unsubscribe", "None + Pending Out+In", "continue", [], []],
    ["unsubscribe", "To", "handled", [], []],
    ["unsubscribed", "To + Pending In", "continue", ["none"], []],
    ["unsubscribed", "Both", "continue", ["from"], []],
    ["unsubscribed", "From", "handled", [], []],
  ];
  it.each(inbound)("romeo sends %s in %s: %s, pushes %j, answers %j", async (type, before, result, pushes, toRomeo) => {
    await given(STATES[before]!);
    const stanza = el("presence", { type, from: "romeo@capulet.lit/garden", to: juliet.bareString });
    const payload = { from: parseJid("romeo@capulet.lit/garden"), to: juliet, stanza };
    expect(await engine.inbound(payload)).toBe(result);
    expect(pushed()).toEqual(pushes);
    expect(presenceTo(romeo.bareString)).toEqual(toRomeo);
    // What is delivered comes from the contact's bare JID.
    if (result === "continue") expect(payload.stanza.attrs["from"]).toBe(romeo.bareString);
  });

  it("keeps an inbound request for redelivery, hidden from the roster, until it is answered", async () => {
    const request = el("presence", { type: "subscribe", from: romeo.bareString, to: juliet.bareString }, el("status", null, "hi"));
    expect(await engine.inbound({ from: romeo, to: juliet, stanza: request })).toBe("continue");
    const row = await store.get(juliet.bareString, romeo.bareString);
    expect(row?.inRoster).toBe(false);
    expect(pushed()).toEqual([]);
    routed.length = 0;
    await engine.redeliverRequests(fakeSession("juliet@capulet.lit/attic", true));
    expect(routed.map((s) => [s.attrs["type"], s.attrs["to"], s.getChildText("status")])).toEqual([["subscribe", "juliet@capulet.lit/attic", "hi"]]);
    await engine.outbound(juliet, romeo, "unsubscribed", el("presence", { type: "unsubscribed" }));
    expect(await store.get(juliet.bareString, romeo.bareString)).toBeUndefined(); // nothing left to remember
    expect(pushed()).toEqual([]);
  });

  it("passes subscription stanzas addressed to a full JID through untouched (fan-out and redelivery)", async () => {
    const stanza = el("presence", { type: "subscribe", from: romeo.bareString, to: "juliet@capulet.lit/balcony" });
    expect(await engine.inbound({ from: romeo, to: parseJid("juliet@capulet.lit/balcony"), stanza })).toBe("continue");
    expect(await store.get(juliet.bareString, romeo.bareString)).toBeUndefined();
  });

  it("answers a request to an account that does not exist with unsubscribed (RFC 6121 §8.5.1)", async () => {
    const ghost = parseJid("ghost@capulet.lit");
    const stanza = el("presence", { type: "subscribe", from: romeo.bareString, to: ghost.bareString });
    expect(await engine.inbound({ from: romeo, to: ghost, stanza })).toBe("handled");
    expect(routed.map((s) => [s.attrs["type"], s.attrs["from"], s.attrs["to"]])).toEqual([["unsubscribed", ghost.bareString, romeo.bareString]]);
  });
});
