/**
 * Presence subscriptions (RFC 6121 §3) and roster edits (§2.3, §2.5) with their side effects: the
 * Appendix A state change of the account's row, roster pushes, routing of the subscription stanzas,
 * and the presence that follows an approval or a cancellation. Every contact is a local account or
 * unreachable (no server-to-server), so both ends of a subscription are processed here.
 */
import type { Logger } from "pino";
import type { HookMap, HookResult } from "../../core/hook-map.js";
import type { StanzaRouter } from "../../core/module.js";
import type { Session } from "../../core/session.js";
import type { SessionDirectory } from "../../core/session-directory.js";
import { el, type Element } from "../../xml/element.js";
import { serialize } from "../../xml/serialize.js";
import { parseXml } from "../../xml/stream-parser.js";
import { tryParseJid, type Jid } from "../../xmpp/jid.js";
import { removedItemElement, rosterItemElement } from "./roster.codec.js";
import type { KeyedMutex } from "./roster.mutex.js";
import type { RosterPushes } from "./roster.pushes.js";
import {
  applyInbound,
  applyOutbound,
  isNoSubscription,
  isSubscriptionType,
  NO_SUBSCRIPTION,
  subscriptionAttr,
  type InboundOutcome,
  type SubscriptionType,
} from "./roster.state.js";
import type { RosterRow, SqlRosterStore } from "./roster.store.js";

export interface SubscriptionDeps {
  readonly store: SqlRosterStore;
  readonly mutex: KeyedMutex;
  readonly pushes: RosterPushes;
  readonly router: StanzaRouter;
  readonly sessions: SessionDirectory;
  readonly hosts: ReadonlySet<string>;
  readonly accountExists: (user: Jid) => Promise<boolean>;
  readonly log: Logger;
}

interface Change {
  readonly before: RosterRow | undefined;
  readonly after: RosterRow | undefined;
}

export class SubscriptionEngine {
  constructor(private readonly deps: SubscriptionDeps) {}

