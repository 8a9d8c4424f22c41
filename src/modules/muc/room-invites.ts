/**
 * Mediated invitations (PROTOCOL §3.10, XEP-0045 §7.8.2) and declines (§7.8.2 "decline"): who may
 * invite, membership granted in members-only rooms, and the message the invitee's bare JID receives
 * (routed like a normal message, so it is stored offline when needed). Direct invitations (XEP-0249)
 * go user to user and never reach the room.
 */
import { randomBytes } from "node:crypto";
import { el, type Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { affiliationRank } from "./affiliations.js";
import { parseInvites } from "./muc.codec.js";
import { isServerAdmin, type MucContext } from "./muc-context.js";
import { applyAffiliation } from "./room-affiliation.js";
import type { Room } from "./room.js";

const NOT_ALLOWED = "Invitations are not allowed in this conference";

export async function handleInvitations(ctx: MucContext, room: Room, stanza: Element, x: Element, from: Jid): Promise<void> {
  const invites = parseInvites(x, "invite");
  if (invites.length > 0) return invite(ctx, room, invites, from);
  for (const decline of parseInvites(x, "decline")) {
    const message = el(
      "message",
      { xmlns: NS.client, from: room.jid.toString(), to: decline.to.toString(), id: stanza.attrs["id"] },
      el("x", { xmlns: NS.mucUser }, el("decline", { from: from.bareString }, decline.reason === undefined ? undefined : el("reason", null, decline.reason))),
    );
    await ctx.router.route(message);
  }
}

async function invite(ctx: MucContext, room: Room, invites: ReturnType<typeof parseInvites>, from: Jid): Promise<void> {
  const admin = isServerAdmin(ctx, from);
  const affiliation = room.affiliation(from.bareString);
  const privileged = admin || affiliation === "owner" || affiliation === "admin";
  const present = room.occupants.byFullJid(from.toString()) !== undefined;
  const member = affiliationRank(affiliation) >= affiliationRank("member");
  if (!privileged && (!room.config.allow_user_invites || !(present || member))) throw new StanzaError("forbidden", NOT_ALLOWED);
  const blockedBy = ctx.ext.excludedRecipients(room, from.bare());
  for (const { to, reason } of invites) {
    const invitee = to.bare();
    // §7.7 block filtering: an invitation to someone who blocked the inviter is dropped silently, membership included.
    if (blockedBy?.has(invitee.bareString) === true) continue;
    // §3.10: in a members-only room an invitation by an owner/admin makes the invitee a member.
    if (room.config.members_only && privileged && room.affiliation(invitee.bareString) === "none") {
      await applyAffiliation(ctx, room, invitee, "member", "", "invite");
    }
    await ctx.router.route(invitation(room, from, invitee, reason));
  }
}

/** §3.10 Delivery: the muc#user invite, the XEP-0249 `<x jabber:x:conference>`, and a readable body. */
function invitation(room: Room, from: Jid, to: Jid, reason: string | undefined): Element {
  const password = room.config.password_protected ? room.config.password : undefined;
  let body = `${from.bareString} invites you to the room ${room.jid.bareString}`;
  if (password !== undefined) body += ` (the password is '${password}')`;
  if (reason !== undefined && reason !== "") body += ` (${reason})`;
  return el(
    "message",
    { xmlns: NS.client, from: room.jid.toString(), to: to.toString(), id: randomBytes(4).toString("hex") },
    el(
      "x",
      { xmlns: NS.mucUser },
      el("invite", { from: from.toString() }, reason === undefined ? undefined : el("reason", null, reason)),
      password === undefined ? undefined : el("password", null, password),
    ),
    el("x", { xmlns: "jabber:x:conference", jid: room.jid.bareString, password }),
    el("body", null, body),
  );
}
