/**
 * The presence subscription state machine of RFC 6121 Appendix A, as pure functions: the nine
 * states (§A.1) and what each subscription stanza does to them when the account sends it (§A.2,
 * "outbound") or receives it (§A.3, "inbound"). Side effects (routing, pushes) live elsewhere.
 */

/** One side's view of a contact: `to`/`from` subscriptions and the two pending flags (§A.1). */
export interface SubscriptionState {
  /** The account receives the contact's presence. */
  readonly to: boolean;
  /** The contact receives the account's presence. */
  readonly from: boolean;
  /** The account asked to subscribe and waits for an answer (`ask="subscribe"`). */
  readonly pendingOut: boolean;
  /** The contact asked to subscribe and waits for the account's answer. */
  readonly pendingIn: boolean;
}

export type SubscriptionType = "subscribe" | "subscribed" | "unsubscribe" | "unsubscribed";
export type SubscriptionAttr = "none" | "to" | "from" | "both";

export const NO_SUBSCRIPTION: SubscriptionState = Object.freeze({ to: false, from: false, pendingOut: false, pendingIn: false });

export function isSubscriptionType(type: string | undefined): type is SubscriptionType {
  return type === "subscribe" || type === "subscribed" || type === "unsubscribe" || type === "unsubscribed";
}

/** The roster item's `subscription` attribute (RFC 6121 §2.1.2.5). */
export function subscriptionAttr(s: SubscriptionState): SubscriptionAttr {
  if (s.to) return s.from ? "both" : "to";
  return s.from ? "from" : "none";
}

export function stateOf(subscription: SubscriptionAttr, pendingOut: boolean, pendingIn: boolean): SubscriptionState {
  const to = subscription === "to" || subscription === "both";
  const from = subscription === "from" || subscription === "both";
  // A.1: "Pending Out" only exists without `to`, "Pending In" only without `from`.
  return { to, from, pendingOut: pendingOut && !to, pendingIn: pendingIn && !from };
}

export function sameState(a: SubscriptionState, b: SubscriptionState): boolean {
  return a.to === b.to && a.from === b.from && a.pendingOut === b.pendingOut && a.pendingIn === b.pendingIn;
}

export function isNoSubscription(s: SubscriptionState): boolean {
  return !s.to && !s.from && !s.pendingOut && !s.pendingIn;
}

/** The state's name as Appendix A writes it, e.g. "None + Pending Out+In" (logs and tests). */
export function describeState(s: SubscriptionState): string {
  const base = s.to ? (s.from ? "Both" : "To") : s.from ? "From" : "None";
  if (s.pendingOut && s.pendingIn) return `${base} + Pending Out+In`;
  if (s.pendingOut) return `${base} + Pending Out`;
  if (s.pendingIn) return `${base} + Pending In`;
  return base;
}

/** §A.2: the state after the account itself sends a subscription stanza to the contact. */
export function applyOutbound(type: SubscriptionType, s: SubscriptionState): SubscriptionState {
  switch (type) {
    case "subscribe": // A.2.1: pending out, unless already subscribed
      return s.to ? s : { ...s, pendingOut: true };
    case "unsubscribe": // A.2.2: our subscription and our request end
      return { ...s, to: false, pendingOut: false };
    case "subscribed": // A.2.3: approves a pending request; without one, no change (no pre-approval)
      return s.pendingIn ? { ...s, from: true, pendingIn: false } : s;
    case "unsubscribed": // A.2.4: cancels their subscription or denies their request
      return { ...s, from: false, pendingIn: false };
  }
}

export interface InboundOutcome {
  readonly state: SubscriptionState;
  /** Whether the stanza is delivered to the account's clients (the tables' "Deliver?" column). */
  readonly deliver: boolean;
  /** §3.1.3: a request from a contact who is already subscribed is answered with `subscribed`. */
  readonly autoReply: boolean;
}

/** §A.3: the state after the contact's subscription stanza reaches the account. */
export function applyInbound(type: SubscriptionType, s: SubscriptionState): InboundOutcome {
  switch (type) {
    case "subscribe": // A.3.1
      if (s.from) return { state: s, deliver: false, autoReply: true };
      if (s.pendingIn) return { state: s, deliver: false, autoReply: false };
      return { state: { ...s, pendingIn: true }, deliver: true, autoReply: false };
    case "unsubscribe": // A.3.2
      if (!s.from && !s.pendingIn) return { state: s, deliver: false, autoReply: false };
      return { state: { ...s, from: false, pendingIn: false }, deliver: true, autoReply: false };
    case "subscribed": // A.3.3: only an answer to our own pending request counts
      if (!s.pendingOut) return { state: s, deliver: false, autoReply: false };
      return { state: { ...s, to: true, pendingOut: false }, deliver: true, autoReply: false };
    case "unsubscribed": // A.3.4
      if (!s.to && !s.pendingOut) return { state: s, deliver: false, autoReply: false };
      return { state: { ...s, to: false, pendingOut: false }, deliver: true, autoReply: false };
  }
}
