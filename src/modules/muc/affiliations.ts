/**
 * Affiliations and roles of a room (XEP-0045 §5, PROTOCOL §3.11): the stored affiliation table, the
 * default role an affiliation gives, and the permission matrix of XEP-0045 §8–§10.
 */
import { StanzaError } from "../../xmpp/stanza-error.js";

export const AFFILIATIONS = ["owner", "admin", "member", "none", "outcast"] as const;
export type Affiliation = (typeof AFFILIATIONS)[number];
export const ROLES = ["moderator", "participant", "visitor", "none"] as const;
export type Role = (typeof ROLES)[number];

const AFFILIATION_RANK: Readonly<Record<Affiliation, number>> = { outcast: -1, none: 0, member: 1, admin: 2, owner: 3 };
const ROLE_RANK: Readonly<Record<Role, number>> = { none: 0, visitor: 1, participant: 2, moderator: 3 };

export function isAffiliation(value: string | undefined): value is Affiliation {
  return value !== undefined && (AFFILIATIONS as readonly string[]).includes(value);
}

export function isRole(value: string | undefined): value is Role {
  return value !== undefined && (ROLES as readonly string[]).includes(value);
}

export function affiliationRank(a: Affiliation): number {
  return AFFILIATION_RANK[a];
}

export function roleRank(r: Role): number {
  return ROLE_RANK[r];
}

export interface AffiliationEntry {
  readonly affiliation: Exclude<Affiliation, "none">;
  readonly reason: string;
}

/** Bare JID string → affiliation; `none` is never stored. */
export class AffiliationTable {
  readonly #entries = new Map<string, AffiliationEntry>();

  get(bare: string): Affiliation {
    return this.#entries.get(bare)?.affiliation ?? "none";
  }

  entry(bare: string): AffiliationEntry | undefined {
    return this.#entries.get(bare);
  }

  set(bare: string, affiliation: Affiliation, reason = ""): void {
    if (affiliation === "none") this.#entries.delete(bare);
    else this.#entries.set(bare, { affiliation, reason });
  }

  /** Every stored affiliation, sorted by bare JID (code points) for stable listings. */
  list(filter?: Affiliation): { jid: string; affiliation: Exclude<Affiliation, "none">; reason: string }[] {
    const out: { jid: string; affiliation: Exclude<Affiliation, "none">; reason: string }[] = [];
    for (const [jid, e] of this.#entries) if (filter === undefined || e.affiliation === filter) out.push({ jid, ...e });
    return out.sort((a, b) => (a.jid < b.jid ? -1 : a.jid > b.jid ? 1 : 0));
  }

  count(affiliation: Affiliation): number {
    let n = 0;
    for (const e of this.#entries.values()) if (e.affiliation === affiliation) n++;
    return n;
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** XEP-0045 §5.1.2: the role an occupant gets on entering, from its affiliation and the room's options. */
export function defaultRole(affiliation: Affiliation, room: { readonly moderated: boolean; readonly members_by_default: boolean }): Role {
  switch (affiliation) {
    case "owner":
    case "admin":
      return "moderator";
    case "member":
      return "participant";
    case "none":
      return room.moderated && !room.members_by_default ? "visitor" : "participant";
    case "outcast":
      return "none";
  }
}

const ADMIN_REQUIRED = "Administrator privileges required";
const OWNER_REQUIRED = "Owner privileges required";

/**
 * PROTOCOL §3.11 / XEP-0045 §9–§10: may `actor` (its effective affiliation; server admins count as
 * owners) change `target` from `current` to `next`? Throws the refusal.
 */
export function checkAffiliationChange(actor: Affiliation, current: Affiliation, next: Affiliation): void {
  if (actor === "owner") return;
  if (actor !== "admin") throw new StanzaError("forbidden", ADMIN_REQUIRED);
  const lowly = (a: Affiliation) => a === "member" || a === "none" || a === "outcast";
  if (!lowly(current) || !lowly(next)) throw new StanzaError("forbidden", OWNER_REQUIRED);
}

/**
 * XEP-0045 §8.2–§8.5, §9.6–§9.7: role changes. Moderators kick and grant or revoke voice; only admins
 * and owners touch the moderator role; nobody acts on an occupant whose affiliation is at least
 * admin unless it outranks them (not-allowed).
 */
export function checkRoleChange(
  actor: { readonly role: Role; readonly affiliation: Affiliation },
  target: { readonly role: Role; readonly affiliation: Affiliation },
  next: Role,
): void {
  if (actor.role !== "moderator") throw new StanzaError("forbidden", "Moderator privileges required");
  const actorIsAdmin = actor.affiliation === "owner" || actor.affiliation === "admin";
  if ((next === "moderator" || target.role === "moderator") && !actorIsAdmin) {
    throw new StanzaError("not-allowed", ADMIN_REQUIRED, { type: "cancel" });
  }
  if (affiliationRank(target.affiliation) >= AFFILIATION_RANK.admin && affiliationRank(target.affiliation) >= affiliationRank(actor.affiliation)) {
    throw new StanzaError("not-allowed", "You are not allowed to change the role of this occupant", { type: "cancel" });
  }
}
