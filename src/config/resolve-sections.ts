// Resolution of the config sections whose values depend on other keys: database (data_dir), listeners (auth
// mechanisms, tls), muc (hosts), webhook secrets (hooks.secret). PROTOCOL.md §1.2, §1.3, §2.2, §7.9–§7.11.
import { isAbsolute, join, resolve } from "node:path";
import type { ConfigIssue } from "./config-error.js";
import { CONFIG_ERROR_CODES } from "./config-error.js";
import { HOST_PLACEHOLDER } from "./config-fields.js";
import type { ConfigFile } from "./config.schema.js";
import { HOOK_NAMES } from "./config.schema.js";
import type {
  AuthConfig,
  DatabaseConfig,
  HooksConfig,
  ListenerConfig,
  ListenersConfig,
  MucConfig,
  SaslMechanism,
  TlsListenerConfig,
} from "./config.types.js";
import type { SectionDefaults } from "./profile-defaults.js";
import { DEFAULT_BIND_HOST, DEFAULT_PORTS, SQLITE_FILE_NAME, defaultMechanisms } from "./profile-defaults.js";

/** Collects cross-key problems so that one start attempt reports all of them. */
export type IssueSink = (path: string, message: string) => void;

export function issueCollector(): { issues: ConfigIssue[]; add: IssueSink } {
  const issues: ConfigIssue[] = [];
  return { issues, add: (path, message) => issues.push({ code: CONFIG_ERROR_CODES.invalidValue, path, message }) };
}

/** `{...base, ...patch}` that ignores keys whose patch value is undefined (absent in the file). */
export function mergeDefined<T extends object>(base: T, patch: { [K in keyof T]?: T[K] | undefined } | undefined): T {
  const out = { ...base };
  if (patch === undefined) return out;
  for (const key of Object.keys(patch) as (keyof T)[]) {
    const value = patch[key];
    if (value !== undefined) out[key] = value as T[keyof T];
  }
  return out;
}

export function absolutePath(cwd: string, path: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}

/** `sqlite:<path>` (`sqlite://<path>` too), `sqlite::memory:`, `postgres://…`, `postgresql://…`. */
export function resolveDatabase(url: string | undefined, dataDir: string, cwd: string): DatabaseConfig {
  if (url === undefined) {
    const path = join(dataDir, SQLITE_FILE_NAME);
    return { driver: "sqlite", url: `sqlite:${path}`, path };
  }
  if (!url.startsWith("sqlite:")) return { driver: "postgres", url };
  const rest = url.slice("sqlite:".length).replace(/^\/\/(?=.)/u, "");
  const path = rest === ":memory:" ? rest : absolutePath(cwd, rest);
  return { driver: "sqlite", url: `sqlite:${path}`, path };
}

/** §2.2: explicit list or the JWT-dependent default; ANONYMOUS is appended last when enabled. */
export function resolveMechanisms(
  explicit: readonly SaslMechanism[] | null | undefined,
  jwtConfigured: boolean,
  anonymous: boolean,
): SaslMechanism[] {
  const base: SaslMechanism[] = explicit == null ? defaultMechanisms(jwtConfigured) : [...explicit];
  return anonymous ? [...base, "ANONYMOUS"] : base;
}

export function resolveAuth(file: ConfigFile["auth"], defaults: SectionDefaults["auth"]): AuthConfig {
  const jwt = mergeDefined(defaults.jwt, file?.jwt);
  const anonymous = file?.anonymous ?? defaults.anonymous;
  return {
    mechanisms: resolveMechanisms(file?.mechanisms, jwt.key !== null, anonymous),
    plain_requires_tls: file?.plain_requires_tls ?? defaults.plain_requires_tls,
    anonymous,
    jwt,
    scram_iterations: file?.scram_iterations ?? defaults.scram_iterations,
  };
}

/** Certificate and key are configured together or not at all. */
export function checkCertPair(path: string, cert: string | null, key: string | null, add: IssueSink): void {
  if ((cert === null) !== (key === null)) {
    add(`${path}.${cert === null ? "cert_file" : "key_file"}`, "cert_file and key_file must be set together");
  }
}

interface ListenerContext {
  auth: AuthConfig;
  tls: { cert_file: string | null; key_file: string | null };
  cwd: string;
  add: IssueSink;
}

type ListenerFile = NonNullable<NonNullable<ConfigFile["listeners"]>["http"]>;

