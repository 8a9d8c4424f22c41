/**
 * The ejabberd-compatible admin HTTP API (PROTOCOL §8): `POST /api/<command>` with a JSON object of
 * arguments, ejabberd's reply bodies and codes (§8.3). Commands are declared by the modules that
 * own them; this file only does HTTP, authentication and the error shapes.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { AuthThrottle } from "../c2s/sasl/auth-throttle.js";
import type { Config } from "../config/load-config.js";
import { CommandError, type AdminCommand, type CommandArgs } from "../core/admin-command.js";
import type { SessionDirectory } from "../core/session-directory.js";
import type { Router } from "../router/stanza-router.js";
import type { AccountsApi } from "../modules/accounts/accounts.module.js";
import { parseJid } from "../xmpp/jid.js";
import { authorize, buildTrustList, type AdminAuthDeps } from "./admin-auth.js";
import { serverCommands } from "./server-commands.js";

/** §8.1: a body larger than 1 MiB gets 413 without being read further. */
export const MAX_BODY_BYTES = 1024 * 1024;

// §8.3 bodies, byte for byte (the spelling is ejabberd's).
const NOT_FOUND = { status: "error", code: 40, message: "Endpoint not found." } as const;
const UNAUTHORIZED = { status: "error", code: 10, message: "You are not authorized to call this command." } as const;
const FORBIDDEN = { status: "error", code: 32, message: "AccessRules: Account does not have the right to perform the operation." } as const;
const TOO_LARGE = { status: "error", code: 40, message: "Request body too large" } as const;

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
  for (const c of serverCommands(deps, () => commands)) {
    if (commands.has(c.name)) throw new Error(`two declarations of command ${c.name}`);
    commands.set(c.name, c);
  }
  const trusted = buildTrustList(config.api.trusted_networks);
  const authDeps: AdminAuthDeps = {
    admins: config.admins,
    defaultHost: config.hosts[0] ?? "localhost",
    bearerTokens: config.api.bearer_tokens,
    checkPassword: (bare, password) => deps.accounts.checkPassword(parseJid(bare), password),
  };
  // Password guesses against the API are slowed down like SASL failures (PROTOCOL §2.2).
  const throttle = new AuthThrottle();

  const run = async (name: string, args: CommandArgs): Promise<unknown> => {
    const command = commands.get(name);
    if (!command) throw new CommandError(404, NOT_FOUND);
    return command.handler(args);
  };

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Only the path matters: the Host header never does (§8.1), so the base is a dummy.
    const url = new URL(req.url ?? "/", "http://api.invalid");
    const method = req.method ?? "GET";
    if (method === "OPTIONS") return reply(req, res, 200, undefined);
    const name = commandName(url.pathname);
    if (name === undefined) return reply(req, res, 400, "Missing command name.");
    const command = commands.get(name);
    if (command === undefined) return reply(req, res, 404, NOT_FOUND);
    const isQuery = method === "GET" || method === "HEAD";
    if (!isQuery && method !== "POST") return reply(req, res, 405, "Method not allowed", { allow: "GET, POST, OPTIONS" });
    if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) return reply(req, res, 413, TOO_LARGE);

    const address = req.socket.remoteAddress ?? "";
    const auth = await authorize(req, authDeps, trusted);
    if (auth === "bad-password") {
      throttle.recordFailure(address);
      await delay(throttle.delayFor(address));
      return reply(req, res, 401, UNAUTHORIZED);
    }
    if (auth === "unauthorized") return reply(req, res, 401, UNAUTHORIZED);
    if (auth === "forbidden") return reply(req, res, 403, FORBIDDEN);
    if (auth === "admin") throttle.recordSuccess(address);

    const args = isQuery ? Object.fromEntries(url.searchParams) : await readJsonBody(req);
    if (args instanceof CommandError) return reply(req, res, args.status, args.body);
    try {
      return reply(req, res, 200, await command.handler(args));
    } catch (error) {
      if (error instanceof CommandError) return reply(req, res, error.status, error.body);
      log.error({ err: error, command: name }, "admin command failed");
      return reply(req, res, 500, { status: "error", code: 1, message: error instanceof Error ? error.message : String(error) });
    }
  };

  return {
    commands,
    run,
    handle(req, res) {
      serve(req, res).catch((err: unknown) => {
        log.error({ err }, "admin API request failed");
        reply(req, res, 500, { status: "error", code: 1, message: "internal error" });
      });
    },
  };
}

/**
 * `/api/<command>`, optionally followed by one version segment (`/api/register/v3`, §8.1). Undefined
 * when there is no command; "" (unknown) when the path has anything else after the command.
 */
export function commandName(pathname: string): string | undefined {
  const segments = pathname.split("/").filter((s) => s !== "");
  const name = segments[1];
  if (name === undefined) return undefined;
  if (segments.length > 3 || (segments.length === 3 && !/^v\d+$/.test(segments[2] ?? ""))) return "";
  return name;
}

/** Reads at most 1 MiB (§8.1); a larger body is refused without being read further. */
function readJsonBody(req: IncomingMessage): Promise<CommandArgs | CommandError> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      req.off("data", onData);
      req.pause();
      resolve(new CommandError(413, TOO_LARGE));
    };
    req.on("data", onData);
    req.on("error", () => resolve(new CommandError(400, "Missing POST data")));
    req.on("end", () => resolve(parseArgs(Buffer.concat(chunks).toString("utf8").trim())));
  });
}

export function parseArgs(text: string): CommandArgs | CommandError {
  if (text === "") return new CommandError(400, "Missing POST data");
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return new CommandError(400, "Invalid JSON input");
    return parsed as CommandArgs;
  } catch {
    return new CommandError(400, "Invalid JSON input");
  }
}

function reply(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = body === undefined ? "" : (JSON.stringify(body) ?? "");
  const headers: Record<string, string | number> = { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...extra };
  // A request body still arriving (refused before it was read: 401, 403, 413…) is not read to its
  // end: the connection closes after the reply, once a short linger has let the client read it.
  const unread = !req.complete;
  if (unread) headers["connection"] = "close";
  res.writeHead(status, headers);
  res.end(text);
  if (unread) res.on("finish", () => lingerThenClose(req));
}

const LINGER_MS = 1000;
const LINGER_BYTES = 4 * MAX_BODY_BYTES;

/**
 * Closing a socket that still has unread input makes the kernel send RST, and the client may lose the
 * reply it has not read yet. So the rest of the body is discarded (never buffered) for a moment, and
 * the socket is destroyed after LINGER_MS or LINGER_BYTES, whichever comes first (nginx's lingering close).
 */
function lingerThenClose(req: IncomingMessage): void {
  if (req.complete) return;
  const socket = req.socket;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  let discarded = 0;
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_BYTES) socket.destroy();
  });
  socket.once("close", () => clearTimeout(timer));
  req.resume();
}

function delay(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
