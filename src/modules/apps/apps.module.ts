/**
 * Apps and pinned rooms (PROTOCOL §1.7, §8.6; Extension, always available, empty by default): the App
 * registry, the pinned-room invariant applied to a new account before `register` returns or SASL
 * succeeds (`user.created` is awaited by the accounts module), and the background job that applies a
 * newly pinned room to an App's existing users, resumed after a restart. Memberships it creates are
 * reported by MucSub as `room.member-joined` with reason `pinned` (the `member.join` webhook, §7.9).
 */
import { defineModule } from "../../core/module.js";
import type { Jid } from "../../xmpp/jid.js";
import { accountsModule } from "../accounts/accounts.module.js";
import { mucModule } from "../muc/muc.module.js";
import { mucsubModule } from "../mucsub/mucsub.module.js";
import { isRegularUser } from "./app-users.js";
import { AppRegistry } from "./app-registry.js";
import { appsCommands } from "./apps.commands.js";
import { SqlAppStore, appsMigrations, type AppRecord } from "./apps.store.js";
import { PinJobRunner } from "./pin-job-runner.js";

export type { AppRecord } from "./apps.store.js";

export interface AppsApi {
  /** The App record, or undefined (an App with no owners and no pinned rooms, §1.7). */
  app(appId: string): AppRecord | undefined;
  /** §0.5 App owner of `appId`: its system account or a listed owner. */
  isAppOwner(appId: string, user: Jid): boolean;
  /** Resolves once the pinned-room jobs queued so far have completed. */
  idle(): Promise<void>;
}

export const appsModule = defineModule<AppsApi>({
  name: "apps",
  migrations: appsMigrations,

  setup(ctx) {
    const accounts = ctx.use(accountsModule);
    const muc = ctx.use(mucModule);
    const mucsub = ctx.use(mucsubModule);
    const store = new SqlAppStore(ctx.db);
    const exclude = new Set(ctx.config.apps.pinned_exclude);
    const apply = (room: Jid, user: Jid) => mucsub.ensurePinned(room, user);
    const runner = new PinJobRunner({
      store,
      listPage: (host, prefix, after, limit) => accounts.listPage(host, prefix, after, limit),
      isRegular: (local, appId) => isRegularUser(local, appId, exclude),
      apply,
      hosts: ctx.hosts,
      log: ctx.log,
    });
    const registry = new AppRegistry({ store, runner, exclude, apply, log: ctx.log });

    ctx.hooks.on("user.created", ({ user }) => registry.applyToNewUser(user));

    ctx.onStart(async () => {
      await registry.load();
      const jobs = await store.loadJobs();
      if (jobs.length > 0) ctx.log.info({ jobs: jobs.length }, "resuming pinned-room jobs");
      runner.resume(jobs);
    });
    ctx.onStop(() => runner.stop());

    for (const command of appsCommands(registry, muc, ctx.config)) ctx.commands.register(command);

    return {
      app: (appId) => registry.get(appId.toLowerCase()),
      isAppOwner(appId, user) {
        const id = appId.toLowerCase();
        if (ctx.hosts.includes(user.domain) && user.local === id + "_" + id) return true;
        return registry.get(id)?.owners.includes(user.bareString) ?? false;
      },
      idle: () => runner.idle(),
    };
  },
});
