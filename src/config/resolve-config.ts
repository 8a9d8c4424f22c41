// resolveConfig: validate a parsed config file, apply env overrides, the profile and every default, and return the
// fully resolved Config. Precedence: env > file > profile default > shared default (PROTOCOL.md §0.1, Appendix A).
import { ConfigError, issuesFromZod } from "./config-error.js";
import { configFileSchema, type ConfigFile } from "./config.schema.js";
import type { Config } from "./config.types.js";
import { applyEnvOverrides } from "./env-overrides.js";
import {
  DEFAULT_ADMIN_LOCALPART,
  DEFAULT_DATA_DIR,
  DEFAULT_HOST,
  DEFAULT_PROFILE,
  sectionDefaults,
  type SectionDefaults,
} from "./profile-defaults.js";
import {
  absolutePath,
  checkCertPair,
  issueCollector,
  mergeDefined,
  requireSecret,
  resolveAuth,
  resolveDatabase,
  resolveHooks,
  resolveListeners,
  resolveMuc,
  type IssueSink,
} from "./resolve-sections.js";

/** Validates `raw` against the file schema; throws ConfigError naming every bad or unknown key. */
export function parseConfigFile(raw: unknown): ConfigFile {
  // An empty YAML document parses to null: that is a file with no keys.
  const result = configFileSchema.safeParse(raw ?? {}, { reportInput: true });
  if (!result.success) throw new ConfigError(issuesFromZod(result.error, configFileSchema));
  return result.data;
}

/** A bare localpart in `admins` / `RTC_ADMIN_JID` means an account on the first host. */
function completeJid(jid: string, firstHost: string): string {
  return jid.includes("@") ? jid : `${jid}@${firstHost}`;
}

function resolveAdmins(file: ConfigFile, envAdmin: string | null, firstHost: string): string[] {
  const configured = file.admins?.map((jid) => completeJid(jid, firstHost));
  if (envAdmin === null) return configured ?? [`${DEFAULT_ADMIN_LOCALPART}@${firstHost}`];
  const admin = completeJid(envAdmin, firstHost);
  if (configured === undefined) return [admin];
  return configured.includes(admin) ? configured : [...configured, admin];
}

interface Bootstrap {
  bootstrap_admin_password: string | null;
  bootstrap_admin_jid: string | null;
}

/** RTC_ADMIN_PASSWORD applies to RTC_ADMIN_JID, else the first admin; it must be an account on a served host. */
function resolveBootstrap(
  password: string | null,
  envAdmin: string | null,
  admins: readonly string[],
  hosts: readonly string[],
  add: IssueSink,
): Bootstrap {
  if (password === null) return { bootstrap_admin_password: null, bootstrap_admin_jid: null };
  const firstHost = hosts[0] ?? DEFAULT_HOST;
  const jid = envAdmin === null ? admins[0] : completeJid(envAdmin, firstHost);
  if (jid === undefined) {
    add("RTC_ADMIN_PASSWORD", "no admin account to apply it to (set RTC_ADMIN_JID or admins)");
  } else if (!hosts.includes(jid.slice(jid.indexOf("@") + 1))) {
    add("RTC_ADMIN_PASSWORD", `admin ${jid} is not on a served host (${hosts.join(", ")})`);
  }
  return { bootstrap_admin_password: password, bootstrap_admin_jid: jid ?? null };
}

type FlatSections = Omit<SectionDefaults, "muc" | "auth" | "hooks" | "tls" | "stats" | "translate">;

function resolveFlatSections(file: ConfigFile, defaults: SectionDefaults): FlatSections {
  return {
    log: mergeDefined(defaults.log, file.log),
    c2s: mergeDefined(defaults.c2s, file.c2s),
    sm: mergeDefined(defaults.sm, file.sm),
    ethora: mergeDefined(defaults.ethora, file.ethora),
    apps: mergeDefined(defaults.apps, file.apps),
    mucsub: mergeDefined(defaults.mucsub, file.mucsub),
    mam: mergeDefined(defaults.mam, file.mam),
    offline: mergeDefined(defaults.offline, file.offline),
    delete: mergeDefined(defaults.delete, file.delete),
    room_last: mergeDefined(defaults.room_last, file.room_last),
    getrooms: mergeDefined(defaults.getrooms, file.getrooms),
    block: mergeDefined(defaults.block, file.block),
    offline_post: mergeDefined(defaults.offline_post, file.offline_post),
    push: mergeDefined(defaults.push, file.push),
    outbox: mergeDefined(defaults.outbox, file.outbox),
    api: mergeDefined(defaults.api, file.api),
  };
}

function resolveTls(file: ConfigFile["tls"], cwd: string, add: IssueSink): Config["tls"] {
  const cert = file?.cert_file ?? null;
  const key = file?.key_file ?? null;
  checkCertPair("tls", cert, key, add);
  if (cert === null || key === null) return { cert_file: null, key_file: null };
  return { cert_file: absolutePath(cwd, cert), key_file: absolutePath(cwd, key) };
}

/**
 * Validates a parsed config file (`raw`: the YAML document as a plain object, or undefined for "no file"),
 * applies the RTC_* variables of `env` and the profile, and fills every default. Relative paths resolve
 * against `cwd`. Throws ConfigError.
 */
export function resolveConfig(raw: unknown, env: NodeJS.ProcessEnv = {}, cwd: string = process.cwd()): Config {
  const overrides = applyEnvOverrides(parseConfigFile(raw), env);
  const file = overrides.file;
  const profile = file.profile ?? DEFAULT_PROFILE;
  const defaults = sectionDefaults(profile);
  const { issues, add } = issueCollector();
  const hosts = file.hosts ?? [DEFAULT_HOST];
  const firstHost = hosts[0] ?? DEFAULT_HOST;
  const admins = resolveAdmins(file, overrides.adminJid, firstHost);
  const data_dir = absolutePath(cwd, file.data_dir ?? DEFAULT_DATA_DIR);
  const hooks = resolveHooks(file.hooks, defaults.hooks, add);
  const stats = mergeDefined(defaults.stats, file.stats);
  const translate = mergeDefined(defaults.translate, file.translate);
  stats.secret ??= hooks.secret;
  translate.secret ??= hooks.secret;
  requireSecret("stats", stats, add);
  requireSecret("translate", translate, add);
  const auth = resolveAuth(file.auth, defaults.auth);
  const tls = resolveTls(file.tls, cwd, add);
  const config: Config = {
    profile,
    hosts,
    admins,
    data_dir,
    database: resolveDatabase(file.database?.url, data_dir, cwd),
    listeners: resolveListeners(file.listeners, { auth, tls, cwd, add }),
    tls,
    ...resolveBootstrap(overrides.adminPassword, overrides.adminJid, admins, hosts, add),
    ...resolveFlatSections(file, defaults),
    muc: resolveMuc(file.muc, defaults.muc, hosts, add),
    auth,
    hooks,
    stats,
    translate,
  };
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}
