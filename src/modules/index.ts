/**
 * The list of feature modules, in setup order (DESIGN §2.3). A module's position only matters for
 * hook order within a phase; dependencies are resolved through ctx.use().
 */
import type { ServerModule } from "../core/module.js";
import { accountsModule } from "./accounts/accounts.module.js";
import { appsModule } from "./apps/apps.module.js";
import { banModule } from "./ban/ban.module.js";
import { blockingModule } from "./blocking/blocking.module.js";
import { carbonsModule } from "./carbons/carbons.module.js";
import { discoModule } from "./disco/disco.module.js";
import { getroomsModule } from "./getrooms/getrooms.module.js";
import { lastModule } from "./last/last.module.js";
import { mamModule } from "./mam/mam.module.js";
import { messageCommandsModule } from "./message-commands/message-commands.module.js";
import { mucModule } from "./muc/muc.module.js";
import { mucsubModule } from "./mucsub/mucsub.module.js";
import { offlineModule } from "./offline/offline.module.js";
import { outboxModule } from "./outbox/outbox.module.js";
import { pingModule } from "./ping/ping.module.js";
import { presenceModule } from "./presence/presence.module.js";
import { privateModule } from "./private/private.module.js";
import { profilesModule } from "./profiles/profiles.module.js";
import { pushModule } from "./push/push.module.js";
import { roomActivityModule } from "./room-activity/room-activity.module.js";
import { roomMamModule } from "./room-mam/room-mam.module.js";
import { statsModule } from "./stats/stats.module.js";
import { rosterModule } from "./roster/roster.module.js";
import { timeModule } from "./time/time.module.js";
import { userBlockModule } from "./blocking/user-block.module.js";
import { vcardModule } from "./vcard/vcard.module.js";
import { versionModule } from "./version/version.module.js";
import { webhooksModule } from "./webhooks/webhooks.module.js";

export const serverModules: readonly ServerModule<unknown>[] = [
  accountsModule as ServerModule<unknown>,
  outboxModule as ServerModule<unknown>,
  rosterModule as ServerModule<unknown>,
  presenceModule as ServerModule<unknown>,
  blockingModule as ServerModule<unknown>,
  discoModule as ServerModule<unknown>,
  pingModule as ServerModule<unknown>,
  timeModule as ServerModule<unknown>,
  versionModule as ServerModule<unknown>,
  lastModule as ServerModule<unknown>,
  vcardModule as ServerModule<unknown>,
  privateModule as ServerModule<unknown>,
  offlineModule as ServerModule<unknown>,
  carbonsModule as ServerModule<unknown>,
  mamModule as ServerModule<unknown>,
  mucModule as ServerModule<unknown>,
  mucsubModule as ServerModule<unknown>,
  pushModule as ServerModule<unknown>,
  appsModule as ServerModule<unknown>,
  banModule as ServerModule<unknown>,
  roomMamModule as ServerModule<unknown>,
  messageCommandsModule as ServerModule<unknown>,
  getroomsModule as ServerModule<unknown>,
  profilesModule as ServerModule<unknown>,
  roomActivityModule as ServerModule<unknown>,
  webhooksModule as ServerModule<unknown>,
  statsModule as ServerModule<unknown>,
  userBlockModule as ServerModule<unknown>,
];
