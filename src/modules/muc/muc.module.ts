/**
 * Multi-User Chat (XEP-0045 as PROTOCOL §3 and §4 specify it): one MucService per served host at
 * `conference.<HOST>`, rooms preloaded from the store at start, sessions leaving their rooms when they
 * end or go unavailable, the room admin commands of §8.5, and the extension points (muc-extensions.ts)
 * through which MucSub, room MAM, bans and webhooks plug in.
 */
import { Phase } from "../../core/hook-map.js";
import { defineModule } from "../../core/module.js";
import type { Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import type { Affiliation } from "./affiliations.js";
import { mamModule } from "../mam/mam.module.js";
import { mucCommands } from "./muc.commands.js";
import { SqlMucStore, mucMigrations } from "./muc.store.js";
import { Extensions, isServerAdmin, mucSettings, type MucContext } from "./muc-context.js";
import type { MucExtension } from "./muc-extensions.js";
import { MucService } from "./muc-service.js";
import { applyAffiliation } from "./room-affiliation.js";
import { mamArchiver } from "./room-archive.js";
import { destroyRoom, leaveAll } from "./room-lifecycle.js";
import type { RoomConfig } from "./room-config.js";
import { applyConfig } from "./room-owner.js";
import { relayGroupchat, resolveSender } from "./room-messages.js";
import { RoomRegistry } from "./room-registry.js";
import type { RoomView } from "./room.js";
import { tenantGuard, type GuardRefusal } from "./tenant-guard.js";

export type { OccupantView, RoomView } from "./room.js";
export type { AffiliationChange, GroupchatEvent, MucExtension, MucIqHandler, MucIqRequest, RoomMessageEvent, RoomNodeEvent } from "./muc-extensions.js";
export type { Affiliation, Role } from "./affiliations.js";
export type { GuardRefusal } from "./tenant-guard.js";
export type { RoomConfig } from "./room-config.js";

export interface MucApi {
  /** The served MUC domains (`conference.<HOST>` per host). */
  readonly services: readonly string[];
  room(jid: Jid): RoomView | undefined;
  rooms(service?: string): Iterable<RoomView>;
  isServerAdmin(user: Jid): boolean;
  /** Registers extension points; only during setup (the tables freeze at start like hooks). */
  extend(extension: MucExtension): void;
  /** §3.11 effects without permission checks (admin API, pinned rooms). False when the room does not exist. */
  setAffiliation(room: Jid, user: Jid, affiliation: Affiliation, reason?: string): Promise<boolean>;
  /** §3.14. False when the room does not exist. */
  destroyRoom(room: Jid, reason?: string): Promise<boolean>;
  /** §3.6 step 1 (also §8.5 send_message): the nick under which `from` may post, or undefined when refused. */
  senderNick(room: Jid, from: Jid): string | undefined;
  /**
   * §7.1/§7.2 step 5: relays an applied edit/delete command from `from` (as `nick`) like any non-archived room
   * message (§3.6 steps 9–11): a fresh `<stanza-id>` prepended, no `<archived>`, fan-out to the occupants, then
   * the messageBroadcast extensions (MucSub copies, offline storage) with `archived` and `archivedClass` false.
   * Resolves with the stanza-id, or undefined when the room does not exist.
   */
  broadcastCommand(room: Jid, stanza: Element, from: Jid, nick: string): Promise<number | undefined>;
  /** §3.13 effects of changed options (e.g. §7.4 room images): stored, 104 to occupants and `config` subscribers. False when the room does not exist. */
  changeOptions(room: Jid, changes: Partial<RoomConfig>): Promise<boolean>;
  /** §4 for other features (MucSub subscribe, room archive queries): the refusal text, or undefined. */
  tenantRefusal(user: Jid, request: { readonly anonymous: boolean; readonly room: string; readonly nick?: string }): GuardRefusal | undefined;
}

export const mucModule = defineModule<MucApi>({
  name: "muc",
  migrations: mucMigrations,

  setup(ctx) {
    const settings = mucSettings(ctx.config);
    const rooms = new RoomRegistry(new SqlMucStore(ctx.db), settings.defaults, ctx.log);
    const ext = new Extensions();
    // Room archives live in the MAM store (§6.2); MAM does not depend on MUC, so no cycle.
    ext.add(mamArchiver(ctx.use(mamModule)));
    const mctx: MucContext = {
      settings,
      router: ctx.router,
      sessions: ctx.sessions,
      archiveIds: ctx.archiveIds,
      log: ctx.log,
      rooms,
      ext,
      joined: new WeakMap(),
    };
    const services = [...new Set(Object.values(ctx.config.muc.service_hosts))];
    for (const domain of services) ctx.services.register(new MucService(domain, mctx));
    let started = false;

    ctx.onStart(async () => {
      started = true;
      const loaded = await rooms.load(new Set(services));
      ctx.log.info({ rooms: loaded }, "persistent rooms loaded");
    });
    // §3.5: a closing connection leaves every joined room.
    ctx.hooks.on("session.closed", ({ session }) => leaveAll(mctx, session, true));
    // RFC 6121 §4.6 / XEP-0045 §7.14: broadcast unavailable presence leaves the rooms too.
    ctx.hooks.on(
      "client.stanza-sent",
      async ({ session, stanza }) => {
        if (stanza.name === "presence" && stanza.attrs["type"] === "unavailable" && stanza.attrs["to"] === undefined) await leaveAll(mctx, session, false);
        return "continue" as const;
      },
      Phase.guard,
    );
    ctx.hooks.on("user.deleted", ({ user }) => rooms.removeUser(user.bareString));

    const api: MucApi = {
      services,
      room: (jid) => rooms.get(jid),
      rooms: (service) => rooms.all(service),
      isServerAdmin: (user) => isServerAdmin(mctx, user),
      extend(extension) {
        if (started) throw new Error("MUC extensions must be registered during setup");
        ext.add(extension);
      },
      async setAffiliation(roomJid, user, affiliation, reason = "") {
        const room = rooms.get(roomJid);
        if (room === undefined) return false;
        await applyAffiliation(mctx, room, user, affiliation, reason);
        return true;
      },
      async destroyRoom(roomJid, reason) {
        const room = rooms.get(roomJid);
        if (room === undefined) return false;
        await destroyRoom(mctx, room, { reason });
        return true;
      },
      senderNick(roomJid, from) {
        const room = rooms.get(roomJid);
        if (room === undefined) return undefined;
        try {
          return resolveSender(mctx, room, from).nick;
        } catch {
          return undefined;
        }
      },
      async changeOptions(roomJid, changes) {
        const room = rooms.get(roomJid);
        if (room === undefined) return false;
        await applyConfig(mctx, room, { ...room.config, ...changes });
        return true;
      },
      async broadcastCommand(roomJid, stanza, from, nick) {
        const room = rooms.get(roomJid);
        return room === undefined ? undefined : relayGroupchat(mctx, room, stanza, from, nick, false);
      },
      tenantRefusal: (user, request) =>
        tenantGuard({ enabled: settings.tenantGuard, user, anonymous: request.anonymous, serverAdmin: isServerAdmin(mctx, user), room: request.room, nick: request.nick }),
    };
    for (const command of mucCommands(mctx, ctx.config)) ctx.commands.register(command);
    return api;
  },
});
