// The index of every table the server stores: each feature's table types, composed (DESIGN.md §2.2, §2.7).
import type { AccountsTables } from "../modules/accounts/accounts.store.js";
import type { AppsTables } from "../modules/apps/apps.store.js";
import type { BanTables } from "../modules/ban/ban.store.js";
import type { BlockingTables } from "../modules/blocking/blocking.store.js";
import type { GetroomsTables } from "../modules/getrooms/getrooms.store.js";
import type { MamTables } from "../modules/mam/mam.store.js";
import type { MucTables } from "../modules/muc/muc.store.js";
import type { MucSubTables } from "../modules/mucsub/mucsub.store.js";
import type { OfflineTables } from "../modules/offline/offline.store.js";
import type { OutboxTables } from "../modules/outbox/outbox.store.js";
import type { PresenceTables } from "../modules/presence/presence.store.js";
import type { PrivateTables } from "../modules/private/private.store.js";
import type { ProfilesTables } from "../modules/profiles/profiles.store.js";
import type { PushTables } from "../modules/push/push.store.js";
import type { RoomActivityTables } from "../modules/room-activity/room-activity.store.js";
import type { RosterTables } from "../modules/roster/roster.store.js";
import type { VcardTables } from "../modules/vcard/vcard.store.js";
import type { MigrationTables } from "./migrator.js";

/**
 * The Kysely schema type. To add a feature's tables, `import type { XxxTables } from "../modules/xxx/xxx.store.js"`
 * above and add one line `XxxTables,` to the list below (keep MigrationTables last so each addition is one new line).
 * Only table *types* are imported here, never feature logic.
 */
export interface Database
  extends
    // Feature tables, one per line, sorted:
    AccountsTables,
    AppsTables,
    BanTables,
    BlockingTables,
    GetroomsTables,
    MamTables,
    MucTables,
    MucSubTables,
    OfflineTables,
    OutboxTables,
    PresenceTables,
    PrivateTables,
    ProfilesTables,
    PushTables,
    RoomActivityTables,
    RosterTables,
    VcardTables,
    MigrationTables {}
