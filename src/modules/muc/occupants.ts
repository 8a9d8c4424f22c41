/**
 * Occupants of one room (XEP-0045 §5, PROTOCOL §0.5): a nick held by one bare JID with one or more
 * joined sessions. Lookups by nick and by session full JID are Map hits; the fan-out list of every
 * joined session is cached and rebuilt only when membership changes (§3.7).
 */
import type { Session } from "../../core/session.js";
import { el, type Element } from "../../xml/element.js";
import { NS } from "../../xmpp/namespaces.js";
import type { Jid } from "../../xmpp/jid.js";
import type { Role } from "./affiliations.js";

export class Occupant {
  /** Joined sessions in join order: full JID string → session. */
  readonly sessions = new Map<string, { readonly jid: Jid; readonly session: Session }>();
  /** Token bucket of the room's message rate (§3.6 step 4), lazily filled. */
  tokens = -1;
  refilledAt = 0;

  /** The occupant's last available presence as the client sent it. */
  #presence!: Element;
  /** §3.4 position 1: the client's own `vcard-temp:x:update`, or an empty one. */
  vcard!: Element;
  /** §3.4 position 3: the other children, minus the MUC-namespaced ones, in their order. */
  extra!: readonly Element[];

  constructor(
    public nick: string,
    readonly bare: Jid,
    public role: Role,
    presence: Element,
  ) {
    this.presence = presence;
  }

  get presence(): Element {
    return this.#presence;
  }

  set presence(presence: Element) {
    this.#presence = presence;
    const { vcard, extra } = splitPresence(presence);
    this.vcard = vcard;
    this.extra = extra;
  }

  /** The full JID shown to others in `item@jid` (the first joined session). */
  get primaryJid(): Jid {
    for (const s of this.sessions.values()) return s.jid;
    throw new Error("occupant without sessions");
  }
}

export class OccupantTable {
  readonly #byNick = new Map<string, Occupant>();
  readonly #byFull = new Map<string, Occupant>();
  #recipients: Jid[] | undefined;

  /** Distinct nicks (§3.12 "occupant count"). */
  get count(): number {
    return this.#byNick.size;
  }

  /** Joined sessions. */
  get sessionCount(): number {
    return this.#byFull.size;
  }

  byNick(nick: string): Occupant | undefined {
    return this.#byNick.get(nick);
  }

  byFullJid(full: string): Occupant | undefined {
    return this.#byFull.get(full);
  }

  /** The occupant of a bare JID (the first one, if it holds several nicks). */
  byBare(bare: string): Occupant | undefined {
    for (const o of this.#byNick.values()) if (o.bare.bareString === bare) return o;
    return undefined;
  }

  /** Every occupant held by this bare JID (one normally; several if it joined under several nicks). */
  allByBare(bare: string): Occupant[] {
    const out: Occupant[] = [];
    for (const o of this.#byNick.values()) if (o.bare.bareString === bare) out.push(o);
    return out;
  }

  [Symbol.iterator](): IterableIterator<Occupant> {
    return this.#byNick.values();
  }

  add(occupant: Occupant): void {
    this.#byNick.set(occupant.nick, occupant);
    for (const key of occupant.sessions.keys()) this.#byFull.set(key, occupant);
    this.#recipients = undefined;
  }

  addSession(occupant: Occupant, jid: Jid, session: Session): void {
    const key = jid.toString();
    occupant.sessions.set(key, { jid, session });
    this.#byFull.set(key, occupant);
    this.#recipients = undefined;
  }

  /** Removes one session; returns whether it was the occupant's last (the occupant is then gone). */
  removeSession(occupant: Occupant, full: string): boolean {
    occupant.sessions.delete(full);
    this.#byFull.delete(full);
    this.#recipients = undefined;
    if (occupant.sessions.size > 0) return false;
    this.#byNick.delete(occupant.nick);
    return true;
  }

  /** Removes the occupant with every session. */
  remove(occupant: Occupant): void {
    for (const key of occupant.sessions.keys()) this.#byFull.delete(key);
    this.#byNick.delete(occupant.nick);
    this.#recipients = undefined;
  }

  rename(occupant: Occupant, nick: string): void {
    this.#byNick.delete(occupant.nick);
    occupant.nick = nick;
    this.#byNick.set(nick, occupant);
  }

  /** Every joined session, for the fan-out (§3.7); cached until membership changes. */
  recipients(): readonly Jid[] {
    if (this.#recipients === undefined) {
      const list: Jid[] = [];
      for (const o of this.#byNick.values()) for (const s of o.sessions.values()) list.push(s.jid);
      this.#recipients = list;
    }
    return this.#recipients;
  }

  clear(): void {
    this.#byNick.clear();
    this.#byFull.clear();
    this.#recipients = undefined;
  }
}

const EMPTY_VCARD = el("x", { xmlns: NS.vcardUpdate });
const MUC_NS_PREFIX = "http://jabber.org/protocol/muc";

/** PROTOCOL §3.4: splits a client presence into its vcard `<x>` and the children that follow the muc#user `<x>`. */
export function splitPresence(presence: Element): { vcard: Element; extra: Element[] } {
  let vcard: Element | undefined;
  const extra: Element[] = [];
  for (const c of presence.children) {
    if (typeof c === "string") continue;
    if (c.name === "x" && c.ns === NS.vcardUpdate && vcard === undefined) vcard = c;
    else if (!c.ns.startsWith(MUC_NS_PREFIX)) extra.push(c);
  }
  return { vcard: vcard ?? EMPTY_VCARD, extra };
}
