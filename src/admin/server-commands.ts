/**
 * Server-wide admin commands (PROTOCOL §8.5): status, kick_user, send_message, send_stanza, and
 * list_commands (an extension the CLI reads its usage from). Messages go through the router exactly
 * as if the sender had sent them (§9.3).
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { CommandError, requireString, stringArg, type AdminCommand, type CommandArgs } from "../core/admin-command.js";
import { resolveUser } from "../core/command-args.js";
import { el, inheritNamespace, type Element } from "../xml/element.js";
import { parseXml } from "../xml/stream-parser.js";
import { tryParseJid } from "../xmpp/jid.js";
import { NS } from "../xmpp/namespaces.js";
import { StanzaError } from "../xmpp/stanza-error.js";
import { StreamError } from "../xmpp/stream-error.js";
import type { AdminApiDeps } from "./admin-api.js";

const PRODUCT = "rtc-server";
const MESSAGE_TYPES: ReadonlySet<string> = new Set(["normal", "chat", "headline", "groupchat"]);
const STANZA_NAMES: ReadonlySet<string> = new Set(["message", "presence", "iq"]);

const USER_ARGS = [
  { name: "user", type: "string", description: "Localpart, or a bare JID" },
  { name: "host", type: "string", description: "Virtual host (default: the user's domain, else the first host)" },
] as const;

export function serverCommands(deps: AdminApiDeps, all: () => ReadonlyMap<string, AdminCommand>): AdminCommand[] {
  const hosts = deps.config.hosts;
  /**
   * "As if `from` had sent it" (§8.5): refusals bounce to `from` like a client's stanza, except a
   * groupchat to a room, whose refusal is the reply: 400 with the error text ("Only occupants…").
   */
  const route = async (stanza: Element): Promise<void> => {
    const to = tryParseJid(stanza.attrs["to"]);
    if (stanza.name !== "message" || stanza.attrs["type"] !== "groupchat" || to === undefined || hosts.includes(to.domain)) {
      return deps.router.route(stanza);
    }
    try {
      await deps.router.routeOrThrow(stanza);
    } catch (error) {
      if (error instanceof StanzaError) throw new CommandError(400, error.text ?? error.condition);
      throw error;
    }
  };
  const version = packageVersion();
  let sequence = 0;
  const nextId = () => `api-${Date.now().toString(36)}-${(++sequence).toString(36)}`;
  return [
    {
      name: "status",
      description: "Get the status of the node",
      args: [],
      // §8.5: "The node <node> is started. Status: started\n<product> <version> is running in that node".
      handler: async () => `The node rtc@${hostname()} is started. Status: started\n${PRODUCT} ${version} is running in that node`,
    },
    {
      name: "kick_user",
      description: "Disconnect every session of a user; returns how many were closed",
      args: USER_ARGS,
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
        { name: "type", type: "string", description: "normal, chat, headline or groupchat" },
        { name: "from", type: "string", description: "Sender JID" },
        { name: "to", type: "string", description: "Recipient JID" },
        { name: "subject", type: "string", description: "Subject; empty for none", optional: true },
        { name: "body", type: "string", description: "Message body" },
      ],
      async handler(args) {
        const type = requireString(args, "type");
        if (!MESSAGE_TYPES.has(type)) throw new CommandError(400, "Invalid value for that option");
        const from = requireJid(args, "from");
        const to = requireJid(args, "to");
        const subject = stringArg(args, "subject") ?? "";
        const body = requireString(args, "body");
        // §8.5: an empty subject adds no <subject>.
        const message = el("message", { type, from, to, id: nextId() }, subject === "" ? undefined : el("subject", null, subject), el("body", null, body));
        inheritNamespace(message, NS.client);
        await route(message);
        return 0;
      },
    },
    {
      name: "send_stanza",
      description: "Send a raw stanza (one message, presence or iq) as if `from` had sent it",
      args: [
        { name: "from", type: "string", description: "Sender JID (overrides the stanza's)" },
        { name: "to", type: "string", description: "Recipient JID (overrides the stanza's)" },
        { name: "stanza", type: "string", description: "The stanza as an XML string" },
      ],
      async handler(args) {
        const from = requireJid(args, "from");
        const to = requireJid(args, "to");
        const stanza = parseStanza(requireString(args, "stanza"), deps.config.c2s.max_stanza_size);
        stanza.attrs["from"] = from;
        stanza.attrs["to"] = to;
        await route(stanza);
        return 0;
      },
    },
    {
      name: "list_commands",
      description: "List the admin commands with their arguments (used by the rtc CLI)",
      args: [],
      handler: async () =>
        [...all().values()]
          .map((c) => ({ name: c.name, description: c.description, args: c.args.map((a) => ({ ...a })) }))
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    },
  ];
}

/** §8.5: exactly one `<message>`, `<presence>` or `<iq>` in jabber:client; anything else is 400 `Invalid stanza`. */
function parseStanza(text: string, maxSize: number): Element {
  let stanza: Element;
  try {
    stanza = parseXml(text, maxSize);
  } catch {
    throw new CommandError(400, "Invalid stanza");
  }
  if (!STANZA_NAMES.has(stanza.name) || stanza.ns !== NS.client) throw new CommandError(400, "Invalid stanza");
  return stanza;
}

function requireJid(args: CommandArgs, name: string): string {
  const jid = tryParseJid(requireString(args, name));
  if (jid === undefined) throw new CommandError(400, "Invalid value for that option");
  return jid.toString();
}

/** The version in the nearest package.json named rtc-server (src/ and dist/ layouts alike). */
function packageVersion(): string {
  for (let url = new URL("../", import.meta.url); url.pathname !== "/"; url = new URL("../", url)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL("package.json", url), "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === PRODUCT && typeof pkg.version === "string") return pkg.version;
    } catch {
      // not here: look one directory up
    }
  }
  return "unknown";
}
