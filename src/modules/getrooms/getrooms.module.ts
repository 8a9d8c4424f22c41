/**
 * "My rooms" (PROTOCOL §7.3 `ns:getrooms`, with RSM paging and the chat-list summary Extension) and the room
 * images (§7.4 `ns:getrooms:setprofile`). Rooms and memberships are in memory (MUC, MucSub); member-index.ts
 * finds a user's rooms without a walk over every room; the summary is one indexed statement per page
 * (room-summary.query.ts). See docs/plugins/getrooms.md.
 */
import { elementCodec } from "../../core/codec.js";
import { handleCustomIq } from "../../core/custom-iq.js";
import { defineModule } from "../../core/module.js";
import { el, type Element } from "../../xml/element.js";
import { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { blockingModule, BlockListName } from "../blocking/blocking.module.js";
import { mamModule } from "../mam/mam.module.js";
import { mucModule, type RoomView } from "../muc/muc.module.js";
import { rsmSet } from "../muc/rsm-page.js";
import { mucsubModule } from "../mucsub/mucsub.module.js";
import { SqlPrivateStore } from "../private/private.store.js";
import { parseGetRooms, parseSetProfile, roomElement, setProfileReply } from "./getrooms.codec.js";
import { getroomsMigrations, SqlMemberSinceStore } from "./getrooms.store.js";
import { trackMemberships } from "./getrooms.tracking.js";
import { countMembers, MemberIndex } from "./member-index.js";
import { readMarkersFromXml, READ_STATE_KEY, unreadAfterId } from "./read-state.js";
import { compareCodePoints, pageByJid } from "./room-order.js";
import { roomSummaries, type RoomSummary } from "./room-summary.query.js";

/** §7.3: the unread count stops at 1000. */
export const UNREAD_CAP = 1000;
const OWNER_OR_ADMIN = "Owner or admin privileges required";
const ROOM_MISSING = "Conference room does not exist";

export interface GetroomsApi {
  /** The rooms in which `user` is a room member (§0.5), sorted by bare JID in code-point order. */
  roomsOf(user: Jid): RoomView[];
}

export const getroomsModule = defineModule<GetroomsApi>({
  name: "getrooms",
  features: [NS.getrooms, NS.getroomsSetProfile],
  migrations: getroomsMigrations,

  setup(ctx) {
    const muc = ctx.use(mucModule);
    const mucsub = ctx.use(mucsubModule);
    const mam = ctx.use(mamModule);
    const blocking = ctx.use(blockingModule);
    const { max_items: maxItems, summary: summaryOn } = ctx.config.getrooms;
    const filterDelivery = ctx.config.block.filter_delivery;
    const index = new MemberIndex();
    const since = new SqlMemberSinceStore(ctx.db);
    // Read-only: the §9.5 read state lives in the private storage table (the private module has no API).
    const privateStore = new SqlPrivateStore(ctx.db);

    trackMemberships(ctx, muc, index, since);

    /** §0.5 room member rooms of the user's MUC service, sorted; stale index entries are dropped on the way. */
    function roomsOf(user: Jid): RoomView[] {
      const bare = user.bareString;
      const service = ctx.config.muc.service_hosts[user.domain];
      const keys = new Set(index.candidates(bare));
      for (const s of mucsub.subscriptionsOf(user)) keys.add(s.room);
      const out: RoomView[] = [];
      for (const key of keys) {
        const room = muc.room(bareJid(key));
        if (room === undefined || room.destroyed || !mucsub.isMember(room.jid, user)) {
          index.remove(bare, key);
          continue;
        }
        if (room.service === service) out.push(room);
      }
      return out.sort((a, b) => compareCodePoints(a.jid.bareString, b.jid.bareString));
    }

    const usersCount = (room: RoomView): number =>
      index.memberCount(room.jid.bareString, () =>
        countMembers(
          room,
          mucsub.subscribers(room.jid).map((s) => s.user),
        ),
      );

    async function summaries(user: Jid, rooms: readonly RoomView[]): Promise<Map<string, RoomSummary>> {
      if (rooms.length === 0) return new Map();
      await mam.flush(); // the statement reads the table: what was archived before the request must be there
      const [stored, started, blockedEntries] = await Promise.all([
        privateStore.get(user, [READ_STATE_KEY]),
        since.ofUser(user.bareString),
        blocking.entries(user, BlockListName.userBlock),
      ]);
      const markers = readMarkersFromXml(stored.values().next().value);
      const targets = rooms.map((room) => {
        const key = room.jid.bareString;
        const memberSince = started.get(key) ?? mucsub.subscription(room.jid, user)?.createdAt ?? room.createdAt;
        return { archive: key, unreadAfter: unreadAfterId(markers.get(key), memberSince) };
      });
      const blocked = blockedEntries.map((e) => e.jid);
      return roomSummaries(ctx.db, targets, { requester: user.bareString, hidden: filterDelivery ? blocked : [], blocked, cap: UNREAD_CAP });
    }

    async function getRooms(query: Element, requester: Jid): Promise<Element> {
      const rsm = parseGetRooms(query);
      const all = roomsOf(requester);
      const page = rsm === undefined ? undefined : pageByJid(all.map((room) => ({ key: room.jid.bareString, room })), rsm);
      const shown = page === undefined ? all.slice(0, maxItems) : page.items.map((i) => i.room);
      const summary = summaryOn ? await summaries(requester, shown) : undefined;
      return el(
        "query",
        { xmlns: NS.getrooms },
        shown.map((room) => roomElement(room, usersCount(room), summary?.get(room.jid.bareString))),
        page === undefined ? undefined : rsmSet(page, all.length),
      );
    }

    handleCustomIq(ctx, elementCodec("query", NS.getrooms), {
      get: (query, iq) => getRooms(query, iq.from.bare()),
    });

    handleCustomIq(ctx, elementCodec("query", NS.getroomsSetProfile), {
      async set(query, iq) {
        const requester = iq.from.bare();
        const request = parseSetProfile(query, ctx.config.muc.service_hosts[requester.domain]);
        const room = muc.room(request.room);
        if (room === undefined || room.destroyed) throw new StanzaError("item-not-found", ROOM_MISSING);
        const affiliation = room.affiliation(requester.bareString);
        if (affiliation !== "owner" && affiliation !== "admin" && !muc.isServerAdmin(requester)) throw new StanzaError("forbidden", OWNER_OR_ADMIN);
        const changes: { room_thumbnail?: string | null; room_background?: string | null } = {};
        if (request.thumbnail !== undefined) changes.room_thumbnail = request.thumbnail;
        if (request.background !== undefined) changes.room_background = request.background;
        // Absent attributes change nothing; a request with neither stores nothing and notifies nobody.
        if (Object.keys(changes).length > 0) await muc.changeOptions(room.jid, changes);
        return setProfileReply(room);
      },
    });

    return { roomsOf };
  },
});

function bareJid(bare: string): Jid {
  const at = bare.indexOf("@");
  return at < 0 ? new Jid("", bare) : new Jid(bare.slice(0, at), bare.slice(at + 1));
}
