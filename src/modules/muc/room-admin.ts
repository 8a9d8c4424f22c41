/**
 * `muc#admin` (XEP-0045 §8–§10, PROTOCOL §3.11): affiliation lists (owner, admin, member, outcast) and
 * role lists (moderator, participant, visitor), and their changes: kick, voice, moderator, ban,
 * membership. A set with several items is checked whole before any change is applied.
 */
import { el, type Element } from "../../xml/element.js";
import { parseJid, type Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { checkAffiliationChange, checkRoleChange, type Affiliation, type Role } from "./affiliations.js";
import { parseAdminItems, type AdminItem } from "./muc.codec.js";
import { isServerAdmin, type MucContext } from "./muc-context.js";
import type { MucIqRequest } from "./muc-extensions.js";
import type { Occupant } from "./occupants.js";
import { applyAffiliation, changeRole } from "./room-affiliation.js";
import type { Room } from "./room.js";

export interface Actor {
  readonly affiliation: Affiliation;
  readonly role: Role;
  readonly serverAdmin: boolean;
}

/** The requester's effective privileges: server admins are owners and moderators everywhere (§1.6). */
export function actorOf(ctx: MucContext, room: Room, from: Jid): Actor {
  if (isServerAdmin(ctx, from)) return { affiliation: "owner", role: "moderator", serverAdmin: true };
  const occ = room.occupants.byFullJid(from.toString());
  return { affiliation: room.affiliation(from.bareString), role: occ?.role ?? "none", serverAdmin: false };
}

function effectiveAffiliation(ctx: MucContext, room: Room, bare: Jid): Affiliation {
  return isServerAdmin(ctx, bare) ? "owner" : room.affiliation(bare.bareString);
}

export function handleAdminGet(ctx: MucContext, room: Room, query: Element, iq: MucIqRequest): Element {
  const [item] = parseAdminItems(query);
  const actor = actorOf(ctx, room, iq.from);
  if (item?.affiliation !== undefined) {
    if (actor.affiliation !== "owner" && actor.affiliation !== "admin") throw new StanzaError("forbidden", "Administrator privileges required");
    if (item.affiliation === "none") throw new StanzaError("bad-request");
    const items = room.affiliations
      .list(item.affiliation)
      .map((a) => el("item", { affiliation: a.affiliation, jid: a.jid }, a.reason === "" ? undefined : el("reason", null, a.reason)));
    return el("query", { xmlns: query.ns }, items);
  }
  if (item?.role !== undefined && item.role !== "none") {
    if (actor.role !== "moderator") throw new StanzaError("forbidden", "Moderator privileges required");
    const items: Element[] = [];
    for (const o of room.occupants) {
      if (o.role !== item.role) continue;
      items.push(el("item", { affiliation: room.affiliation(o.bare.bareString), role: o.role, nick: o.nick, jid: o.primaryJid.toString() }));
    }
    return el("query", { xmlns: query.ns }, items);
  }
  throw new StanzaError("bad-request");
}

type Change =
  | { readonly kind: "affiliation"; readonly user: Jid; readonly affiliation: Affiliation; readonly reason: string }
  | { readonly kind: "role"; readonly occupant: Occupant; readonly role: Role; readonly reason: string };

export async function handleAdminSet(ctx: MucContext, room: Room, query: Element, iq: MucIqRequest): Promise<undefined> {
  const actor = actorOf(ctx, room, iq.from);
  const changes = parseAdminItems(query).map((item) => checkItem(ctx, room, actor, item, iq.from));
  checkOwnersRemain(room, changes, actor);
  for (const change of changes) {
    if (room.destroyed) break;
    if (change.kind === "affiliation") await applyAffiliation(ctx, room, change.user, change.affiliation, change.reason);
    else if (room.occupants.byNick(change.occupant.nick) === change.occupant) await changeRole(ctx, room, change.occupant, change.role, change.reason);
  }
  return undefined;
}

function checkItem(ctx: MucContext, room: Room, actor: Actor, item: AdminItem, from: Jid): Change {
  const reason = item.reason ?? "";
  if (item.affiliation !== undefined) {
    const user = item.jid?.bare() ?? (item.nick === undefined ? undefined : room.occupants.byNick(item.nick)?.bare);
    if (user === undefined) throw new StanzaError(item.nick === undefined ? "bad-request" : "item-not-found");
    checkAffiliationChange(actor.affiliation, room.affiliation(user.bareString), item.affiliation);
    void from;
    return { kind: "affiliation", user, affiliation: item.affiliation, reason };
  }
  if (item.role !== undefined) {
    const occupant = item.nick !== undefined ? room.occupants.byNick(item.nick) : item.jid === undefined ? undefined : room.occupants.byBare(item.jid.bareString);
    if (occupant === undefined) throw new StanzaError(item.nick === undefined && item.jid === undefined ? "bad-request" : "item-not-found");
    const target = { role: occupant.role, affiliation: effectiveAffiliation(ctx, room, occupant.bare) };
    checkRoleChange(actor, target, item.role);
    return { kind: "role", occupant, role: item.role, reason };
  }
  throw new StanzaError("bad-request");
}

/** XEP-0045 §10.9: an owner may not leave the room without owners (conflict). */
function checkOwnersRemain(room: Room, changes: readonly Change[], actor: Actor): void {
  if (actor.serverAdmin) return;
  const owners = new Set(room.affiliations.list("owner").map((a) => a.jid));
  if (owners.size === 0) return;
  for (const c of changes) {
    if (c.kind !== "affiliation") continue;
    if (c.affiliation === "owner") owners.add(c.user.bareString);
    else owners.delete(c.user.bareString);
  }
  if (owners.size === 0) throw new StanzaError("conflict", "The room must keep at least one owner");
}

/** Parses the `jid` of an admin-API or invitation target as a bare JID. */
export function bareJid(value: string): Jid {
  return parseJid(value).bare();
}
