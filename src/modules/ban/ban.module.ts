/**
 * Ethora user bans (PROTOCOL §7.6, `ns:deepx:muc:user:ban`): ban, unban and list, per room or across an
 * App, and enforcement as a posting ban through the MUC `checkSender` extension point (§3.6 step 3,
 * private messages through the room §3.9, and subject changes, which pass step 3 first). Bans live in the
 * shared database so every node enforces them; each node caches them per room for BAN_CACHE_TTL_MS.
 */
import { defineModule } from "../../core/module.js";
import { handleCustomIq } from "../../core/custom-iq.js";
import type { Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { isChatStateOnly } from "../../xmpp/stanza.js";
import { appsModule } from "../apps/apps.module.js";
import { appOf } from "../apps/app-users.js";
import { mucModule, type RoomView } from "../muc/muc.module.js";
import type { BanApi } from "./ban.api.js";
import { BanCache, type RoomBans } from "./ban.cache.js";
import { BanQueryCodec } from "./ban.codec.js";
import { BanIq } from "./ban.iq.js";
import { BANNED_TEXT, appliesNow } from "./ban.policy.js";
import { SqlBanStore, banMigrations } from "./ban.store.js";

export type { BanApi } from "./ban.api.js";

/**
 * How long a node trusts its per-room view of the bans. A ban or unban made on this node takes effect
 * at once; one made on another node sharing the database takes effect here within this bound.
 */
export const BAN_CACHE_TTL_MS = 2000;
/** Stale cache entries are dropped and expired rows purged this often (§7.6: expired bans MAY be purged). */
const HOUSEKEEPING_MS = 60_000;

export const banModule = defineModule<BanApi>({
  name: "ban",
  features: [NS.userBan],
  migrations: banMigrations,

  setup(ctx) {
    const muc = ctx.use(mucModule);
    const apps = ctx.use(appsModule);
    const store = new SqlBanStore(ctx.db);
    const cache = new BanCache((room) => store.forRoom(room, appOf(room.slice(0, room.indexOf("@"))), Date.now()), BAN_CACHE_TTL_MS);
    const iq = new BanIq({ store, cache, muc, apps, mucServices: ctx.config.muc.service_hosts, now: Date.now });

    handleCustomIq(ctx, BanQueryCodec, {
      get: (query, request) => iq.handle(query, request),
      set: (query, request) => iq.handle(query, request),
    });

    /** Enforcement (§7.6 Decision: a posting ban): a chat-state-only message is dropped, anything else bounces. */
    const verdict = (bans: RoomBans, room: RoomView, user: string, stanza: Element): "continue" | "drop" => {
      if (bans.size === 0) return "continue";
      if (!appliesNow(bans.get(user), () => room.affiliation(user), Date.now())) return "continue";
      if (isChatStateOnly(stanza)) return "drop";
      throw new StanzaError("forbidden", BANNED_TEXT, { type: "cancel" });
    };
    // A store failure must not stop every room: the check fails open and says so.
    const unavailable = (err: unknown): RoomBans => {
      ctx.log.error({ err }, "ban check skipped: the ban store is unavailable");
      return new Map();
    };

    muc.extend({
      checkSender(room, from, stanza) {
        const user = from.bareString;
        const bans = cache.get(room.jid.bareString);
        if (!(bans instanceof Promise)) return verdict(bans, room, user, stanza);
        return bans.catch(unavailable).then((loaded) => verdict(loaded, room, user, stanza));
      },
      async roomDestroyed(room) {
        await store.deleteRoom(room.jid.bareString);
        cache.invalidate(room.jid.bareString);
      },
    });

    ctx.hooks.on("user.deleted", async ({ user }) => {
      await store.deleteUser(user.bareString);
      cache.invalidateAll();
    });

    let timer: NodeJS.Timeout | undefined;
    ctx.onStart(() => {
      timer = setInterval(() => {
        cache.sweep();
        store.purgeExpired(Date.now()).catch((err: unknown) => ctx.log.warn({ err }, "purging expired bans failed"));
      }, HOUSEKEEPING_MS);
      timer.unref();
    });
    ctx.onStop(() => clearInterval(timer));

    const bansIn = async (room: Jid, users: readonly Jid[]): Promise<Set<string>> => {
      const bans = await cache.get(room.bareString);
      const out = new Set<string>();
      if (bans.size === 0) return out;
      const view = muc.room(room);
      const now = Date.now();
      for (const u of users) {
        const bare = u.bareString;
        if (appliesNow(bans.get(bare), () => view?.affiliation(bare) ?? "none", now)) out.add(bare);
      }
      return out;
    };

    return {
      isBanned: async (room, user) => (await bansIn(room.bare(), [user])).size > 0,
      bannedAmong: (room, users) => bansIn(room.bare(), users),
    };
  },
});
