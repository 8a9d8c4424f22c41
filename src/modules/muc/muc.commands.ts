/**
 * The room commands of the admin API (PROTOCOL §8.4–§8.5) with ejabberd's argument names and reply
 * bodies: create_room_with_opts, destroy_room, get_room_options, change_room_option,
 * set_room_affiliation, get_room_affiliations, get_room_occupants, get_room_occupants_number,
 * muc_online_rooms.
 */
import type { Config } from "../../config/load-config.js";
import { CommandError, requireString, stringArg, type AdminCommand, type CommandArgs } from "../../core/admin-command.js";
import { isAffiliation } from "./affiliations.js";
import { roomArgs, resolveRoomJid, userJid, parseOptions, ROOM_MISSING_BODY, INVALID_VALUE } from "./muc-command-args.js";
import type { MucContext } from "./muc-context.js";
import { applyAffiliation, mayEnter } from "./room-affiliation.js";
import { optionsAsStrings } from "./room-config.js";
import { destroyRoom } from "./room-lifecycle.js";
import { applyConfig } from "./room-owner.js";
import type { Room } from "./room.js";

export function mucCommands(ctx: MucContext, config: Config): AdminCommand[] {
  const existing = (args: CommandArgs): Room => {
    const room = ctx.rooms.get(resolveRoomJid(args, config));
    if (room === undefined) throw new CommandError(400, ROOM_MISSING_BODY);
    return room;
  };
  return [
    {
      name: "create_room_with_opts",
      description: "Create a room with options",
      args: [...roomArgs, { name: "host", type: "string", optional: true }, { name: "options", type: "json", optional: true }],
      async handler(args) {
        const jid = resolveRoomJid(args, config, true);
        if (ctx.rooms.get(jid) !== undefined) throw new CommandError(400, "Room already exists");
        const room = ctx.rooms.build(jid);
        const parsed = parseOptions(args["options"], room.config);
        room.setConfig(parsed.config);
        for (const a of parsed.affiliations) room.affiliations.set(a.jid.bareString, a.affiliation);
        await ctx.rooms.add(room);
        for (const a of parsed.affiliations) {
          const losesAccess = !mayEnter(room, a.affiliation);
          for (const e of ctx.ext.all) await e.affiliationChanged?.({ room, user: a.jid, from: "none", to: a.affiliation, reason: "", losesAccess });
        }
        if (parsed.subscribers !== undefined) for (const e of ctx.ext.all) await e.createSubscribers?.(room, parsed.subscribers);
        return 0;
      },
    },
    {
      name: "destroy_room",
      description: "Destroy a room",
      args: roomArgs,
      async handler(args) {
        await destroyRoom(ctx, existing(args), {});
        return 0;
      },
    },
    {
      name: "get_room_options",
      description: "Get the options of a room ({} when it does not exist)",
      args: roomArgs,
      async handler(args) {
        const room = ctx.rooms.get(resolveRoomJid(args, config));
        return room === undefined ? {} : optionsAsStrings(room.config);
      },
    },
    {
      name: "change_room_option",
      description: "Change one option of a room",
      args: [...roomArgs, { name: "option", type: "string" }, { name: "value", type: "string" }],
      async handler(args) {
        const room = existing(args);
        const option = requireString(args, "option");
        const value = args["value"] ?? missing("value");
        const parsed = parseOptions([{ name: option, value }], room.config);
        if (parsed.affiliations.length > 0 || parsed.subscribers !== undefined) throw new CommandError(400, INVALID_VALUE);
        if (parsed.changed) await applyConfig(ctx, room, parsed.config);
        return 0;
      },
    },
    {
      name: "set_room_affiliation",
      description: "Change an affiliation in a room (owner, admin, member, outcast, none)",
      args: [...roomArgs, { name: "affiliation", type: "string" }, { name: "jid", type: "string", optional: true }, { name: "user", type: "string", optional: true }],
      async handler(args) {
        const room = existing(args);
        const affiliation = requireString(args, "affiliation").toLowerCase();
        if (!isAffiliation(affiliation)) throw new CommandError(400, INVALID_VALUE);
        await applyAffiliation(ctx, room, userJid(args, config), affiliation, stringArg(args, "reason") ?? "");
        return 0;
      },
    },
    {
      name: "get_room_affiliations",
      description: "Every affiliation of a room other than none",
      args: roomArgs,
      async handler(args) {
        return existing(args)
          .affiliations.list()
          .map((a) => {
            const at = a.jid.indexOf("@");
            return { username: at < 0 ? "" : a.jid.slice(0, at), domain: a.jid.slice(at + 1), jid: a.jid, affiliation: a.affiliation, reason: a.reason };
          });
      },
    },
    {
      name: "get_room_occupants",
      description: "One entry per joined session",
      args: roomArgs,
      async handler(args) {
        const out: { jid: string; nick: string; role: string }[] = [];
        for (const o of existing(args).occupants) for (const s of o.sessions.values()) out.push({ jid: s.jid.toString(), nick: o.nick, role: o.role });
        return out;
      },
    },
    {
      name: "get_room_occupants_number",
      description: "Number of distinct occupant nicks",
      args: roomArgs,
      handler: async (args) => existing(args).occupants.count,
    },
    {
      name: "muc_online_rooms",
      description: "Every existing room of a MUC service (\"global\": all services)",
      args: [{ name: "service", type: "string", optional: true }],
      async handler(args) {
        const service = stringArg(args, "service") ?? serviceOfHost(config, stringArg(args, "host"));
        const list = [...ctx.rooms.all(service === "global" ? undefined : service)].map((r) => r.jid.bareString);
        return list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      },
    },
  ];
}

function missing(name: string): never {
  throw new CommandError(400, `Request have missing argument: ${name}`);
}

function serviceOfHost(config: Config, host: string | undefined): string {
  return (host === undefined ? undefined : config.muc.service_hosts[host.toLowerCase()]) ?? config.muc.host;
}
