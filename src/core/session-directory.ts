/**
 * Who is connected: full JID → session, bare JID → resources. Single-node for now; a cluster
 * implementation answers the same questions across nodes (DESIGN §2.4).
 */
import type { Jid } from "../xmpp/jid.js";
import type { Session } from "./session.js";

export interface SessionDirectory {
  get(full: Jid): Session | undefined;
  /** Every bound session of the account, in bind order. */
  resourcesOf(bare: Jid): readonly Session[];
  count(): number;
  countUsers(): number;
  all(): Iterable<Session>;
}

export class LocalSessionDirectory implements SessionDirectory {
  readonly #byBare = new Map<string, Session[]>();
  #count = 0;

  get(full: Jid): Session | undefined {
    const list = this.#byBare.get(full.bareString);
    if (!list) return undefined;
    for (const s of list) if (s.jid.resource === full.resource) return s;
    return undefined;
  }

  resourcesOf(bare: Jid): readonly Session[] {
    return this.#byBare.get(bare.bareString) ?? EMPTY;
  }

  count(): number {
    return this.#count;
  }

  countUsers(): number {
    return this.#byBare.size;
  }

  *all(): Iterable<Session> {
    for (const list of this.#byBare.values()) yield* list;
  }

  add(session: Session): void {
    const key = session.jid.bareString;
    const list = this.#byBare.get(key);
    if (list) list.push(session);
    else this.#byBare.set(key, [session]);
    this.#count++;
  }

  remove(session: Session): boolean {
    const key = session.jid.bareString;
    const list = this.#byBare.get(key);
    if (!list) return false;
    const i = list.indexOf(session);
    if (i < 0) return false;
    list.splice(i, 1);
    if (list.length === 0) this.#byBare.delete(key);
    this.#count--;
    return true;
  }
}

const EMPTY: readonly Session[] = Object.freeze([]);
