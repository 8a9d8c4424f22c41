/**
 * The account commands of the admin API (PROTOCOL §8.3, §8.5), with ejabberd's exact reply bodies,
 * plus `register_bulk` (an extension for provisioning benchmarks and imports).
 */
import { CommandError, requireString, stringArg, type AdminCommand } from "../../core/admin-command.js";
import { resolveHost, resolveUser } from "../../core/command-args.js";
import type { SessionDirectory } from "../../core/session-directory.js";
import { isValidLocalpart } from "../../xmpp/jid.js";
import type { AccountsApi } from "./accounts.module.js";

// Argument order is the documented one (PROTOCOL §8.5); the CLI maps positional arguments onto it.
const USER_ARGS = [
  { name: "user", type: "string", description: "Localpart, or a bare JID" },
  { name: "host", type: "string", description: "Virtual host (default: the user's domain, else the first host)", optional: true },
] as const;

export function accountCommands(api: AccountsApi, hosts: readonly string[], sessions: SessionDirectory): AdminCommand[] {
  return [
    {
      name: "register",
      description: "Register a user",
      args: [...USER_ARGS, { name: "password", type: "string", description: "Password" }],
      async handler(args) {
        const user = resolveUser(args, hosts);
        const password = requireString(args, "password");
        if ((await api.register(user, password)) === "exists") {
          throw new CommandError(409, { status: "error", code: 10090, message: `User ${user.bareString} already registered` });
        }
        return `User ${user.bareString} successfully registered`;
      },
    },
    {
      name: "unregister",
      description: "Unregister a user and delete all their data",
      args: USER_ARGS,
      async handler(args) {
        await api.unregister(resolveUser(args, hosts));
        return "";
      },
    },
    {
      name: "change_password",
      description: "Change the password of an account",
      args: [...USER_ARGS, { name: "newpass", type: "string", description: "New password" }],
      async handler(args) {
        const user = resolveUser(args, hosts);
        const password = requireString(args, "newpass", "password");
        if (!(await api.setPassword(user, password))) throw new CommandError(404, "unknown_user");
        return 0;
      },
    },
    {
      name: "check_account",
      description: "Check if an account exists (0 yes, 1 no)",
      args: USER_ARGS,
      async handler(args) {
        return (await api.exists(resolveUser(args, hosts))) ? 0 : 1;
      },
    },
    {
      name: "check_password",
      description: "Check if a password is correct (0 yes, 1 no)",
      args: [...USER_ARGS, { name: "password", type: "string", description: "Password to check" }],
      async handler(args) {
        return (await api.checkPassword(resolveUser(args, hosts), requireString(args, "password"))) ? 0 : 1;
      },
    },
    {
      name: "registered_users",
      description: "List the localparts of all accounts of a host, sorted",
      args: [{ name: "host", type: "string", description: "Virtual host (default: the first host)", optional: true }],
      handler: async (args) => api.list(resolveHost(args, hosts)),
    },
    {
      name: "register_bulk",
      description: "Create accounts <prefix><from>..<prefix><to> with one password (existing ones are skipped); returns the number created",
      args: [
        { name: "host", type: "string", description: "Virtual host" },
        { name: "prefix", type: "string", description: "Localpart prefix (default: user)" },
        { name: "from", type: "integer", description: "First number" },
        { name: "to", type: "integer", description: "Last number (inclusive)" },
        { name: "password", type: "string", description: "Password of every account" },
      ],
      async handler(args) {
        const host = resolveHost(args, hosts);
        if (!hosts.includes(host)) throw new CommandError(400, `Unknown host ${host}`);
        const prefix = stringArg(args, "prefix") ?? "user";
        const from = Number(requireString(args, "from"));
        const to = Number(requireString(args, "to"));
        if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < from || to - from >= 1_000_000) {
          throw new CommandError(400, "Invalid value for that option");
        }
        const password = requireString(args, "password");
        const names: string[] = [];
        for (let i = from; i <= to; i++) names.push(`${prefix}${i}`.toLowerCase());
        if (!names.every(isValidLocalpart)) throw new CommandError(400, "Invalid value for that option");
        let created = 0;
        for (let i = 0; i < names.length; i += 2000) created += await api.registerMany(host, names.slice(i, i + 2000), password);
        return created;
      },
    },
    {
      name: "connected_users_number",
      description: "Number of connected sessions",
      args: [],
      handler: async () => ({ num_sessions: sessions.count() }),
    },
  ];
}
