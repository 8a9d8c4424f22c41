/**
 * The list of feature modules, in setup order (DESIGN §2.3). A module's position only matters for
 * hook order within a phase; dependencies are resolved through ctx.use().
 */
import type { ServerModule } from "../core/module.js";
import { accountsModule } from "./accounts/accounts.module.js";
import { presenceModule } from "./presence/presence.module.js";

export const serverModules: readonly ServerModule<unknown>[] = [
  accountsModule as ServerModule<unknown>,
  presenceModule as ServerModule<unknown>,
];