  /** §3.1.2, §3.1.5, §3.2.2, §3.3.2: a client sent a subscription stanza to `contact`. */
  async outbound(owner: Jid, contact: Jid, type: SubscriptionType, stanza: Element): Promise<void> {
    // §3.1.2: stamped with the account's bare JID and addressed to the contact's bare JID.
    const routed = stanza.withAttrs({ from: owner.bareString, to: contact.bareString });
    if (contact.bareString === owner.bareString) return; // an account is implicitly subscribed to itself
    // Not a local account: nothing to subscribe to; the router bounces it (§3.1.2 "cannot be routed").
    if (!this.#isAccountJid(contact)) return this.deps.router.route(routed);
    const { before, after } = await this.#transition(owner, contact, (row) => {
      const state = applyOutbound(type, row.state);
      // Asking for or granting a subscription puts the contact in the roster (§3.1.2, §3.1.5).
      const added = (type === "subscribe" && state.pendingOut) || (type === "subscribed" && state.from);
      return { ...row, state, inRoster: row.inRoster || added };
    });
    if (type === "subscribed" && after?.state.from !== true) return; // §3.1.5: no request, no pre-approval: not routed
    await this.#pushChange(owner, { before, after });
    if (type === "unsubscribed" && before?.state.from === true) await this.unavailableOf(owner, contact); // §3.2.2
    await this.deps.router.route(routed);
    if (type === "subscribed") await this.presenceOf(owner, contact); // §3.1.5
  }

  /** §3.1.3, §3.1.6, §3.2.3, §3.3.3: a subscription stanza reached a local account. */
  async inbound(payload: HookMap["presence.inbound"]): Promise<HookResult> {
    const type = payload.stanza.attrs["type"];
    if (!isSubscriptionType(type)) return "continue";
    // Requests are processed at the bare JID; full-JID ones are our own fan-out and redeliveries.
    if (payload.to.resource !== "") return "continue";
    const owner = payload.to;
    const contact = payload.from.bare();
    if (contact.bareString === owner.bareString) return "handled";
    if (!(await this.#accountExists(owner))) {
      // RFC 6121 §8.5.1: no such user: a request is answered with `unsubscribed`, the rest ignored.
      if (type === "subscribe") await this.#send("unsubscribed", owner, contact);
      return "handled";
    }
    const stanza = payload.stanza.attrs["from"] === contact.bareString ? payload.stanza : payload.stanza.withAttrs({ from: contact.bareString });
    let outcome: InboundOutcome = { state: NO_SUBSCRIPTION, deliver: false, autoReply: false };
    const change = await this.#transition(owner, contact, (row) => {
      outcome = applyInbound(type, row.state);
      const keep = type === "subscribe" && outcome.deliver ? serialize(stanza) : row.pendingStanza;
      return { ...row, state: outcome.state, pendingStanza: keep };
    });
    if (outcome.autoReply) {
      // §3.1.3: already approved: answer for the account, and let the contact see its presence again.
      await this.#send("subscribed", owner, contact);
      await this.presenceOf(owner, contact);
      return "handled";
    }
    if (!outcome.deliver) return "handled";
    await this.#pushChange(owner, change);
    if (type === "unsubscribe" && change.before?.state.from === true) await this.unavailableOf(owner, contact); // §3.3.3
    payload.stanza = stanza;
    return "continue"; // delivered by the router to the account's available resources
  }

  /** §3.1.3: a stored request goes to every resource that becomes available, until answered. */
  async redeliverRequests(session: Session): Promise<void> {
    const requests = await this.deps.store.pendingRequests(session.jid.bareString);
    for (const request of requests) {
      let stanza: Element;
      try {
        stanza = parseXml(request.stanza);
      } catch (err) {
        this.deps.log.warn({ err, contact: request.contact }, "stored subscription request is unreadable");
        continue;
      }
      await this.deps.router.route(stanza.withAttrs({ to: session.jid.toString() }));
    }
  }

  /** §2.3.2 / §2.4: adds or updates an item (name, groups); the subscription state is untouched. */
  async setItem(owner: Jid, contact: Jid, name: string | null, groups: readonly string[]): Promise<void> {
    const change = await this.#transition(owner, contact, (row) => ({ ...row, name, groups, inRoster: true }));
    if (change.after) await this.deps.pushes.push(owner, rosterItemElement(change.after));
  }

  /** §2.5.2: removes an item, cancelling subscriptions both ways. False when it was not in the roster. */
  async removeItem(owner: Jid, contact: Jid): Promise<boolean> {
    const row = await this.deps.mutex.run(owner.bareString, async () => {
      const found = await this.deps.store.get(owner.bareString, contact.toString());
      if (found === undefined || !found.inRoster) return undefined;
      await this.deps.store.delete(owner.bareString, found.contact);
      return found;
    });
    if (row === undefined) return false;
    await this.deps.pushes.push(owner, removedItemElement(row.contact));
    if (row.state.from) await this.unavailableOf(owner, contact);
    await this.#cancelBothWays(owner, contact, row);
    return true;
  }

  /** `user.deleted`: the account's rows go, and its contacts learn that every subscription ended. */
  async deleteAccount(user: Jid): Promise<void> {
    const rows = await this.deps.mutex.run(user.bareString, async () => {
      const all = await this.deps.store.list(user.bareString);
      await this.deps.store.deleteOwner(user.bareString);
      return all;
    });
    for (const row of rows) {
      const contact = this.#contactJid(row);
      if (contact !== undefined) await this.#cancelBothWays(user, contact, row);
    }
  }

  /** §3.1.5: the current presence of each available resource of `owner`, to `target`. */
  async presenceOf(owner: Jid, target: Jid): Promise<void> {
    for (const session of this.deps.sessions.resourcesOf(owner)) {
      if (!session.isAvailable || session.presence === undefined) continue;
      await this.deps.router.route(session.presence.withAttrs({ from: session.jid.toString(), to: target.toString() }));
    }
  }

  /** §3.2.2, §3.3.3: unavailable presence from each available resource of `owner`, to `target`. */
  async unavailableOf(owner: Jid, target: Jid): Promise<void> {
    for (const session of this.deps.sessions.resourcesOf(owner)) {
      if (!session.isAvailable) continue;
      await this.deps.router.route(el("presence", { type: "unavailable", from: session.jid.toString(), to: target.toString() }));
    }
  }

  /** §2.5.2: `unsubscribed` if they were subscribed or asking, `unsubscribe` if we were. */
  async #cancelBothWays(owner: Jid, contact: Jid, row: RosterRow): Promise<void> {
    if (row.state.from || row.state.pendingIn) await this.#send("unsubscribed", owner, contact);
    if (row.state.to || row.state.pendingOut) await this.#send("unsubscribe", owner, contact);
  }

  async #send(type: SubscriptionType, from: Jid, to: Jid): Promise<void> {
    await this.deps.router.route(el("presence", { type, from: from.bareString, to: to.bareString }));
  }

  /**
   * Loads the row (or an empty one), applies `next`, stores the result under the account's lock,
   * and deletes a row left with nothing to remember (not in the roster, no subscription).
   */
  async #transition(owner: Jid, contact: Jid, next: (row: RosterRow) => RosterRow): Promise<Change> {
    const key = contact.toString();
    return this.deps.mutex.run(owner.bareString, async () => {
      const before = await this.deps.store.get(owner.bareString, key);
      const base: RosterRow = before ?? { owner: owner.bareString, contact: key, name: null, groups: [], state: NO_SUBSCRIPTION, pendingStanza: null, inRoster: false };
      const row = next(base);
      if (!row.inRoster && isNoSubscription(row.state)) {
        if (before !== undefined) await this.deps.store.delete(owner.bareString, key);
        return { before, after: undefined };
      }
      await this.deps.store.put(row);
      return { before, after: row };
    });
  }

  /** A push only when what the item shows (subscription, ask) changed or the item appeared. */
  async #pushChange(owner: Jid, { before, after }: Change): Promise<void> {
    if (after === undefined || !after.inRoster) return;
    const shown = (r: RosterRow) => subscriptionAttr(r.state) + (r.state.pendingOut ? "+ask" : "");
    if (before !== undefined && before.inRoster && shown(before) === shown(after)) return;
    await this.deps.pushes.push(owner, rosterItemElement(after));
  }

  async #accountExists(user: Jid): Promise<boolean> {
    return this.deps.sessions.resourcesOf(user).length > 0 || this.deps.accountExists(user);
  }

  #isAccountJid(jid: Jid): boolean {
    return jid.local !== "" && this.deps.hosts.has(jid.domain);
  }

  /** The contact of a row that carries subscription state (only those need telling). */
  #contactJid(row: RosterRow): Jid | undefined {
    if (isNoSubscription(row.state)) return undefined;
    return tryParseJid(row.contact);
  }
}
