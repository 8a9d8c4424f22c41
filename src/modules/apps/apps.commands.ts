/**
 * The App commands of the admin API (PROTOCOL §8.6, Extension): create_app, set_app_pinned_rooms,
 * list_apps, delete_app, apply_app_pinned_rooms, with §8.3's reply shapes (bare JSON strings for 400s).
 */
import type { Config } from "../../config/load-config.js";
import { CommandError, requireString, stringArg, type AdminCommand, type CommandArgs } from "../../core/admin-command.js";
import { Jid, parseJid } from "../../xmpp/jid.js";
import type { MucApi } from "../muc/muc.module.js";
import { isValidAppId } from "./app-users.js";
import type { AppRegistry } from "./app-registry.js";

const INVALID_VALUE = "Invalid value for that option";

export function appsCommands(registry: AppRegistry, muc: MucApi, config: Config): AdminCommand[] {
  const APP_ID = { name: "appId", type: "string", description: "The App id (no `_` or `@`)" } as const;
  return [
    {
      name: "create_app",
      description: "Create or update an App (given fields replace stored ones)",
      args: [APP_ID, { name: "name", type: "string", optional: true }, { name: "owners", type: "json", optional: true, description: "Bare JIDs" }],
      async handler(args) {
        const appId = appIdArg(args);
        const owners = args["owners"] === undefined || args["owners"] === null ? undefined : jidList(args["owners"]).map((j) => j.bareString);
        await registry.upsert(appId, { name: stringArg(args, "name"), owners });
        return 0;
      },
    },
    {
      name: "set_app_pinned_rooms",
      description: "Replace an App's pinned rooms; newly pinned rooms are applied to its existing users in the background",
      args: [APP_ID, { name: "rooms", type: "json", description: "Room JIDs or localparts (array or comma-separated)" }],
      async handler(args) {
        const appId = appIdArg(args);
        const raw = args["rooms"];
        if (raw === undefined || raw === null) throw new CommandError(400, "Request have missing argument: rooms");
        const rooms: string[] = [];
        for (const value of stringList(raw)) {
          const jid = roomJid(value, config);
          if (muc.room(jid) === undefined) throw new CommandError(400, "Room doesn't exists");
          if (!jid.local.startsWith(appId + "_")) throw new CommandError(400, "Room does not belong to app");
          if (!rooms.includes(jid.bareString)) rooms.push(jid.bareString);
        }
        await registry.setPinned(appId, rooms);
        return 0;
      },
    },
    {
      name: "list_apps",
      description: "Every App record",
      args: [],
      handler: async () => registry.list().map((a) => ({ appId: a.appId, name: a.name, owners: [...a.owners], pinnedRooms: [...a.pinnedRooms], createdAt: a.createdAt })),
    },
    {
      name: "delete_app",
      description: "Remove an App record (affiliations and subscriptions stay)",
      args: [APP_ID],
      async handler(args) {
        await registry.delete(appIdArg(args));
        return 0;
      },
    },
    {
      name: "apply_app_pinned_rooms",
      description: "Apply every pinned room of an App to its existing users again (background job)",
      args: [APP_ID],
      async handler(args) {
        await registry.reapply(appIdArg(args));
        return 0;
      },
    },
  ];
}

function appIdArg(args: CommandArgs): string {
  const appId = requireString(args, "appId").toLowerCase();
  if (!isValidAppId(appId)) throw new CommandError(400, INVALID_VALUE);
  return appId;
}

/** §8.4: an array, or a comma-separated string. */
function stringList(value: unknown): string[] {
  if (typeof value === "string") return value.split(",").map((v) => v.trim()).filter((v) => v !== "");
  if (Array.isArray(value) && value.every((v): v is string => typeof v === "string")) return value.map((v) => v.trim()).filter((v) => v !== "");
  throw new CommandError(400, INVALID_VALUE);
}

function jidList(value: unknown): Jid[] {
  return stringList(value).map((v) => {
    try {
      const jid = parseJid(v).bare();
      if (jid.local === "") throw new Error("no localpart");
      return jid;
    } catch {
      throw new CommandError(400, INVALID_VALUE);
    }
  });
}

/** A room JID, or a localpart on the default MUC service. */
function roomJid(value: string, config: Config): Jid {
  try {
    const jid = value.includes("@") ? parseJid(value).bare() : new Jid(value.toLowerCase(), config.muc.host);
    if (jid.local === "") throw new Error("no localpart");
    return jid;
  } catch {
    throw new CommandError(400, INVALID_VALUE);
  }
}
