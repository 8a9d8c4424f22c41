/**
 * Occupant presence as rooms send it (PROTOCOL §3.4, positional: clients read children by index):
 * available = vcard `<x>`, muc#user `<x>` (item, statuses), the client's other children; unavailable =
 * muc#user `<x>` first, no vcard. `item@jid` only for the occupant itself, moderators, or in
 * non-anonymous rooms. The fan-out serialises each variant once (§3.7).
 */
import { el, type Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import type { Affiliation, Role } from "./affiliations.js";
import { fanOut } from "./fan-out.js";
import type { MucContext } from "./muc-context.js";
import type { Occupant } from "./occupants.js";
import type { Room } from "./room.js";

/** XEP-0045 §15.6 status codes used by the room. */
export const Status = {
  nonAnonymous: "100",
  self: "110",
  created: "201",
  banned: "301",
  nickChange: "303",
  kicked: "307",
  affiliationChange: "321",
  membersOnly: "322",
  shutdown: "332",
  configChange: "104",
  nowNonAnonymous: "172",
  nowSemiAnonymous: "173",
} as const;

export interface ItemInfo {
  readonly affiliation: Affiliation;
  readonly role: Role;
  readonly jid?: Jid | undefined;
  /** XEP-0045 §7.6: the new nick in a 303 presence. */
  readonly nick?: string | undefined;
  readonly reason?: string | undefined;
}

function mucUserX(item: Element, statuses: readonly string[], tail?: Element): Element {
  return el("x", { xmlns: NS.mucUser }, item, statuses.map((code) => el("status", { code })), tail);
}

function reasonChild(reason: string | undefined): Element | undefined {
  return reason === undefined || reason === "" ? undefined : el("reason", null, reason);
}

/**
 * §3.4 available presence: attribute order as in §3.3's example (affiliation, role, jid). The id is the
 * occupant's own presence id (kept on every copy) unless `id` overrides it.
 */
export function availablePresence(
  room: Room,
  occ: Occupant,
  affiliation: Affiliation,
  jid: Jid | undefined,
  statuses: readonly string[],
  id: string | undefined = occ.presence.attrs["id"],
): Element {
  const item = el("item", { affiliation, role: occ.role, jid: jid?.toString() });
  return el(
    "presence",
    { xmlns: NS.client, from: room.occupantJid(occ.nick).toString(), id },
    occ.vcard,
    mucUserX(item, statuses),
    occ.extra,
  );
}

/**
 * §3.4/§3.5 unavailable presence (item attributes jid, affiliation, role as in §3.5's example).
 * `source` is the client's own unavailable presence (leave), whose id and extra children are kept.
 */
export function unavailablePresence(
  room: Room,
  nick: string,
  info: ItemInfo,
  statuses: readonly string[],
  options: { readonly source?: Element | undefined; readonly destroy?: Element | undefined } = {},
): Element {
  const item = el("item", { jid: info.jid?.toString(), affiliation: info.affiliation, role: info.role, nick: info.nick }, reasonChild(info.reason));
  const extra: Element[] = [];
  for (const c of options.source?.children ?? []) {
    if (typeof c !== "string" && !c.ns.startsWith(NS.muc) && !(c.name === "x" && c.ns === NS.vcardUpdate)) extra.push(c);
  }
  return el(
    "presence",
    { xmlns: NS.client, type: "unavailable", from: room.occupantJid(nick).toString(), id: options.source?.attrs["id"] },
    mucUserX(item, statuses, options.destroy),
    extra,
  );
}

/** Builds one variant: `jid` is what `item@jid` shows (undefined: hidden); `self` adds 110 for the occupant's own sessions. */
export type PresenceBuilder = (jid: Jid | undefined, self: boolean) => Element;

/** Whether `viewer` sees real JIDs (§3.4: moderators, or everyone in a non-anonymous room). */
export function seesJids(room: Room, viewer: Occupant): boolean {
  return !room.config.anonymous || viewer.role === "moderator";
}

/**
 * Sends `occ`'s presence to the room: every other occupant's sessions get one of two shared variants
 * (with or without jid); the occupant's own sessions (when `toSelf`) each get the self form with their
 * own full JID. `onlySelf` limits the self copies to one session; `shownJid` is the JID others may see
 * (default: the occupant's first session; pass it when the sessions are already gone).
 */
export async function broadcastPresence(
  ctx: MucContext,
  room: Room,
  occ: Occupant,
  build: PresenceBuilder,
  options: { readonly toSelf: boolean; readonly onlySelf?: Jid | undefined; readonly shownJid?: Jid | undefined },
): Promise<void> {
  const withJid: Jid[] = [];
  const withoutJid: Jid[] = [];
  for (const o of room.occupants) {
    if (o === occ) continue;
    const target = seesJids(room, o) ? withJid : withoutJid;
    for (const s of o.sessions.values()) target.push(s.jid);
  }
  if (options.toSelf) {
    for (const s of occ.sessions.values()) {
      if (options.onlySelf === undefined || options.onlySelf.equals(s.jid)) await ctx.router.broadcast(build(s.jid, true), [s.jid]);
    }
  }
  const shownJid = options.shownJid ?? (occ.sessions.size > 0 ? occ.primaryJid : undefined);
  if (withJid.length > 0) await fanOut(ctx.router, build(shownJid, false), withJid);
  if (withoutJid.length === 0 && !hasRoomEvents(ctx)) return;
  const hidden = build(room.config.anonymous ? undefined : shownJid, false);
  if (withoutJid.length > 0) await fanOut(ctx.router, hidden, withoutJid);
  await emitRoomEvent(ctx, room, "presence", hidden);
}

export function hasRoomEvents(ctx: MucContext): boolean {
  return ctx.ext.all.some((e) => e.roomEvent !== undefined);
}

export async function emitRoomEvent(ctx: MucContext, room: Room, node: "presence" | "affiliations" | "config" | "system", stanza: Element): Promise<void> {
  for (const e of ctx.ext.all) {
    if (e.roomEvent === undefined) continue;
    try {
      await e.roomEvent({ room, node, stanza });
    } catch (err) {
      ctx.log.error({ err, room: room.jid.bareString, node }, "MUC room event extension failed");
    }
  }
}

/** The presence of every occupant but `except`, as `viewer` sees it (§3.3 step 1 of a join). */
export function occupantList(room: Room, viewer: Occupant, except: Occupant): Element[] {
  const showJid = seesJids(room, viewer);
  const out: Element[] = [];
  for (const o of room.occupants) {
    if (o === except) continue;
    out.push(availablePresence(room, o, room.affiliation(o.bare.bareString), showJid ? o.primaryJid : undefined, []));
  }
  return out;
}
