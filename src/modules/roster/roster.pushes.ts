/**
 * Roster pushes (RFC 6121 §2.1.6): an IQ set with one changed item, sent through the router to each
 * of the account's *interested* resources, i.e. the sessions that have requested the roster.
 */
import { randomBytes } from "node:crypto";
import type { StanzaRouter } from "../../core/module.js";
import type { Session } from "../../core/session.js";
import type { SessionDirectory } from "../../core/session-directory.js";
import { el, type Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { rosterQuery } from "./roster.codec.js";

export class RosterPushes {
  readonly #interested = new WeakSet<Session>();
  readonly #prefix = "push-" + randomBytes(4).toString("hex") + "-";
  #seq = 0;

  constructor(
    private readonly sessions: SessionDirectory,
    private readonly router: StanzaRouter,
  ) {}

  /** §2.1.3: a session that requested the roster gets every later push. */
  markInterested(session: Session): void {
    this.#interested.add(session);
  }

  isInterested(session: Session): boolean {
    return this.#interested.has(session);
  }

  /** Pushes one item to every interested resource of `owner`, each with a fresh id. */
  async push(owner: Jid, item: Element): Promise<void> {
    const bare = owner.bareString;
    for (const session of this.sessions.resourcesOf(owner)) {
      if (!this.#interested.has(session)) continue;
      // §2.1.6: a push comes from the account's bare JID (clients ignore pushes from anyone else).
      const iq = el("iq", { type: "set", id: this.#prefix + ++this.#seq, from: bare, to: session.jid.toString() }, rosterQuery([item]));
      await this.router.route(iq);
    }
  }
}
