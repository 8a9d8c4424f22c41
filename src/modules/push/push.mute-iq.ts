/**
 * The push-mute IQs (PROTOCOL §7.12, namespace `urn:xmpp:ethora:push-mute:0`) and the admin commands
 * `mute_room`, `unmute_room`, `get_user_mutes` (§8.6, argument conventions §8.4).
 */
import type { Config } from "../../config/load-config.js";
import { CommandError, missingArgument, stringArg, type AdminCommand, type CommandArgs } from "../../core/admin-command.js";
import { resolveUser } from "../../core/command-args.js";
import { elementCodec } from "../../core/codec.js";
import { handleCustomIq } from "../../core/custom-iq.js";
import type { ModuleContext } from "../../core/module.js";
import { el } from "../../xml/element.js";
import { tryParseJid, type Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import type { AccountsApi } from "../accounts/accounts.module.js";
import { resolveRoomJid, INVALID_VALUE, ROOM_MISSING_BODY } from "../muc/muc-command-args.js";
import type { MucApi } from "../muc/muc.module.js";
import { parseUntil, type MuteCache } from "./push.mutes.js";

/** The room a request names: a room JID on a served MUC service that exists. */
function roomOf(raw: string | undefined, muc: MucApi): Jid {
  const jid = tryParseJid(raw);
  if (jid === undefined || jid.local === "" || jid.resource !== "" || !muc.services.includes(jid.domain)) throw new StanzaError("bad-request");
  if (muc.room(jid) === undefined) throw new StanzaError("item-not-found");
  return jid;
}

export function registerMuteIqs(ctx: ModuleContext, muc: MucApi, mutes: MuteCache): void {
  handleCustomIq(ctx, elementCodec("mute", NS.pushMute), {
    async set(payload, iq) {
      const owner = iq.from.bareString;
      const until = parseUntil(payload.attrs["until"]);
      if (until === undefined) throw new StanzaError("bad-request");
      const room = roomOf(payload.attrs["room"], muc);
      if ((await mutes.set(owner, room.bareString, until)) === "limit") throw new StanzaError("resource-constraint", undefined, { type: "wait" });
    },
  });
  handleCustomIq(ctx, elementCodec("unmute", NS.pushMute), {
    async set(payload, iq) {
      const room = roomOf(payload.attrs["room"], muc);
      await mutes.remove(iq.from.bareString, room.bareString);
    },
  });
  handleCustomIq(ctx, elementCodec("mutes", NS.pushMute), {
    async get(_payload, iq) {
      const list = await mutes.list(iq.from.bareString);
      return el("mutes", { xmlns: NS.pushMute }, list.map((m) => el("mute", { room: m.room, until: m.until })));
    },
  });
}

export function muteCommands(config: Config, hosts: readonly string[], muc: MucApi, accounts: AccountsApi, mutes: MuteCache): AdminCommand[] {
  const USER = [
    { name: "user", type: "string", description: "localpart, or a JID" },
    { name: "host", type: "string" },
  ] as const;
  const ROOM = { name: "room", type: "string", description: "room localpart or JID (alias: name; service from `service`)" } as const;

  const owner = async (args: CommandArgs): Promise<string> => {
    const user = resolveUser(args, hosts);
    if (!(await accounts.exists(user))) throw new CommandError(404, "unknown_user");
    return user.bareString;
  };
  const room = (args: CommandArgs): string => {
    if (stringArg(args, "room", "name") === undefined) throw missingArgument("room");
    const jid = resolveRoomJid(args, config);
    if (muc.room(jid) === undefined) throw new CommandError(400, ROOM_MISSING_BODY);
    return jid.bareString;
  };

  return [
    {
      name: "mute_room",
      description: "Mute a room's offline and XEP-0357 pushes for a user (until: Unix seconds, 0 or absent = forever)",
      args: [...USER, ROOM, { name: "until", type: "integer", optional: true }],
      async handler(args) {
        const user = await owner(args);
        const until = parseUntil(stringArg(args, "until"));
        if (until === undefined) throw new CommandError(400, INVALID_VALUE);
        if ((await mutes.set(user, room(args), until)) === "limit") throw new CommandError(400, "Too many muted rooms");
        return 0;
      },
    },
    {
      name: "unmute_room",
      description: "Remove a user's push mute of a room",
      args: [...USER, ROOM],
      async handler(args) {
        const user = await owner(args);
        await mutes.remove(user, room(args));
        return 0;
      },
    },
    {
      name: "get_user_mutes",
      description: "A user's live push mutes",
      args: [...USER],
      handler: async (args) => (await mutes.list(await owner(args))).map((m) => ({ room: m.room, until: m.until })),
    },
  ];
}
