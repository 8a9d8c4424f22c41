/**
 * Sets modules up in a deterministic order, gives each a context that records what it registers,
 * and resolves `ctx.use(other)` to the other module's API (Prosody's module:depends, typed).
 */
import type { Logger } from "pino";
import type { Migration } from "../storage/migrator.js";
import type { AdminCommand } from "./admin-command.js";
import type { ModuleContext, ServerModule } from "./module.js";

export type SharedContext = Omit<ModuleContext, "log" | "use" | "onStart" | "onStop" | "commands" | "disco">;

export interface LoadedModules {
  readonly order: readonly ServerModule<unknown>[];
  readonly migrations: readonly Migration[];
  readonly commands: ReadonlyMap<string, AdminCommand>;
  readonly hostFeatures: readonly string[];
  readonly accountFeatures: readonly string[];
  readonly startTasks: readonly (() => Promise<void> | void)[];
  readonly stopTasks: readonly (() => Promise<void> | void)[];
  api<Api>(module: ServerModule<Api>): Api;
}

export function loadModules(modules: readonly ServerModule<unknown>[], shared: SharedContext, log: Logger): LoadedModules {
  const apis = new Map<ServerModule<unknown>, unknown>();
  const loading = new Set<ServerModule<unknown>>();
  const order: ServerModule<unknown>[] = [];
  const commands = new Map<string, AdminCommand>();
  const hostFeatures: string[] = [];
  const accountFeatures: string[] = [];
  const startTasks: (() => Promise<void> | void)[] = [];
  const stopTasks: (() => Promise<void> | void)[] = [];
  // Filled in once every module is set up; the disco module reads them at query time.
  let gathered: { readonly host: readonly string[]; readonly account: readonly string[] } | undefined;
  const features = () => {
    if (gathered === undefined) throw new Error("disco features are only known once every module is set up");
    return gathered;
  };

  const setUp = <Api>(module: ServerModule<Api>): Api => {
    if (apis.has(module)) return apis.get(module) as Api;
    if (loading.has(module)) throw new Error(`module dependency cycle through ${module.name}`);
    if (order.some((m) => m.name === module.name)) throw new Error(`two modules named ${module.name}`);
    loading.add(module);
    const ctx: ModuleContext = {
      ...shared,
      log: log.child({ module: module.name }),
      use: setUp,
      onStart: (task) => startTasks.push(task),
      onStop: (task) => stopTasks.unshift(task),
      commands: {
        register(command) {
          if (commands.has(command.name)) throw new Error(`two modules declare command ${command.name}`);
          commands.set(command.name, command);
        },
      },
      disco: {
        addFeature: (f) => hostFeatures.push(f),
        addAccountFeature: (f) => accountFeatures.push(f),
        hostFeatures: () => features().host,
        accountFeatures: () => features().account,
      },
    };
    const api = module.setup(ctx);
    loading.delete(module);
    apis.set(module, api);
    order.push(module as ServerModule<unknown>);
    return api;
  };

  for (const m of modules) setUp(m);
  for (const m of order) hostFeatures.push(...(m.features ?? []));
  gathered = { host: [...new Set(hostFeatures)], account: [...new Set([...order.flatMap((m) => m.accountFeatures ?? []), ...accountFeatures])] };
  return {
    order,
    migrations: order.flatMap((m) => m.migrations ?? []),
    commands,
    hostFeatures: gathered.host,
    accountFeatures: gathered.account,
    startTasks,
    stopTasks,
    api: <Api>(module: ServerModule<Api>) => {
      if (!apis.has(module)) throw new Error(`module ${module.name} is not loaded`);
      return apis.get(module) as Api;
    },
  };
}
