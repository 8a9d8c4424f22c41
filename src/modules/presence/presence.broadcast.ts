/**
 * Presence exchange (RFC 6121 §4): initial presence (§4.2) with its broadcast to the account's own
 * resources and subscribers and its probes, updates (§4.4), unavailable presence (§4.5) to
 * subscribers and directed-presence recipients (§4.6), and answers to probes (§4.3.2).
 */
import type { Logger } from "pino";
import type { StanzaRouter } from "../../core/module.js";
import type { Session } from "../../core/session.js";
import type { SessionDirectory } from "../../core/session-directory.js";
import { el, type Element } from "../../xml/element.js";
import { tryParseJid, type Jid } from "../../xmpp/jid.js";
import { delayElement, stampFromMillis } from "../../xmpp/stanza.js";
import type { RosterApi } from "../roster/roster.module.js";
import type { DirectedPresence } from "./presence.directed.js";
import type { LastUnavailable, SqlPresenceStore } from "./presence.store.js";

export interface BroadcastDeps {
  readonly router: StanzaRouter;
  readonly sessions: SessionDirectory;
  readonly roster: RosterApi;
  readonly store: SqlPresenceStore;
  readonly directed: DirectedPresence;
  readonly log: Logger;
}

/** RFC 6121 §4.7.2.3: an integer in -128..127, 0 when absent or unreadable. */
export function presencePriority(presence: Element): number {
  const text = presence.getChildText("priority");
  if (text === undefined || !/^\s*[+-]?\d+\s*$/.test(text)) return 0;
  return Math.max(-128, Math.min(127, Number.parseInt(text, 10)));
}

export class PresenceBroadcaster {
  constructor(private readonly deps: BroadcastDeps) {}

  /** §4.2.2 (initial) and §4.4.2 (update): available presence without a `to`. */
  async available(session: Session, presence: Element): Promise<void> {
    const { router, roster, sessions } = this.deps;
    const initial = !session.isAvailable;
    session.setPresence(presence, presencePriority(presence));
    await this.#toOwnResources(session, presence);
    const user = session.jid.bare();
    for (const contact of await roster.subscribers(user)) await router.route(presence.withAttrs({ to: contact.bareString }));
    if (!initial) return;
    // The new resource learns about the account's other available resources…
    for (const other of sessions.resourcesOf(user)) {
      if (other === session || !other.isAvailable || other.presence === undefined) continue;
      await router.route(other.presence.withAttrs({ from: other.jid.toString(), to: session.jid.toString() }));
    }
    // …and, through probes from its full JID, about the contacts it is subscribed to (§4.2.2, §4.3).
    for (const contact of await roster.subscriptions(user)) {
      await router.route(el("presence", { type: "probe", from: session.jid.toString(), to: contact.bareString }));
    }
  }

  /**
   * §4.5.2: unavailable presence, sent by the client (`closed` false) or generated for a session
   * that ended (`closed` true, the session is already out of the directory). Goes to the account's
   * resources and subscribers when the session was available, and to every directed-presence
   * recipient that has not been told yet (§4.6.3).
   */
  async unavailable(session: Session, presence: Element, closed: boolean): Promise<void> {
    const wasAvailable = session.isAvailable;
    if (!closed) session.setPresence(undefined, 0);
    const directed = this.deps.directed.take(session);
    const told = new Set<string>();
    if (wasAvailable) {
      await this.#toOwnResources(session, presence);
      for (const contact of await this.deps.roster.subscribers(session.jid.bare())) {
        told.add(contact.bareString);
        await this.deps.router.route(presence.withAttrs({ to: contact.bareString }));
      }
      await this.#recordIfLast(session, presence);
    }
    for (const to of directed) {
      if (told.has(tryParseJid(to)?.bareString ?? to)) continue;
      await this.deps.router.route(presence.withAttrs({ to }));
    }
  }

  /**
   * §4.3.2: a probe reached `to`. A subscriber (or the account itself) gets the presence of each
   * available resource, or the last unavailable presence; anyone else learns nothing, and an
   * `unsubscribed` lets a prober whose state is stale correct it.
   */
  async answerProbe(from: Jid, to: Jid): Promise<void> {
    const { router, roster, sessions } = this.deps;
    const owner = to.bare();
    if (from.bareString !== owner.bareString) {
      const state = await roster.state(owner, from.bare());
      if (!state.from) {
        // A pending request is not refused by a probe (that would cancel the prober's request).
        if (!state.pendingIn && from.local !== "") {
          await router.route(el("presence", { type: "unsubscribed", from: owner.bareString, to: from.bareString }));
        }
        return;
      }
    }
    const targets = to.resource === "" ? sessions.resourcesOf(owner) : [sessions.get(to)];
    let answered = 0;
    for (const session of targets) {
      if (session === undefined || !session.isAvailable || session.presence === undefined) continue;
      await router.route(session.presence.withAttrs({ from: session.jid.toString(), to: from.toString() }));
      answered++;
    }
    if (answered > 0) return;
    // Nothing available: the last unavailable presence if there was one, else no answer (§4.3.2).
    const last = await this.deps.store.lastUnavailable(owner);
    if (last !== undefined) await router.route(lastUnavailablePresence(owner, from, last));
  }

  /** §4.2.2, §4.4.2, §4.5.2: the account's available resources, and the sender itself. */
  async #toOwnResources(session: Session, presence: Element): Promise<void> {
    for (const other of this.deps.sessions.resourcesOf(session.jid)) {
      if (!other.isAvailable && other !== session) continue;
      await this.deps.router.route(presence.withAttrs({ to: other.jid.toString() }));
    }
  }

  /** The account's last available session went away: remembered for probes and XEP-0012. */
  async #recordIfLast(session: Session, presence: Element): Promise<void> {
    if (session.isAnonymous) return;
    for (const other of this.deps.sessions.resourcesOf(session.jid)) if (other !== session && other.isAvailable) return;
    await this.deps.store.setLastUnavailable(session.jid.bare(), { at: Date.now(), status: presence.getChildText("status") });
  }
}

/** §4.3.2: the last unavailable presence (its status text), stamped with when it happened (XEP-0203). */
function lastUnavailablePresence(owner: Jid, to: Jid, last: LastUnavailable): Element {
  return el(
    "presence",
    { type: "unavailable", from: owner.bareString, to: to.toString() },
    last.status === undefined || last.status === "" ? undefined : el("status", null, last.status),
    delayElement(owner.bareString, stampFromMillis(last.at)),
  );
}
