/**
 * Room activity (`ns:room:last`, PROTOCOL §7.5): who is in a room, with display name and photo (profile cache),
 * affiliation, §7.6 ban status and `last_active`. Activity is tracked from the room message broadcast (§3.6 step
 * 11), occupant joins and leaves, and membership starts (`room.member-joined`), coalesced in memory and flushed
 * every FLUSH_INTERVAL_MS and at stop (activity-tracker.ts).
 */
import { handleCustomIq } from "../../core/custom-iq.js";
import { elementCodec } from "../../core/codec.js";
import { defineModule, type IqRequest } from "../../core/module.js";
import type { Element } from "../../xml/element.js";
import { parseJid, type Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { banModule } from "../ban/ban.module.js";
import { mucModule, type MucApi, type RoomView } from "../muc/muc.module.js";
import { mucsubModule, type MucSubApi } from "../mucsub/mucsub.module.js";
import { profilesModule } from "../profiles/profiles.module.js";
import { ActivityTracker } from "./activity-tracker.js";
import { activityReply, ONLY_MEMBERS, parseRoomAttr, ROOM_MISSING } from "./room-activity.codec.js";
import { lastActiveSeconds, pickCandidates, type Candidate } from "./room-activity.order.js";
import { roomActivityMigrations, SqlRoomActivityStore } from "./room-activity.store.js";

/** How often coalesced activity is written (one transaction per flush, whatever the message rate). */
export const FLUSH_INTERVAL_MS = 3_000;

export interface RoomActivityApi {
  /** Writes the coalesced activity now (tests, admin tooling). */
  flush(): Promise<void>;
}

/** §7.5 Authorization: occupants, room members (§0.5) and server admins. */
function mayQuery(muc: MucApi, mucsub: MucSubApi, room: RoomView, requester: Jid): boolean {
  return room.occupants.byBare(requester.bareString) !== undefined || mucsub.isMember(room.jid, requester) || muc.isServerAdmin(requester);
}

/** §7.5 Which users: affiliated (outcasts included), subscribers and current occupants, by bare JID. */
function roomUsers(room: RoomView, mucsub: MucSubApi): Map<string, { jid: Jid; subscribedAt: number | undefined }> {
  const users = new Map<string, { jid: Jid; subscribedAt: number | undefined }>();
  for (const a of room.affiliations.list()) users.set(a.jid, { jid: parseJid(a.jid), subscribedAt: undefined });
  for (const s of mucsub.subscribers(room.jid)) users.set(s.user, { jid: s.jid, subscribedAt: s.createdAt });
  for (const o of room.occupants) if (!users.has(o.bare.bareString)) users.set(o.bare.bareString, { jid: o.bare, subscribedAt: undefined });
  return users;
}

export const roomActivityModule = defineModule<RoomActivityApi>({
  name: "room-activity",
  features: [NS.roomLast],
  migrations: roomActivityMigrations,

  setup(ctx) {
    const muc = ctx.use(mucModule);
    const mucsub = ctx.use(mucsubModule);
    const profiles = ctx.use(profilesModule);
    const bans = ctx.use(banModule);
    const maxItems = ctx.config.room_last.max_items;
    const tracker = new ActivityTracker(new SqlRoomActivityStore(ctx.db), (err) => ctx.log.error({ err }, "room activity flush failed; retried at the next one"));

    const live = (room: Jid) => {
      const r = muc.room(room);
      return r !== undefined && !r.destroyed;
    };

    muc.extend({
      // §3.6 step 11: the sender's last_active (a subject change is a groupchat message too).
      messageBroadcast({ room, from }) {
        if (from.local !== "") tracker.touch(room.jid.bareString, from.bareString, Date.now());
      },
      occupantChanged(room, user) {
        if (!room.destroyed) tracker.touch(room.jid.bareString, user.bareString, Date.now());
      },
      roomDestroyed: (room) => tracker.deleteRoom(room.jid.bareString),
    });
    // Affiliation rows carry no creation time; subscriptions do, but membership may also come from an affiliation.
    ctx.hooks.on("room.member-joined", ({ room, user }) => {
      if (live(room)) tracker.memberSince(room.bareString, user.bareString, Date.now());
    });
    ctx.hooks.on("room.member-left", ({ room, user }) => {
      if (live(room)) tracker.memberSince(room.bareString, user.bareString, 0);
    });
    ctx.hooks.on("user.deleted", ({ user }) => tracker.deleteUser(user.bareString));

    async function query(payload: Element, iq: IqRequest): Promise<Element> {
      const requester = iq.from.bare();
      const room = muc.room(parseRoomAttr(payload, ctx.config.muc.service_hosts[requester.domain]));
      if (room === undefined || room.destroyed) throw new StanzaError("item-not-found", ROOM_MISSING);
      if (!mayQuery(muc, mucsub, room, requester)) throw new StanzaError("forbidden", ONLY_MEMBERS, { type: "auth" });
      const users = roomUsers(room, mucsub);
      const activity = await tracker.forRoom(room.jid.bareString);
      const candidates: Candidate[] = [];
      for (const [bare, u] of users) {
        candidates.push({ jid: bare, affiliation: room.affiliation(bare), lastActive: lastActiveSeconds(activity.get(bare), u.subscribedAt) });
      }
      const picked = pickCandidates(candidates, maxItems);
      const jids = picked.map((c) => users.get(c.jid)!.jid);
      const [names, banned] = await Promise.all([profiles.profiles(jids), bans.bannedAmong(room.jid, jids)]);
      return activityReply(
        picked.map((c) => {
          const p = names.get(c.jid);
          return { jid: c.jid, name: p?.name ?? c.jid, affiliation: c.affiliation, banned: banned.has(c.jid), lastActive: c.lastActive, photo: p?.photo };
        }),
      );
    }
    handleCustomIq(ctx, elementCodec("query", NS.roomLast), { get: query });

    let timer: NodeJS.Timeout | undefined;
    ctx.onStart(() => {
      timer = setInterval(() => void tracker.flush(), FLUSH_INTERVAL_MS);
      timer.unref();
    });
    ctx.onStop(async () => {
      if (timer !== undefined) clearInterval(timer);
      await tracker.flush();
    });

    return { flush: () => tracker.flush() };
  },
});
