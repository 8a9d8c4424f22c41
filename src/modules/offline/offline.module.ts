/**
 * Offline storage (XEP-0160, PROTOCOL §9.4): messages for an account with no available session are
 * queued (capped), delivered with a delay stamp after the next initial presence, and messages a
 * client never acknowledged are re-routed or queued again when its session ends (§2.11).
 */
import { resolveUser } from "../../core/command-args.js";
import { Phase } from "../../core/hook-map.js";
import { defineModule } from "../../core/module.js";
import type { Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { accountsModule } from "../accounts/accounts.module.js";
import { QUEUE_FULL_TEXT, isMucSubEvent, isStorableOffline } from "./offline.policy.js";
import { OfflineQueue } from "./offline.queue.js";
import { SqlOfflineStore, offlineMigrations, type OfflineRow } from "./offline.store.js";
import { isRedelivery, offlineRowOf } from "./redelivery.js";
import { SessionEndHandler } from "./session-end.js";

export interface OfflineApi {
  /** Number of queued messages of an account. */
  count(user: Jid): Promise<number>;
  /** The queue, oldest first, without removing it (admin and tests). */
  list(user: Jid): Promise<OfflineRow[]>;
  /** True for an offline or §2.11 re-delivery: hooks that act once per message skip it (archive, pushes). */
  isRedelivery(stanza: Element): boolean;
}

export const offlineModule = defineModule<OfflineApi>({
  name: "offline",
  features: [NS.offline],
  migrations: offlineMigrations,

  setup(ctx) {
    const accounts = ctx.use(accountsModule);
    const queue = new OfflineQueue({
      store: new SqlOfflineStore(ctx.db),
      maxMessages: ctx.config.offline.max_messages,
      sessions: ctx.sessions,
      router: ctx.router,
      log: ctx.log,
    });
    const sessionEnd = new SessionEndHandler({
      sessions: ctx.sessions,
      router: ctx.router,
      queue,
      log: ctx.log,
      storeMucSub: ctx.config.mucsub.store_offline,
      userExists: (user) => accounts.exists(user),
      storedBack: (to, stanza) => ctx.hooks.run("message.stored-back", { to, stanza }),
    });

    // Observe phase: a push hook (normal phase) still runs when the queue is full and this one throws (§7.8).
    ctx.hooks.on(
      "message.undeliverable",
      async ({ to, stanza }) => {
        if (!isStorableOffline(stanza)) return;
        // Unknown and anonymous accounts (not in the account table) get nothing stored (§2.6, §9.3).
        if (!(await accounts.exists(to))) return;
        const row = offlineRowOf(stanza);
        // An offline message whose session vanished while it was being delivered goes back in its place.
        if (row !== undefined) return queue.restore(row);
        const mucSubEvent = isMucSubEvent(stanza);
        if (mucSubEvent && !ctx.config.mucsub.store_offline) return;
        if ((await queue.add(to, stanza)) === "stored") return deliverIfNowOnline(to);
        if (mucSubEvent) return;
        // §9.4: a full queue bounces a user's message; the router's boundary turns this into the error reply.
        throw new StanzaError("resource-constraint", QUEUE_FULL_TEXT);
      },
      Phase.observe,
    );

    ctx.hooks.on("message.routing", (payload) => sessionEnd.recordFanOut(payload), Phase.observe);

    /**
     * A message routed while the recipient's initial presence was still being processed is stored after that
     * session already took the queue; it would wait for the next login. Whoever stores second delivers.
     */
    async function deliverIfNowOnline(to: Jid): Promise<void> {
      for (const session of ctx.sessions.resourcesOf(to)) {
        if (session.isAvailable && !session.isAnonymous && session.priority >= 0) return void (await queue.deliverTo(session));
      }
    }

    // XEP-0160 §2 and RFC 6121 §8.5.2.1.1: a session with negative priority never takes bare-JID messages,
    // so it does not take the queue either (as in ejabberd).
    ctx.hooks.on("session.available", async ({ session }) => {
      if (session.isAnonymous || session.priority < 0) return;
      await queue.deliverTo(session);
    });

    ctx.hooks.on("session.closed", ({ session, unacked }) => sessionEnd.onSessionClosed(session, unacked));

    ctx.hooks.on("user.deleted", ({ user }) => queue.remove(user));

    ctx.commands.register({
      name: "get_offline_count",
      description: "Get the number of unread offline messages",
      args: [
        { name: "user", type: "string" },
        { name: "host", type: "string" },
      ],
      handler: async (args) => queue.count(resolveUser(args, ctx.hosts)),
    });

    return {
      count: (user) => queue.count(user),
      list: (user) => queue.list(user),
      isRedelivery,
    };
  },
});
