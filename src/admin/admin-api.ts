/**
 * The ejabberd-compatible admin HTTP API (PROTOCOL §8): `POST /api/<command>` with a JSON object of
 * arguments, ejabberd's reply bodies and codes (§8.3). Commands are declared by the modules that
 * own them; this file only does HTTP, authentication and the error shapes.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Config } from "../config/load-config.js";
import { CommandError, type AdminCommand, type CommandArgs } from "../core/admin-command.js";
import type { SessionDirectory } from "../core/session-directory.js";
import type { Router } from "../router/stanza-router.js";
import type { AccountsApi } from "../modules/accounts/accounts.module.js";
import { parseJid } from "../xmpp/jid.js";
import { authorize, buildTrustList } from "./admin-auth.js";
import { serverCommands } from "./server-commands.js";

const MAX_BODY = 1024 * 1024;

export interface AdminApi {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Runs a command in-process (tests, CLI fallbacks); throws CommandError like the HTTP path. */
  run(name: string, args: CommandArgs): Promise<unknown>;
  readonly commands: ReadonlyMap<string, AdminCommand>;
}

export interface AdminApiDeps {
  readonly config: Config;
  readonly log: Logger;
  readonly commands: ReadonlyMap<string, AdminCommand>;
  readonly accounts: AccountsApi;
  readonly sessions: SessionDirectory;
  readonly router: Router;
}

export async function startAdminApi(deps: AdminApiDeps): Promise<AdminApi> {
  const { config, log } = deps;
  const commands = new Map(deps.commands);
  for (const c of serverCommands(deps)) {
    if (commands.has(c.name)) throw new Error(`two declarations of command ${c.name}`);
    commands.set(c.name, c);
  }
  const trusted = buildTrustList(config.api.trusted_networks);
  const authDeps = {
    admins: config.admins,
    defaultHost: config.hosts[0] ?? "localhost",
    trustedNetworks: config.api.trusted_networks,
    bearerTokens: config.api.bearer_tokens,
    checkPassword: (bare: string, password: string) => deps.accounts.checkPassword(parseJid(bare), password),
  };

  const run = async (name: string, args: CommandArgs): Promise<unknown> => {
    const command = commands.get(name);
    if (!command) throw new CommandError(404, { status: "error", code: 40, message: "Endpoint not found." });
    return command.handler(args);
  };

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://api.invalid");
    // `/api/<command>` with an ignored trailing version segment (`/api/register/v3`, §8.1).
    const name = url.pathname.split("/").filter((s) => s !== "")[1];
    if (req.method === "OPTIONS") return reply(res, 200, undefined);
    if (name === undefined) return reply(res, 400, "Missing command name.");
    const command = commands.get(name);
    if (!command) return reply(res, 404, { status: "error", code: 40, message: "Endpoint not found." });
    const auth = await authorize(req, authDeps, trusted);
    if (auth === "unauthorized") return reply(res, 401, { status: "error", code: 10, message: "You are not authorized to call this command." });
    if (auth === "forbidden") {
      return reply(res, 403, { status: "error", code: 32, message: "AccessRules: Account does not have the right to perform the operation." });
    }
    const args = req.method === "GET" ? Object.fromEntries(url.searchParams) : await readJsonBody(req);
    if (args instanceof CommandError) return reply(res, args.status, args.body);
    try {
      return reply(res, 200, await command.handler(args));
    } catch (error) {
      if (error instanceof CommandError) return reply(res, error.status, error.body);
      log.error({ err: error, command: name }, "admin command failed");
      return reply(res, 500, { status: "error", code: 1, message: error instanceof Error ? error.message : String(error) });
    }
  };

  return {
    commands,
    run,
    handle(req, res) {
      serve(req, res).catch((err: unknown) => {
        log.error({ err }, "admin API request failed");
        if (!res.headersSent) reply(res, 500, { status: "error", code: 1, message: "internal error" });
      });
    },
  };
}

/** Reads at most 1 MiB (PROTOCOL §8.1); a larger body is refused without being read further. */
function readJsonBody(req: IncomingMessage): Promise<CommandArgs | CommandError> {
  const tooLarge = new CommandError(413, { status: "error", code: 40, message: "Request body too large" });
  if (Number(req.headers["content-length"] ?? 0) > MAX_BODY) return Promise.resolve(tooLarge);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) return void chunks.push(chunk);
      req.off("data", onData);
      req.pause();
      resolve(tooLarge);
    };
    req.on("data", onData);
    req.on("error", () => resolve(new CommandError(400, "Missing POST data")));
    req.on("end", () => resolve(parseArgs(Buffer.concat(chunks).toString("utf8").trim())));
  });
}

function parseArgs(text: string): CommandArgs | CommandError {
  if (text === "") return new CommandError(400, "Missing POST data");
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return new CommandError(400, "Invalid JSON input");
    return parsed as CommandArgs;
  } catch {
    return new CommandError(400, "Invalid JSON input");
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = body === undefined ? "" : JSON.stringify(body);
  const headers: Record<string, string | number> = { "content-type": "application/json", "content-length": Buffer.byteLength(text) };
  // An unread request body cannot be drained safely: close the connection after this reply.
  if (status === 413) headers["connection"] = "close";
  res.writeHead(status, headers);
  res.end(text);
  if (status === 413) res.on("finish", () => res.socket?.destroy());
}
