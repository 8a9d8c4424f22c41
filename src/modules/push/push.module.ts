/**
 * Push (PROTOCOL §7.8 offline push webhook, `mod_offline_post`; §7.12 per-user per-room push mute, always
 * available; §7.13 XEP-0357 push per device, `push.enabled`). Pushes go out for messages that reach a user
 * with no live session; webhook requests are queued in the durable outbox.
 */
import { defineModule } from "../../core/module.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { accountsModule } from "../accounts/accounts.module.js";
import { blockingModule } from "../blocking/blocking.module.js";
import { mamModule } from "../mam/mam.module.js";
import { mucModule } from "../muc/muc.module.js";
import { offlineModule } from "../offline/offline.module.js";
import { outboxModule } from "../outbox/outbox.module.js";
import { PushDispatcher } from "./push.dispatch.js";
import { muteCommands, registerMuteIqs } from "./push.mute-iq.js";
import { MuteCache } from "./push.mutes.js";
import { SqlPushStore, pushMigrations, type MuteRow, type Registration } from "./push.store.js";
import { registerTriggers } from "./push.triggers.js";
import { Xep0357Push } from "./push.xep0357.js";

export interface PushApi {
  /** §7.12: whether `user` muted pushes of `room` (live mutes only). */
  isMuted(user: Jid, room: Jid): Promise<boolean>;
  /** §7.12: the user's live mutes, sorted by room. */
  mutes(user: Jid): Promise<MuteRow[]>;
  /** §7.13: the user's XEP-0357 registrations, oldest first. */
  registrations(user: Jid): Promise<Registration[]>;
}

export const pushModule = defineModule<PushApi>({
  name: "push",
  // §7 preamble: server disco#info advertises every custom namespace (§0.3), push-mute included.
  features: [NS.pushMute],
  migrations: pushMigrations,

  setup(ctx) {
    const store = new SqlPushStore(ctx.db);
    const mutes = new MuteCache(store);
    const muc = ctx.use(mucModule);
    const accounts = ctx.use(accountsModule);

    registerMuteIqs(ctx, muc, mutes);
    for (const command of muteCommands(ctx.config, ctx.hosts, muc, accounts, mutes)) ctx.commands.register(command);
    muc.extend({ roomDestroyed: (room) => mutes.removeRoom(room.jid.bareString) });
    ctx.hooks.on("user.deleted", ({ user }) => mutes.deleteOwner(user.bareString));

    let xep0357: Xep0357Push | undefined;
    if (ctx.config.push.enabled) {
      xep0357 = new Xep0357Push(ctx, store);
      xep0357.setup();
      // XEP-0357 §4: the user's server advertises support on the account's bare JID.
      ctx.disco.addAccountFeature(NS.push);
    }

    // Nothing to push to: no trigger work on the routing path.
    if (ctx.config.offline_post.common_post_url !== null || xep0357 !== undefined) {
      const dispatcher = new PushDispatcher({
        config: ctx.config,
        log: ctx.log,
        accounts,
        blocking: ctx.use(blockingModule),
        outbox: ctx.use(outboxModule),
        mutes,
        xep0357,
      });
      registerTriggers(ctx, dispatcher, ctx.use(offlineModule), ctx.use(mamModule));
    }

    return {
      isMuted: (user, room) => mutes.isMuted(user.bareString, room.bareString),
      mutes: (user) => mutes.list(user.bareString),
      registrations: (user) => store.registrations(user.bareString),
    };
  },
});
