#!/usr/bin/env node
// rtc: runs admin commands against a running rtc-server over its HTTP admin API (PROTOCOL §8).
// Plain Node ESM, no build step, so `npx rtc` works from a checkout. The command list and each
// command's argument order come from the server (`list_commands`), so the CLI never drifts from it.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const GLOBAL_OPTIONS = new Set(["url", "user", "password", "token", "config"]);
// No admin command has arguments with these names, so they may also follow the command. `--user` and
// `--password` after the command are the command's own (register, check_password…).
const ANYWHERE_OPTIONS = new Set(["url", "token", "config"]);
const TIMEOUT_MS = 30_000;

const USAGE = `Usage: rtc [options] <command> [arguments...]

Runs an admin command against a running rtc-server (its HTTP admin API, /api/<command>).

  rtc register alice localhost secret       positional arguments, in the command's documented order
  rtc register --user alice --password pw   named arguments (--name value or --name=value)
  rtc --help                                every command with its arguments (asks the server)
  rtc help <command>                        one command in detail

Options (before the command; --url, --token and --config may also follow it):
  --url URL          admin API base URL (default: RTC_API_URL, else http://127.0.0.1:$RTC_HTTP_PORT,
                     else the http listener of --config / RTC_CONFIG, else http://127.0.0.1:5280)
  --user JID         Basic auth as a server admin (env RTC_API_USER); "admin" means admin@<default host>
  --password PW      its password (env RTC_API_PASSWORD)
  --token TOKEN      Bearer token from api.bearer_tokens (env RTC_API_TOKEN)
  --config FILE      the server's YAML config, to find its HTTP port

Command arguments (after the command): positional values, --name value, --name=value, and
  --json '{...}'     arguments as one JSON object (named arguments and positionals take precedence)

Without credentials the request is trusted only from api.trusted_networks (loopback by default).
Output: the reply body (a string as plain text, anything else as indented JSON). Exit code 0 on HTTP 200, 1 otherwise.
`;

/** A mistake on the command line: the message and the usage. */
class UsageError extends Error {}
/** The server did not answer: the message and the static usage (the command list needs the server). */
class UnreachableError extends Error {}

main(process.argv.slice(2)).then(exit, (error) => {
  const message = error instanceof Error ? error.message : String(error);
  const withUsage = error instanceof UsageError || error instanceof UnreachableError;
  process.stderr.write(`rtc: ${message}\n${withUsage ? `\n${USAGE}` : ""}`);
  exit(1);
});

/** Exits once stdout and stderr are flushed (pipes are asynchronous on some platforms). */
function exit(code) {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write("", done);
  process.stderr.write("", done);
}

async function main(argv) {
  const { options, command, rest } = parseGlobal(argv);
  const api = apiClient(options, await baseUrl(options));
  if (command === undefined && !options.help) throw new UsageError("no command given (rtc --help lists them)");
  if (command === undefined || command === "help" || options.help) {
    return printHelp(api, command === "help" ? rest[0] : command);
  }
  const words = splitCommandArgs(rest);
  if (words.help) return printHelp(api, command);
  // The command list is only needed to place positional arguments; named ones go as they are.
  const commands = words.positional.length > 0 ? await api.listCommands() : undefined;
  const spec = commands?.find((c) => c.name === command);
  if (words.positional.length > 0) {
    if (commands === undefined) throw new UsageError("this server has no list_commands: give arguments as --name value");
    if (spec === undefined) throw new UsageError(`unknown command ${command} (rtc --help lists them)`);
  }
  const reply = await api.call(command, commandArgs(words, spec));
  const out = formatBody(reply.body, reply.text);
  if (reply.status === 200) {
    process.stdout.write(out + "\n");
    return 0;
  }
  process.stderr.write(`rtc: ${command} failed (HTTP ${reply.status}): ${out}\n`);
  return 1;
}

