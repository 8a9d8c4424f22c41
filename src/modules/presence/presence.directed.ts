/**
 * Directed presence bookkeeping (RFC 6121 §4.6): each session remembers to whom it sent available
 * presence outside its broadcast, so that those entities also learn when it goes unavailable
 * (§4.6.3, §4.5.2) — including rooms joined with a directed presence.
 */
import type { Session } from "../../core/session.js";
import type { Jid } from "../../xmpp/jid.js";

export class DirectedPresence {
  readonly #sent = new WeakMap<Session, Set<string>>();

  /** Records a directed presence of `type` (undefined = available) that `session` sent to `to`. */
  note(session: Session, to: Jid, type: string | undefined): void {
    // The account's own resources get the broadcast anyway.
    if (to.bareString === session.jid.bareString) return;
    if (type === undefined) {
      let set = this.#sent.get(session);
      if (set === undefined) this.#sent.set(session, (set = new Set()));
      set.add(to.toString());
    } else if (type === "unavailable" || type === "error") {
      // §4.6.3: once told "unavailable" (or an error), the entity needs no further notice.
      this.#sent.get(session)?.delete(to.toString());
    }
  }

  /** The recipients still owed an unavailable presence; forgets them. */
  take(session: Session): string[] {
    const set = this.#sent.get(session);
    if (set === undefined) return [];
    this.#sent.delete(session);
    return [...set];
  }

  hasRecipients(session: Session): boolean {
    return (this.#sent.get(session)?.size ?? 0) > 0;
  }
}
