/**
 * Argument conventions of the admin API (PROTOCOL §8.1, §8.4): users as `user`+`host` or a JID in
 * `user`/`jid`, the virtual host from `host`, a user's domain, or the first configured host.
 */
import { Jid, parseJid, isValidLocalpart } from "../xmpp/jid.js";
import { CommandError, missingArgument, stringArg, type CommandArgs } from "./admin-command.js";

export function resolveHost(args: CommandArgs, hosts: readonly string[]): string {
  const host = stringArg(args, "host")?.toLowerCase();
  if (host !== undefined && host !== "") return host;
  const user = stringArg(args, "user", "jid");
  if (user?.includes("@")) return user.slice(user.indexOf("@") + 1).split("/")[0]?.toLowerCase() ?? "";
  const service = stringArg(args, "service");
  if (service !== undefined && service.includes(".")) return service.slice(service.indexOf(".") + 1).toLowerCase();
  return hosts[0] ?? "";
}

/** The account a command is about; 400 when missing or not a valid local account name. */
export function resolveUser(args: CommandArgs, hosts: readonly string[], names: readonly string[] = ["user", "jid"]): Jid {
  const raw = stringArg(args, ...names);
  if (raw === undefined) throw missingArgument(names[0] ?? "user");
  let jid: Jid;
  try {
    jid = raw.includes("@") ? parseJid(raw).bare() : new Jid(raw.toLowerCase(), resolveHost(args, hosts));
  } catch {
    throw new CommandError(400, "Invalid value for that option");
  }
  if (!isValidLocalpart(jid.local)) throw new CommandError(400, "Invalid value for that option");
  if (!hosts.includes(jid.domain)) throw new CommandError(400, `Unknown host ${jid.domain}`);
  return jid;
}
