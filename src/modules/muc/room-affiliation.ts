/**
 * The effects of an affiliation or role change (PROTOCOL §3.5, §3.11; XEP-0045 §8–§10), shared by the
 * muc#admin handler, invitations and the admin API: removal (301 ban, 321 membership), role
 * recomputation with a presence update, or a notice to the occupants when the user is not in the room.
 */
import { randomBytes } from "node:crypto";
import { el } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { affiliationRank, defaultRole, type Affiliation, type Role } from "./affiliations.js";
import { isServerAdmin, type MucContext } from "./muc-context.js";
import type { AffiliationChange } from "./muc-extensions.js";
import { fanOut } from "./fan-out.js";
import type { Occupant } from "./occupants.js";
import { removeOccupant } from "./room-lifecycle.js";
import { availablePresence, broadcastPresence, emitRoomEvent, Status } from "./room-presence.js";
import type { Room } from "./room.js";

/** Whether an affiliation lets its holder into the room (§3.11 "Losing access"). */
export function mayEnter(room: Room, affiliation: Affiliation): boolean {
  if (affiliation === "outcast") return false;
  return !room.config.members_only || affiliationRank(affiliation) >= affiliationRank("member");
}

/** `cause` names what made the change when it is not a plain affiliation request (§3.10 invitations; §7.9 `reason`). */
export async function applyAffiliation(ctx: MucContext, room: Room, user: Jid, next: Affiliation, reason = "", cause?: "invite"): Promise<void> {
  const bare = user.bareString;
  const previous = room.affiliation(bare);
  room.affiliations.set(bare, next, reason);
  await ctx.rooms.saveAffiliation(room, bare, next, reason);
  const occupants = room.occupants.allByBare(bare);
  const admin = isServerAdmin(ctx, user);
  if (occupants.length > 0) {
    for (const occ of occupants) {
      if (next === "outcast" && !admin) await removeOccupant(ctx, room, occ, Status.banned, reason);
      else if (!mayEnter(room, next) && !admin) await removeOccupant(ctx, room, occ, Status.affiliationChange, reason);
      else await changeRole(ctx, room, occ, admin ? "moderator" : defaultRole(next, room.config), reason, previous !== next);
    }
  } else if (previous !== next) {
    await notifyAffiliation(ctx, room, user, next);
  }
  await announceAffiliation(ctx, { room, user: user.bare(), from: previous, to: next, reason, losesAccess: !mayEnter(room, next), cause });
}

/** Tells every extension about an affiliation change (webhooks, MucSub, my-rooms index); failures are logged. */
export async function announceAffiliation(ctx: MucContext, change: AffiliationChange): Promise<void> {
  for (const e of ctx.ext.all) {
    if (e.affiliationChanged === undefined) continue;
    try {
      await e.affiliationChanged(change);
    } catch (err) {
      ctx.log.error({ err, room: change.room.jid.bareString }, "MUC affiliationChanged extension failed");
    }
  }
}

/** §3.11: the notice every occupant gets about a user who is not in the room. */
async function notifyAffiliation(ctx: MucContext, room: Room, user: Jid, affiliation: Affiliation): Promise<void> {
  const notice = el(
    "message",
    { xmlns: NS.client, from: room.jid.toString(), id: "aff-" + randomBytes(4).toString("hex") },
    el("x", { xmlns: NS.mucUser }, el("item", { jid: user.bareString, affiliation })),
  );
  const recipients = room.occupants.recipients();
  if (recipients.length > 0) await fanOut(ctx.router, notice, recipients);
  await emitRoomEvent(ctx, room, "affiliations", notice);
}

/**
 * XEP-0045 §8.4–§8.5, §9.6–§9.7: a new role, shown to everyone; `none` is a kick (307). `changed`: the
 * affiliation changed, so the presence goes out even when the role stays.
 */
export async function changeRole(ctx: MucContext, room: Room, occ: Occupant, role: Role, reason = "", changed = false): Promise<void> {
  if (role === "none") return removeOccupant(ctx, room, occ, Status.kicked, reason);
  if (occ.role === role && !changed) return;
  occ.role = role;
  const affiliation = room.affiliation(occ.bare.bareString);
  const build = (jid: Jid | undefined, self: boolean) => availablePresence(room, occ, affiliation, jid, self ? [Status.self] : []);
  await broadcastPresence(ctx, room, occ, build, { toSelf: true });
}