/** Options before the command name are the CLI's own; everything after belongs to the command. */
function parseGlobal(argv) {
  const options = { help: false };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      options.help = true;
      continue;
    }
    if (!arg.startsWith("--")) break;
    const [name, inline] = splitOption(arg);
    if (!GLOBAL_OPTIONS.has(name)) throw new UsageError(`unknown option --${name}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    options[name] = value;
  }
  const rest = [];
  for (let j = i + 1; j < argv.length; j++) {
    const [name, inline] = splitOption(argv[j]);
    if (argv[j] === "--") {
      rest.push(...argv.slice(j));
      break;
    }
    if (!argv[j].startsWith("--") || !ANYWHERE_OPTIONS.has(name)) {
      rest.push(argv[j]);
      continue;
    }
    const value = inline ?? argv[++j];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    options[name] = value;
  }
  return { options, command: argv[i], rest };
}

/** Splits the words after the command into `--name value` pairs, `--json` objects and positionals. */
function splitCommandArgs(rest) {
  const named = {};
  let json = {};
  const positional = [];
  let help = false;
  let optionsEnded = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (!optionsEnded && arg === "-h") {
      help = true;
      continue;
    }
    if (optionsEnded || !arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    if (arg === "--") {
      optionsEnded = true; // what follows is positional even if it starts with "--" (a password…)
      continue;
    }
    if (arg === "--help") {
      help = true;
      continue;
    }
    const [name, inline] = splitOption(arg);
    const value = inline ?? rest[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (name === "json") json = { ...json, ...parseJsonArg(value) };
    else named[name] = value;
  }
  return { named, json, positional, help };
}

/**
 * Positional arguments fill the command's documented arguments in order; `--name value` sets one by
 * name (also names the server accepts but does not list, e.g. `--jid`); both win over `--json`.
 */
function commandArgs({ named, json, positional }, spec) {
  const specArgs = spec?.args ?? [];
  if (positional.length > specArgs.length) {
    throw new UsageError(`${spec.name} takes at most ${specArgs.length} arguments: ${specArgs.map((a) => a.name).join(", ") || "none"}`);
  }
  const args = { ...json };
  for (const [name, value] of Object.entries(named)) args[name] = convert(value, specArgs.find((a) => a.name === name));
  positional.forEach((value, n) => {
    const a = specArgs[n];
    if (named[a.name] === undefined) args[a.name] = convert(value, a);
  });
  return args;
}

function splitOption(arg) {
  const eq = arg.indexOf("=");
  return eq < 0 ? [arg.slice(2), undefined] : [arg.slice(2, eq), arg.slice(eq + 1)];
}

/** §8.4: strings are always accepted; integers and JSON arguments are sent as their JSON values. */
function convert(value, argSpec) {
  if (argSpec?.type === "integer" && /^-?\d+$/.test(value)) return Number(value);
  if (argSpec?.type === "json") {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

function parseJsonArg(value) {
  let parsed;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new UsageError("--json needs a JSON object");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new UsageError("--json needs a JSON object");
  return parsed;
}

function formatBody(body, text) {
  if (body === undefined) return text;
  return typeof body === "string" ? body : JSON.stringify(body, null, 2);
}

async function printHelp(api, command) {
  const commands = await api.listCommands();
  if (commands === undefined) {
    process.stdout.write(`${USAGE}\nThis server has no list_commands; call commands with --name value arguments.\n`);
    return 0;
  }
  if (command !== undefined) {
    const spec = commands.find((c) => c.name === command);
    if (spec === undefined) throw new UsageError(`unknown command ${command}`);
    const lines = [`rtc ${signature(spec)}`, "", `  ${spec.description}`, ""];
    for (const a of spec.args) lines.push(`  --${a.name.padEnd(14)} ${a.type}${a.optional ? ", optional" : ""}${a.description ? `: ${a.description}` : ""}`);
    process.stdout.write(lines.join("\n") + "\n");
    return 0;
  }
  const width = Math.min(48, Math.max(...commands.map((c) => signature(c).length)) + 2);
  const list = commands.map((c) => `  ${signature(c).padEnd(width)} ${c.description}`).join("\n");
  process.stdout.write(`${USAGE}\nCommands (from ${api.base}):\n${list}\n`);
  return 0;
}

function signature(spec) {
  return [spec.name, ...spec.args.map((a) => (a.optional ? `[${a.name}]` : `<${a.name}>`))].join(" ");
}

function apiClient(options, base) {
  const headers = { "content-type": "application/json" };
  const user = options.user ?? process.env.RTC_API_USER;
  const password = options.password ?? process.env.RTC_API_PASSWORD;
  const token = options.token ?? process.env.RTC_API_TOKEN;
  if (user !== undefined) headers.authorization = `Basic ${Buffer.from(`${user}:${password ?? ""}`).toString("base64")}`;
  else if (token !== undefined) headers.authorization = `Bearer ${token}`;

  const call = async (command, args) => {
    let res;
    try {
      res = await fetch(`${base}/${encodeURIComponent(command)}`, { method: "POST", headers, body: JSON.stringify(args), signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      const cause = error?.cause?.code ?? error?.cause?.message ?? error?.name ?? String(error);
      throw new UnreachableError(`cannot reach the admin API at ${base} (${cause}). Is rtc-server running? Start it with \`npm start\`, or point --url at it.`);
    }
    const text = await res.text();
    let body;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, text, body };
  };

  let listed;
  const listCommands = async () => {
    if (listed !== undefined) return listed.value;
    const reply = await call("list_commands", {});
    if (reply.status === 404) return (listed = { value: undefined }).value;
    if (reply.status !== 200 || !Array.isArray(reply.body)) throw new Error(`list_commands failed (HTTP ${reply.status}): ${formatBody(reply.body, reply.text)}`);
    return (listed = { value: reply.body }).value;
  };
  return { base, call, listCommands };
}

async function baseUrl(options) {
  const explicit = options.url ?? process.env.RTC_API_URL;
  if (explicit !== undefined) return explicit.replace(/\/+$/, "").replace(/\/api$/, "") + "/api";
  const port = process.env.RTC_HTTP_PORT;
  if (port !== undefined && /^\d+$/.test(port) && port !== "0") return `http://127.0.0.1:${port}/api`;
  const fromConfig = await configuredListener(options.config ?? process.env.RTC_CONFIG);
  return `${fromConfig ?? "http://127.0.0.1:5280"}/api`;
}

/** The http listener of the server's YAML config (listeners.http.host/port), if it names one. */
async function configuredListener(file) {
  if (file === undefined || file === "") return undefined;
  let config;
  try {
    const { parse: parseYaml } = await import("yaml");
    config = parseYaml(readFileSync(resolve(file), "utf8"));
  } catch (error) {
    throw new Error(`cannot read config ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const http = config?.listeners?.http;
  if (http?.port === undefined || http.port === null || http.port === 0) return undefined;
  const host = http.host === undefined || http.host === "0.0.0.0" ? "127.0.0.1" : http.host === "::" ? "[::1]" : http.host.includes(":") ? `[${http.host}]` : http.host;
  return `http://${host}:${http.port}`;
}
