/**
 * Presence side effects of XEP-0191: blocking a JID sends it unavailable presence (§3.3), unblocking
 * sends it the user's current presence (§3.4), "but only if the JID is allowed to receive presence
 * notifications from the user" (RFC 6121: a `from`/`both` subscription). Directed-presence recipients
 * are not tracked here (the presence module keeps them private).
 */
import type { ModuleContext } from "../../core/module.js";
import { el, type Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import type { RosterApi } from "../roster/roster.module.js";
import { isMatchedBy } from "./blocking.match.js";

export class BlockPresence {
  /** Presence this module sends on purpose: enforcement lets it through (see blocking.enforce.ts). */
  readonly #exempt = new WeakSet<Element>();

  constructor(
    private readonly ctx: ModuleContext,
    private readonly roster: RosterApi,
  ) {}

  isExempt(stanza: Element): boolean {
    return this.#exempt.has(stanza);
  }

  /** §3.3: unavailable presence from each available resource to the newly blocked subscribers. */
  async blocked(owner: Jid, items: readonly string[]): Promise<void> {
    const targets = await this.#subscribersMatching(owner, items);
    if (targets.length === 0) return;
    for (const session of this.ctx.sessions.resourcesOf(owner)) {
      if (!session.isAvailable) continue;
      for (const to of targets) await this.#send(el("presence", { type: "unavailable", from: session.jid.toString(), to: to.bareString }));
    }
  }

  /** §3.4: the current presence of each available resource to the subscribers no longer blocked. */
  async unblocked(owner: Jid, items: readonly string[], stillBlocked: ReadonlySet<string>): Promise<void> {
    const targets = (await this.#subscribersMatching(owner, items)).filter((jid) => !isMatchedBy(stillBlocked, jid));
    if (targets.length === 0) return;
    for (const session of this.ctx.sessions.resourcesOf(owner)) {
      const presence = session.presence;
      if (!session.isAvailable || presence === undefined) continue;
      for (const to of targets) await this.#send(presence.withAttrs({ from: session.jid.toString(), to: to.bareString }));
    }
  }

  /** Local subscribers matched by the items (no server-to-server links: others would only bounce). */
  async #subscribersMatching(owner: Jid, items: readonly string[]): Promise<Jid[]> {
    if (items.length === 0) return [];
    const set = new Set(items);
    const subscribers = await this.roster.subscribers(owner);
    return subscribers.filter((jid) => this.ctx.hosts.includes(jid.domain) && isMatchedBy(set, jid));
  }

  async #send(presence: Element): Promise<void> {
    this.#exempt.add(presence);
    await this.ctx.router.route(presence);
  }
}
