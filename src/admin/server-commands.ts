/**
 * Server-wide admin commands (PROTOCOL §8.5): status, kick_user, send_message, send_stanza. Messages
 * go through the router exactly as if the sender had sent them (§9.3).
 */
import { CommandError, requireString, stringArg, type AdminCommand } from "../core/admin-command.js";
import { resolveUser } from "../core/command-args.js";
import { el } from "../xml/element.js";
import { parseXml } from "../xml/stream-parser.js";
import { tryParseJid } from "../xmpp/jid.js";
import { StreamError } from "../xmpp/stream-error.js";
import type { AdminApiDeps } from "./admin-api.js";

const VERSION = "0.1.0";

export function serverCommands(deps: AdminApiDeps): AdminCommand[] {
  const hosts = deps.config.hosts;
  return [
    {
      name: "status",
      description: "Get the status of the node",
      args: [],
      handler: async () => `The node rtc@${hosts[0] ?? "localhost"} is started. Status: started\nrtc-server ${VERSION} is running in that node`,
    },
    {
      name: "kick_user",
      description: "Disconnect every session of a user; returns how many were closed",
      args: [
        { name: "user", type: "string" },
        { name: "host", type: "string" },
      ],
      async handler(args) {
        const user = resolveUser(args, hosts);
        const sessions = [...deps.sessions.resourcesOf(user)];
        for (const s of sessions) s.close(new StreamError("policy-violation", "Kicked by administrator"));
        return sessions.length;
      },
    },
    {
      name: "send_message",
      description: "Send a message as if `from` had sent it",
      args: [
        { name: "type", type: "string" },
        { name: "from", type: "string" },
        { name: "to", type: "string" },
        { name: "subject", type: "string" },
        { name: "body", type: "string" },
      ],
      async handler(args) {
        const type = stringArg(args, "type") ?? "normal";
        if (!["normal", "chat", "headline", "groupchat"].includes(type)) throw new CommandError(400, "Invalid value for that option");
        const from = requireJid(args, "from");
        const to = requireJid(args, "to");
        const subject = stringArg(args, "subject") ?? "";
        const message = el(
          "message",
          { type, from, to, id: `api-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}` },
          subject === "" ? undefined : el("subject", null, subject),
          el("body", null, requireString(args, "body")),
        );
        await deps.router.route(message);
        return 0;
      },
    },
    {
      name: "send_stanza",
      description: "Send a raw stanza (one message, presence or iq) as if `from` had sent it",
      args: [
        { name: "from", type: "string" },
        { name: "to", type: "string" },
        { name: "stanza", type: "string" },
      ],
      async handler(args) {
        const from = requireJid(args, "from");
        const to = requireJid(args, "to");
        let stanza;
        try {
          stanza = parseXml(requireString(args, "stanza"), deps.config.c2s.max_stanza_size);
        } catch {
          throw new CommandError(400, "Invalid stanza");
        }
        if (!["message", "presence", "iq"].includes(stanza.name)) throw new CommandError(400, "Invalid stanza");
        stanza.attrs["from"] = from;
        stanza.attrs["to"] = to;
        await deps.router.route(stanza);
        return 0;
      },
    },
  ];
}

function requireJid(args: Record<string, unknown>, name: string): string {
  const value = requireString(args, name);
  const jid = tryParseJid(value);
  if (jid === undefined) throw new CommandError(400, "Invalid value for that option");
  return jid.toString();
}
