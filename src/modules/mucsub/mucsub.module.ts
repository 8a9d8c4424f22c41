/**
 * MucSub (`urn:xmpp:mucsub:0`, PROTOCOL §5): room events delivered to subscribers' bare JIDs without
 * joining. Plugs into the MUC service through its extension points (docs/muc.md): subscribers as
 * senders and nick holders, the room message broadcast and node events, affiliation changes and
 * destruction (§5.8), the subscribe/unsubscribe/list IQs, and the admin commands of §8.5.
 */
import { Phase } from "../../core/hook-map.js";
import { defineModule } from "../../core/module.js";
import { Jid } from "../../xmpp/jid.js";
import { mamModule } from "../mam/mam.module.js";
import { mucModule, type RoomMessageEvent } from "../muc/muc.module.js";
import { MucSubCore, type PinOutcome } from "./mucsub-core.js";
import { EventDelivery } from "./mucsub-delivery.js";
import { mucsubIqHandlers } from "./mucsub-iq.js";
import { innerCopy } from "./mucsub.codec.js";
import { mucsubCommands } from "./mucsub.commands.js";
import { nodesFromText, type NodeName } from "./mucsub.nodes.js";
import { SqlMucSubStore, mucsubMigrations } from "./mucsub.store.js";
import { parseSubscribersOption } from "./subscribers-option.js";
import { SubscriptionTable, type Subscription } from "./subscription-table.js";

export type { Subscription } from "./subscription-table.js";
export type { NodeName } from "./mucsub.nodes.js";
export type { PinOutcome } from "./mucsub-core.js";

export interface MucSubApi {
  subscription(room: Jid, user: Jid): Subscription | undefined;
  /** A room's subscriptions. */
  subscribers(room: Jid): readonly Subscription[];
  /** A user's subscriptions, in every room. */
  subscriptionsOf(user: Jid): readonly Subscription[];
  /** §0.5 "room member": an affiliated member or a subscriber, and not outcast. */
  isMember(room: Jid, user: Jid): boolean;
  /** An admin subscription (§8.5: no §5.2 rows 3–6, no nick check); false when the room does not exist. */
  subscribe(room: Jid, user: Jid, nick: string, nodes: readonly NodeName[]): Promise<boolean>;
  /** False when there was no such subscription. */
  unsubscribe(room: Jid, user: Jid): Promise<boolean>;
  /** The §1.7 pinned-room invariant for one user in one room (never downgrading). */
  ensurePinned(room: Jid, user: Jid): Promise<PinOutcome>;
  /** Delivers a room message to the subscribers, e.g. an applied edit/delete command (§7.1, §7.2, §5.5). */
  deliver(event: RoomMessageEvent): Promise<void>;
  /** Resolves once queued offline deliveries and hooks are done. */
  idle(): Promise<void>;
}

export const mucsubModule = defineModule<MucSubApi>({
  name: "mucsub",
  migrations: mucsubMigrations,

  setup(ctx) {
    const muc = ctx.use(mucModule);
    const mam = ctx.use(mamModule);
    const table = new SubscriptionTable();
    const store = new SqlMucSubStore(ctx.db);
    const delivery = new EventDelivery({
      table,
      sessions: ctx.sessions,
      router: ctx.router,
      mam,
      runHook: (name, payload) => ctx.hooks.run(name, payload),
      log: ctx.log,
      storeOffline: ctx.config.mucsub.store_offline,
    });
    const core = new MucSubCore({ table, store, delivery, muc, runHook: (name, payload) => ctx.hooks.run(name, payload), log: ctx.log });

    muc.extend({
      // §3.6 step 1, §5.7: a subscriber sends under its subscription nick without joining.
      senderNick: (room, from) => table.get(room.jid.bareString, from.bareString)?.nick,
      nickHolder: (room, nick) => table.nickHolder(room.jid.bareString, nick),
      hasSubscribers: (room) => table.count(room.jid.bareString) > 0,
      messageBroadcast: (event) => delivery.messageEvent(event),
      async roomEvent({ room, node, stanza }) {
        await delivery.nodeEvent(room, node, (subscriber) => innerCopy(stanza, subscriber));
        if (node === "config") await core.configChanged(room);
      },
      affiliationChanged: (change) => core.affiliationChanged(change),
      roomDestroyed: (room) => core.roomDestroyed(room),
      async createSubscribers(room, value) {
        for (const s of parseSubscribersOption(value)) {
          if (core.nickTaken(room, s.nick, s.jid.bareString)) ctx.log.warn({ room: room.jid.bareString, user: s.jid.bareString }, "subscribers option: nick conflict, skipped");
          else await core.subscribe(room, s.jid, s.nick, s.nodes);
        }
      },
      iq: mucsubIqHandlers({ core, table, muc, sessions: ctx.sessions }),
    });

    // Guard phase: before MUC forgets the account's affiliations, so membership losses can be reported.
    ctx.hooks.on("user.deleted", ({ user }) => core.userDeleted(user), Phase.guard);

    ctx.onStart(async () => {
      let loaded = 0;
      for (const row of await store.loadAll()) {
        const room = muc.room(new Jid(row.room, row.service));
        // The room went away (a temporary room, or destroyed while this node was down): so does the subscription.
        if (room === undefined) {
          await store.delete(row.service, row.room, row.jid);
          continue;
        }
        const jid = bareJid(row.jid);
        table.put({ room: room.jid.bareString, user: jid.bareString, jid, nick: row.nick, nodes: nodesFromText(row.nodes), createdAt: row.createdAt });
        loaded++;
      }
      ctx.log.info({ subscriptions: loaded }, "MucSub subscriptions loaded");
    });
    ctx.onStop(() => delivery.idle());

    for (const command of mucsubCommands({ core, table, muc, config: ctx.config })) ctx.commands.register(command);

    return {
      subscription: (room, user) => table.get(room.bareString, user.bareString),
      subscribers: (room) => [...table.ofRoom(room.bareString)],
      subscriptionsOf: (user) => table.roomsOf(user.bareString).flatMap((r) => table.get(r, user.bareString) ?? []),
      isMember(roomJid, user) {
        const room = muc.room(roomJid);
        return room !== undefined && core.isMember(room, user.bareString);
      },
      async subscribe(roomJid, user, nick, nodes) {
        const room = muc.room(roomJid);
        if (room === undefined) return false;
        await core.subscribe(room, user, nick, nodes);
        return true;
      },
      async unsubscribe(roomJid, user) {
        const room = muc.room(roomJid);
        return room !== undefined && (await core.unsubscribe(room, user));
      },
      ensurePinned: (room, user) => core.ensurePinned(room, user),
      deliver: (event) => delivery.messageEvent(event),
      idle: () => delivery.idle(),
    };
  },
});

function bareJid(bare: string): Jid {
  const at = bare.indexOf("@");
  return at < 0 ? new Jid("", bare) : new Jid(bare.slice(0, at), bare.slice(at + 1));
}
