// RFC 6121 Appendix A, table by table: every one of the nine states under each subscription stanza.
import { describe, expect, it } from "vitest";
import {
  applyInbound,
  applyOutbound,
  describeState,
  stateOf,
  subscriptionAttr,
  type SubscriptionState,
  type SubscriptionType,
} from "./roster.state.js";

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

function state(name: string): SubscriptionState {
  const s = STATES[name];
  if (s === undefined) throw new Error(`no state ${name}`);
  return s;
}

// [existing state, new state] as printed in A.2.1–A.2.4 ("no state change" written as the same state).
const OUTBOUND: Record<SubscriptionType, [string, string][]> = {
  subscribe: [
    ["None", "None + Pending Out"],
    ["None + Pending Out", "None + Pending Out"],
    ["None + Pending In", "None + Pending Out+In"],
    ["None + Pending Out+In", "None + Pending Out+In"],
    ["To", "To"],
    ["To + Pending In", "To + Pending In"],
    ["From", "From + Pending Out"],
    ["From + Pending Out", "From + Pending Out"],
    ["Both", "Both"],
  ],
  unsubscribe: [
    ["None", "None"],
    ["None + Pending Out", "None"],
    ["None + Pending In", "None + Pending In"],
    ["None + Pending Out+In", "None + Pending In"],
    ["To", "None"],
    ["To + Pending In", "None + Pending In"],
    ["From", "From"],
    ["From + Pending Out", "From"],
    ["Both", "From"],
  ],
  subscribed: [
    ["None", "None"],
    ["None + Pending Out", "None + Pending Out"],
    ["None + Pending In", "From"],
    ["None + Pending Out+In", "From + Pending Out"],
    ["To", "To"],
    ["To + Pending In", "Both"],
    ["From", "From"],
    ["From + Pending Out", "From + Pending Out"],
    ["Both", "Both"],
  ],
  unsubscribed: [
    ["None", "None"],
    ["None + Pending Out", "None + Pending Out"],
    ["None + Pending In", "None"],
    ["None + Pending Out+In", "None + Pending Out"],
    ["To", "To"],
    ["To + Pending In", "To"],
    ["From", "None"],
    ["From + Pending Out", "None + Pending Out"],
    ["Both", "To"],
  ],
};

// [existing state, deliver to the client?, new state] as printed in A.3.1–A.3.4.
const INBOUND: Record<SubscriptionType, [string, boolean, string][]> = {
  subscribe: [
    ["None", true, "None + Pending In"],
    ["None + Pending Out", true, "None + Pending Out+In"],
    ["None + Pending In", false, "None + Pending In"],
    ["None + Pending Out+In", false, "None + Pending Out+In"],
    ["To", true, "To + Pending In"],
    ["To + Pending In", false, "To + Pending In"],
    ["From", false, "From"],
    ["From + Pending Out", false, "From + Pending Out"],
    ["Both", false, "Both"],
  ],
  unsubscribe: [
    ["None", false, "None"],
    ["None + Pending Out", false, "None + Pending Out"],
    ["None + Pending In", true, "None"],
    ["None + Pending Out+In", true, "None + Pending Out"],
    ["To", false, "To"],
    ["To + Pending In", true, "To"],
    ["From", true, "None"],
    ["From + Pending Out", true, "None + Pending Out"],
    ["Both", true, "To"],
  ],
  subscribed: [
    ["None", false, "None"],
    ["None + Pending Out", true, "To"],
    ["None + Pending In", false, "None + Pending In"],
    ["None + Pending Out+In", true, "To + Pending In"],
    ["To", false, "To"],
    ["To + Pending In", false, "To + Pending In"],
    ["From", false, "From"],
    ["From + Pending Out", true, "Both"],
    ["Both", false, "Both"],
  ],
  unsubscribed: [
    ["None", false, "None"],
    ["None + Pending Out", true, "None"],
    ["None + Pending In", false, "None + Pending In"],
    ["None + Pending Out+In", true, "None + Pending In"],
    ["To", true, "None"],
    ["To + Pending In", true, "None + Pending In"],
    ["From", false, "From"],
    ["From + Pending Out", true, "From"],
    ["Both", true, "From"],
  ],
};

describe("RFC 6121 §A.2 outbound subscription stanzas (sent by the account)", () => {
  for (const [type, rows] of Object.entries(OUTBOUND) as [SubscriptionType, [string, string][]][]) {
    it.each(rows)(`${type}: %s → %s`, (before, after) => {
      expect(describeState(applyOutbound(type, state(before)))).toBe(after);
    });
  }
});

describe("RFC 6121 §A.3 inbound subscription stanzas (received from the contact)", () => {
  for (const [type, rows] of Object.entries(INBOUND) as [SubscriptionType, [string, boolean, string][]][]) {
    it.each(rows)(`${type}: %s → deliver %s, %s`, (before, deliver, after) => {
      const outcome = applyInbound(type, state(before));
      expect(describeState(outcome.state)).toBe(after);
      expect(outcome.deliver).toBe(deliver);
    });
  }

  it("answers a request from an already subscribed contact automatically (§3.1.3)", () => {
    const answered = ["From", "From + Pending Out", "Both"];
    for (const name of Object.keys(STATES)) {
      expect(applyInbound("subscribe", state(name)).autoReply, name).toBe(answered.includes(name));
    }
    for (const type of ["subscribed", "unsubscribe", "unsubscribed"] as const) {
      for (const name of Object.keys(STATES)) expect(applyInbound(type, state(name)).autoReply).toBe(false);
    }
  });
});

describe("roster item attributes", () => {
  it("maps states to the subscription attribute and back (§2.1.2.5)", () => {
    expect(subscriptionAttr(state("None + Pending Out+In"))).toBe("none");
    expect(subscriptionAttr(state("To + Pending In"))).toBe("to");
    expect(subscriptionAttr(state("From + Pending Out"))).toBe("from");
    expect(subscriptionAttr(state("Both"))).toBe("both");
    for (const s of Object.values(STATES)) expect(stateOf(subscriptionAttr(s), s.pendingOut, s.pendingIn)).toEqual(s);
  });

  it("drops pending flags that the subscription makes impossible (§A.1)", () => {
    expect(describeState(stateOf("both", true, true))).toBe("Both");
    expect(describeState(stateOf("to", true, true))).toBe("To + Pending In");
    expect(describeState(stateOf("from", true, true))).toBe("From + Pending Out");
  });
});