function resolveListener(name: keyof ListenersConfig, file: ListenerFile, ctx: ListenerContext): ListenerConfig {
  const mechanisms =
    file.mechanisms == null
      ? ctx.auth.mechanisms
      : resolveMechanisms(file.mechanisms, ctx.auth.jwt.key !== null, ctx.auth.anonymous);
  return {
    host: file.host ?? DEFAULT_BIND_HOST,
    port: file.port === undefined ? DEFAULT_PORTS[name] : file.port,
    mechanisms,
  };
}

type TlsListenerFile = NonNullable<NonNullable<ConfigFile["listeners"]>["c2s"]>;

function resolveTlsListener(name: "c2s" | "c2s_tls" | "https", file: TlsListenerFile, ctx: ListenerContext) {
  const cert = file.cert_file ?? null;
  const key = file.key_file ?? null;
  checkCertPair(`listeners.${name}`, cert, key, ctx.add);
  const own = cert !== null && key !== null;
  const listener: TlsListenerConfig = {
    ...resolveListener(name, file, ctx),
    cert_file: own ? absolutePath(ctx.cwd, cert) : ctx.tls.cert_file,
    key_file: own ? absolutePath(ctx.cwd, key) : ctx.tls.key_file,
  };
  return listener;
}

export function resolveListeners(file: ConfigFile["listeners"], ctx: ListenerContext): ListenersConfig {
  const listeners: ListenersConfig = {
    c2s: resolveTlsListener("c2s", file?.c2s ?? {}, ctx),
    c2s_tls: resolveTlsListener("c2s_tls", file?.c2s_tls ?? {}, ctx),
    http: resolveListener("http", file?.http ?? {}, ctx),
    https: resolveTlsListener("https", file?.https ?? {}, ctx),
  };
  // Two enabled listeners on one fixed address would fail later with a bare EADDRINUSE; name the keys now.
  const taken = new Map<string, string>();
  for (const [name, listener] of Object.entries(listeners)) {
    if (listener.port === null || listener.port === 0) continue;
    const address = `${listener.host}:${listener.port}`;
    const other = taken.get(address);
    if (other !== undefined) ctx.add(`listeners.${name}.port`, `${address} is also used by listeners.${other}`);
    taken.set(address, name);
  }
  return listeners;
}

/** §1.2: one MUC service per host; `@HOST@` in `muc.host` is replaced by each host. */
export function resolveMuc(
  file: ConfigFile["muc"],
  defaults: SectionDefaults["muc"],
  hosts: readonly string[],
  add: IssueSink,
): MucConfig {
  const template = file?.host ?? defaults.host;
  if (!template.includes(HOST_PLACEHOLDER) && hosts.length > 1) {
    add("muc.host", `must contain ${HOST_PLACEHOLDER} when several hosts are served`);
  }
  const service_hosts: Record<string, string> = {};
  for (const host of hosts) {
    const mucHost = template.split(HOST_PLACEHOLDER).join(host);
    if (hosts.includes(mucHost)) add("muc.host", `${mucHost} is also a served host`);
    service_hosts[host] = mucHost;
  }
  const firstHost = hosts[0] ?? "";
  return {
    host: service_hosts[firstHost] ?? template,
    service_hosts,
    access_create: file?.access_create ?? defaults.access_create,
    default_room_options: mergeDefined(defaults.default_room_options, file?.default_room_options),
    message_rate: mergeDefined(defaults.message_rate, file?.message_rate),
    max_user_conferences: file?.max_user_conferences ?? defaults.max_user_conferences,
    keep_archive_on_destroy: file?.keep_archive_on_destroy ?? defaults.keep_archive_on_destroy,
  };
}

/** §7.9: each hook's secret falls back to `hooks.secret`; a URL without any secret stops the start. */
export function resolveHooks(file: ConfigFile["hooks"], defaults: HooksConfig, add: IssueSink): HooksConfig {
  const secret = file?.secret ?? defaults.secret;
  const hooks: HooksConfig = {
    ...defaults,
    secret,
    max_age_s: file?.max_age_s ?? defaults.max_age_s,
    concurrency: file?.concurrency ?? defaults.concurrency,
  };
  for (const name of HOOK_NAMES) {
    const endpoint = mergeDefined(defaults[name], file?.[name]);
    hooks[name] = { url: endpoint.url, secret: endpoint.secret ?? secret };
    requireSecret(`hooks.${name}`, hooks[name], add);
  }
  return hooks;
}

/** The §7.9 transport signs every request, so a configured URL needs a secret (own or `hooks.secret`). */
export function requireSecret(path: string, endpoint: { url: string | null; secret: string | null }, add: IssueSink) {
  if (endpoint.url !== null && endpoint.secret === null) {
    add(`${path}.secret`, `required when ${path}.url is set (or set hooks.secret)`);
  }
}
