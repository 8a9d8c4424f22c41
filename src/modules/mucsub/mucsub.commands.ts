/**
 * The MucSub admin commands (PROTOCOL §8.4–§8.5) with ejabberd's argument forms and reply bodies:
 * subscribe_room (both forms), subscribe_room_many, unsubscribe_room, get_subscribers, get_user_rooms,
 * get_user_subscriptions. Subscribing through the API is an admin action: §5.2 rows 3–6 are skipped.
 */
import type { Config } from "../../config/load-config.js";
import { CommandError, stringArg, type AdminCommand, type CommandArgs } from "../../core/admin-command.js";
import { resolveUser } from "../../core/command-args.js";
import { Jid, parseJid } from "../../xmpp/jid.js";
import { INVALID_VALUE, ROOM_MISSING_BODY, resolveRoomJid, roomArgs, userJid } from "../muc/muc-command-args.js";
import type { MucApi, RoomView } from "../muc/muc.module.js";
import type { MucSubCore } from "./mucsub-core.js";
import { nodeUrn, nodesFromArgument, type NodeName } from "./mucsub.nodes.js";
import type { SubscriptionTable } from "./subscription-table.js";

export interface CommandDeps {
  readonly core: MucSubCore;
  readonly table: SubscriptionTable;
  readonly muc: MucApi;
  readonly config: Config;
}

const USER_ARGS = [
  { name: "user", type: "string", description: "JID, or localpart with host" },
  { name: "host", type: "string", optional: true },
] as const;

interface Subscriber {
  readonly jid: Jid;
  readonly nick: string;
}

export function mucsubCommands(deps: CommandDeps): AdminCommand[] {
  const { config, core, table, muc } = deps;
  /** §8.5: missing room, then `allow_subscription`. */
  const subscribableRoom = (args: CommandArgs): RoomView => {
    const room = existingRoom(muc, args, config);
    if (!room.config.allow_subscription) throw new CommandError(400, "Subscriptions are not allowed");
    return room;
  };
  const subscribeAll = async (room: RoomView, subscribers: readonly Subscriber[], nodes: readonly NodeName[]) => {
    const nicks = new Map<string, string>();
    for (const s of subscribers) {
      const other = nicks.get(s.nick);
      if (core.nickTaken(room, s.nick, s.jid.bareString) || (other !== undefined && other !== s.jid.bareString)) throw new CommandError(400, "Nickname conflict");
      nicks.set(s.nick, s.jid.bareString);
    }
    for (const s of subscribers) await core.subscribe(room, s.jid, s.nick, nodes);
  };
  return [
    {
      name: "subscribe_room",
      description: "Subscribe a user to a room's MucSub nodes",
      // ejabberd's order (user, nick, room, nodes) first, so positional CLI use matches; the v3 extras last.
      args: [
        { name: "user", type: "string", description: "JID, or localpart with host" },
        { name: "nick", type: "string" },
        { name: "room", type: "string", description: "Room JID, or localpart with service" },
        { name: "nodes", type: "string", description: "Comma-separated or array; URNs or short names" },
        { name: "host", type: "string", optional: true },
        { name: "service", type: "string", optional: true },
      ],
      async handler(args) {
        const room = subscribableRoom(args);
        const nodes = nodesArg(args);
        const subscriber = { jid: userJid(args, config), nick: nickArg(args["nick"]) };
        await subscribeAll(room, [subscriber], nodes);
        return nodes.map(nodeUrn);
      },
    },
    {
      name: "subscribe_room_many",
      description: "Subscribe several users to a room's MucSub nodes",
      args: [{ name: "users", type: "json" }, { name: "room", type: "string" }, { name: "nodes", type: "string" }, { name: "service", type: "string", optional: true }],
      async handler(args) {
        const raw = args["users"];
        if (!Array.isArray(raw)) throw new CommandError(400, INVALID_VALUE);
        if (raw.length > config.api.subscribe_room_many_max_users) throw new CommandError(400, "Too many users in subscribe_room_many command");
        const room = subscribableRoom(args);
        const nodes = nodesArg(args);
        await subscribeAll(room, raw.map((u: unknown) => manyEntry(u, config)), nodes);
        return 0;
      },
    },
    {
      name: "unsubscribe_room",
      description: "Remove a user's MucSub subscription to a room",
      args: [
        { name: "user", type: "string", description: "JID, or localpart with host" },
        { name: "room", type: "string", description: "Room JID, or localpart with service" },
        { name: "host", type: "string", optional: true },
        { name: "service", type: "string", optional: true },
      ],
      async handler(args) {
        const room = existingRoom(muc, args, config);
        await core.unsubscribe(room, userJid(args, config));
        return 0;
      },
    },
    {
      name: "get_subscribers",
      description: "The bare JIDs subscribed to a room",
      args: roomArgs,
      handler: async (args) => [...table.ofRoom(existingRoom(muc, args, config).jid.bareString)].map((s) => s.user).sort(compare),
    },
    {
      name: "get_user_rooms",
      description: "Rooms where the user currently has a joined session",
      args: USER_ARGS,
      async handler(args) {
        const user = resolveUser(args, config.hosts).bareString;
        const rooms: string[] = [];
        for (const room of muc.rooms()) if (room.occupants.byBare(user) !== undefined) rooms.push(room.jid.bareString);
        return rooms.sort(compare);
      },
    },
    {
      name: "get_user_subscriptions",
      description: "A user's MucSub subscriptions",
      args: USER_ARGS,
      async handler(args) {
        const user = resolveUser(args, config.hosts).bareString;
        return [...table.roomsOf(user)].sort(compare).flatMap((room) => {
          const s = table.get(room, user);
          return s === undefined ? [] : [{ roomjid: room, usernick: s.nick, nodes: s.nodes.map(nodeUrn) }];
        });
      },
    },
  ];
}

function existingRoom(muc: MucApi, args: CommandArgs, config: Config): RoomView {
  const room = muc.room(resolveRoomJid(args, config));
  if (room === undefined) throw new CommandError(400, ROOM_MISSING_BODY);
  return room;
}

function nodesArg(args: CommandArgs): NodeName[] {
  const nodes = nodesFromArgument(args["nodes"]);
  if (nodes === undefined) throw new CommandError(400, INVALID_VALUE);
  return nodes;
}

function nickArg(value: unknown): string {
  if (value === undefined || value === null) throw new CommandError(400, "Request have missing argument: nick");
  const nick = typeof value === "string" ? value : String(value);
  if (nick === "") throw new CommandError(400, "Nickname must be set");
  return nick;
}

/** `{"jid","nick"}` or `{"user","host","nick"}` (§8.5 subscribe_room_many). */
function manyEntry(entry: unknown, config: Config): Subscriber {
  if (typeof entry !== "object" || entry === null) throw new CommandError(400, INVALID_VALUE);
  const e = entry as Record<string, unknown>;
  const nick = nickArg(e["nick"]);
  const jid = stringArg(e, "jid");
  if (jid !== undefined) {
    try {
      return { jid: parseJid(jid).bare(), nick };
    } catch {
      throw new CommandError(400, INVALID_VALUE);
    }
  }
  return { jid: userJid(e, config), nick };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
