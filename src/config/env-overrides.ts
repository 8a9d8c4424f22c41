// Environment variables that override common config keys (issue "config"; PROTOCOL.md §0.1 for RTC_PROFILE).
// Env values go through the same field schemas as the file; an empty variable counts as unset.
import type { z } from "zod";
import { ConfigError, issuesFromZod, type ConfigIssue } from "./config-error.js";
import {
  adminJidSchema,
  bindHostSchema,
  databaseUrlSchema,
  hostNameSchema,
  jwtKeySchema,
  logLevelSchema,
  nonEmptyString,
  portSchema,
  profileSchema,
} from "./config-fields.js";
import type { ConfigFile } from "./config.schema.js";

/** Variable → the key it overrides, for docs and error messages. `RTC_CONFIG` is read by loadConfig only. */
export const ENV_VARS = {
  RTC_CONFIG: "path of the YAML config file (`--config FILE` wins)",
  RTC_PROFILE: "profile",
  RTC_DOMAIN: "hosts = [value]",
  RTC_C2S_PORT: "listeners.c2s.port",
  RTC_C2S_TLS_PORT: "listeners.c2s_tls.port",
  RTC_HTTP_PORT: "listeners.http.port",
  RTC_HTTPS_PORT: "listeners.https.port",
  RTC_LISTEN_HOST: "listeners.*.host",
  RTC_DATA_DIR: "data_dir",
  RTC_DATABASE_URL: "database.url",
  RTC_ADMIN_JID: "admins (appended; replaces the default admin)",
  RTC_ADMIN_PASSWORD: "bootstrap_admin_password",
  RTC_JWT_SECRET: "auth.jwt.key",
  RTC_LOG_LEVEL: "log.level",
} as const;
export type EnvVarName = keyof typeof ENV_VARS;

const PORT_VARS = {
  c2s: "RTC_C2S_PORT",
  c2s_tls: "RTC_C2S_TLS_PORT",
  http: "RTC_HTTP_PORT",
  https: "RTC_HTTPS_PORT",
} as const satisfies Record<string, EnvVarName>;

const DISABLED_WORDS = new Set(["off", "false", "null", "none", "disabled"]);

export interface EnvOverrides {
  /** The file content with the env values written over it. */
  file: ConfigFile;
  /** `RTC_ADMIN_JID`, lowercased; may still be a bare localpart. */
  adminJid: string | null;
  adminPassword: string | null;
}

class EnvReader {
  readonly issues: ConfigIssue[] = [];
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  raw(name: EnvVarName): string | undefined {
    const value = this.env[name];
    return value === undefined || value === "" ? undefined : value;
  }

  read<T extends z.ZodType>(name: EnvVarName, schema: T, convert: (text: string) => unknown = (t) => t) {
    const text = this.raw(name);
    if (text === undefined) return undefined;
    const result = schema.safeParse(convert(text), { reportInput: true });
    if (result.success) return result.data as z.output<T>;
    const issues = issuesFromZod(result.error, schema);
    this.issues.push(...issues.map((issue) => ({ ...issue, path: `${name} (${ENV_VARS[name]})` })));
    return undefined;
  }
}

/** "5222" → 5222, "off"/"false"/"null"/"none"/"disabled" → false (listener off); anything else fails the schema. */
function portFromText(text: string): unknown {
  const trimmed = text.trim().toLowerCase();
  if (DISABLED_WORDS.has(trimmed)) return false;
  return /^\d+$/u.test(trimmed) ? Number(trimmed) : text;
}

function overrideListeners(file: ConfigFile, reader: EnvReader): ConfigFile["listeners"] {
  const host = reader.read("RTC_LISTEN_HOST", bindHostSchema);
  let listeners = file.listeners;
  for (const [name, variable] of Object.entries(PORT_VARS) as [keyof typeof PORT_VARS, EnvVarName][]) {
    const port = reader.read(variable, portSchema, portFromText);
    const patch = { ...(port === undefined ? {} : { port }), ...(host === undefined ? {} : { host }) };
    if (Object.keys(patch).length > 0) listeners = { ...listeners, [name]: { ...listeners?.[name], ...patch } };
  }
  return listeners;
}

/** Applies the RTC_* variables over a validated config file. Throws ConfigError naming every bad variable. */
export function applyEnvOverrides(file: ConfigFile, env: NodeJS.ProcessEnv): EnvOverrides {
  const reader = new EnvReader(env);
  const out: ConfigFile = { ...file };
  const profile = reader.read("RTC_PROFILE", profileSchema);
  if (profile !== undefined) out.profile = profile;
  const domain = reader.read("RTC_DOMAIN", hostNameSchema);
  if (domain !== undefined) out.hosts = [domain];
  const dataDir = reader.read("RTC_DATA_DIR", nonEmptyString);
  if (dataDir !== undefined) out.data_dir = dataDir;
  const databaseUrl = reader.read("RTC_DATABASE_URL", databaseUrlSchema);
  if (databaseUrl !== undefined) out.database = { ...file.database, url: databaseUrl };
  const jwtKey = reader.read("RTC_JWT_SECRET", jwtKeySchema);
  if (jwtKey !== undefined) out.auth = { ...file.auth, jwt: { ...file.auth?.jwt, key: jwtKey } };
  const logLevel = reader.read("RTC_LOG_LEVEL", logLevelSchema);
  if (logLevel !== undefined) out.log = { ...file.log, level: logLevel };
  const listeners = overrideListeners(file, reader);
  if (listeners !== undefined) out.listeners = listeners;
  const adminJid = reader.read("RTC_ADMIN_JID", adminJidSchema) ?? null;
  // The password is used verbatim: leading/trailing spaces are part of it.
  const adminPassword = reader.raw("RTC_ADMIN_PASSWORD") ?? null;
  if (reader.issues.length > 0) throw new ConfigError(reader.issues);
  return { file: out, adminJid, adminPassword };
}
