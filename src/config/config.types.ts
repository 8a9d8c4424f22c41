// The fully resolved server configuration: every default filled in, the profile and env overrides applied.
// Keys keep the YAML snake_case names so code, docs/configuration.md and PROTOCOL.md Appendix A read the same.
// "Unset" is always `null`, never a missing property, so every key of Appendix A is present.

/** PROTOCOL.md §0.1: `ethora` (default) or `standard`. */
export type Profile = "ethora" | "standard";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

/** Mechanisms an operator may list in `auth.mechanisms` (§2.2); ANONYMOUS comes only from `auth.anonymous`. */
export type PasswordMechanism = "PLAIN" | "SCRAM-SHA-1" | "SCRAM-SHA-256";
export type SaslMechanism = PasswordMechanism | "ANONYMOUS";

export type JwtAlgorithm = "HS256" | "HS384" | "HS512";
export type MucAccessCreate = "admin" | "local" | "all";
export type PinnedExclusion = "system" | "bot" | "widget";
export type PrivateMessagePolicy = "anyone" | "participants" | "moderators" | "none";

/** A listener of §1.3. `port: null` means the listener is off; `port: 0` asks the OS for a free port. */
export interface ListenerConfig {
  host: string;
  port: number | null;
  /** The SASL offer on this listener, in offer order, `ANONYMOUS` already appended when `auth.anonymous` (§2.2). */
  mechanisms: SaslMechanism[];
}

/** A listener that can speak TLS (STARTTLS on c2s, TLS from the first byte on c2s_tls/https). */
export interface TlsListenerConfig extends ListenerConfig {
  /** Absolute path; falls back to `tls.cert_file`; `null` = use the generated self-signed certificate. */
  cert_file: string | null;
  key_file: string | null;
}

export interface ListenersConfig {
  c2s: TlsListenerConfig;
  c2s_tls: TlsListenerConfig;
  http: ListenerConfig;
  https: TlsListenerConfig;
}

export type DatabaseConfig =
  /** `path` is absolute, or `:memory:`. `url` is normalised to `sqlite:<path>`. */
  | { driver: "sqlite"; url: string; path: string }
  | { driver: "postgres"; url: string };

/** The room options of §3.2 (API names). */
export interface RoomOptions {
  title: string;
  description: string;
  persistent: boolean;
  public: boolean;
  members_only: boolean;
  moderated: boolean;
  members_by_default: boolean;
  anonymous: boolean;
  password_protected: boolean;
  password: string;
  allow_subscription: boolean;
  mam: boolean;
  max_users: number;
  allow_change_subj: boolean;
  allow_private_messages: PrivateMessagePolicy;
  allow_user_invites: boolean;
  allow_query_users: boolean;
  lang: string;
  /** `"auto"`: true when the room name ends in `-e2ee` (§3.2). */
  e2ee: boolean | "auto";
  room_thumbnail: string | null;
  room_background: string | null;
}

export interface MucConfig {
  /** MUC service of the first host (`conference.<HOST>` by default, §1.2). */
  host: string;
  /** MUC service of every served host: `hosts[i]` → its MUC domain. */
  service_hosts: Record<string, string>;
  access_create: MucAccessCreate;
  default_room_options: RoomOptions;
  message_rate: { per_second: number; burst: number };
  max_user_conferences: number;
  keep_archive_on_destroy: boolean;
}

export interface C2sConfig {
  starttls_required: boolean;
  max_user_sessions: number;
  max_stanza_size: number;
  /** 0 disables the server keepalive (§2.10). */
  keepalive_interval_s: number;
  keepalive_timeout_s: number;
  /** A connection without a bound session after this many seconds is closed. */
  idle_timeout_s: number;
}

export interface JwtConfig {
  /** Raw secret, JWK JSON text, or a path to a file holding either (§2.4). */
  key: string | null;
  jid_field: string;
  algorithms: JwtAlgorithm[];
  leeway_s: number;
}

export interface AuthConfig {
  /** The default offer for listeners that do not set their own (§2.2), `ANONYMOUS` included when enabled. */
  mechanisms: SaslMechanism[];
  plain_requires_tls: boolean;
  anonymous: boolean;
  jwt: JwtConfig;
  scram_iterations: number;
}

/** One backend webhook (§7.9). `secret` already falls back to `hooks.secret`; it is non-null whenever `url` is. */
export interface HookEndpoint {
  url: string | null;
  secret: string | null;
}

export interface HooksConfig {
  secret: string | null;
  track_member: HookEndpoint;
  track_last_message: HookEndpoint;
  archive_message: HookEndpoint;
  history_access: HookEndpoint;
  message_audit: HookEndpoint;
  max_age_s: number;
  concurrency: number;
}

export interface OfflinePostConfig {
  common_post_url: string | null;
  voip_post_url: string | null;
  auth_token: string | null;
  ttl: number;
  sound: string;
  max_age_s: number;
}

export interface StatsConfig {
  url: string | null;
  /** Falls back to `hooks.secret`; non-null whenever `url` is. */
  secret: string | null;
  batch_size: number;
  flush_interval_ms: number;
}

export interface TranslateConfig {
  url: string | null;
  /** Falls back to `hooks.secret`; non-null whenever `url` is. */
  secret: string | null;
  languages: string[];
  timeout_ms: number;
}

export interface ApiConfig {
  /** Normalised CIDRs (`a.b.c.d/n`, `x::y/n`, lowercase). */
  trusted_networks: string[];
  bearer_tokens: string[];
  subscribe_room_many_max_users: number;
}

export interface Config {
  profile: Profile;
  /** Served XMPP domains, lowercase, at least one (§1.1). */
  hosts: string[];
  /** Server admins as lowercase bare JIDs (§0.5). May be empty when configured so. */
  admins: string[];
  /** Absolute path. */
  data_dir: string;
  database: DatabaseConfig;
  listeners: ListenersConfig;
  tls: { cert_file: string | null; key_file: string | null };
  log: { level: LogLevel };
  /** From `RTC_ADMIN_PASSWORD`: the account `bootstrap_admin_jid` is created/updated with it at start. */
  bootstrap_admin_password: string | null;
  /** Non-null exactly when `bootstrap_admin_password` is: `RTC_ADMIN_JID`, else the first admin. */
  bootstrap_admin_jid: string | null;
  muc: MucConfig;
  c2s: C2sConfig;
  auth: AuthConfig;
  sm: { resume_timeout: number };
  ethora: { tenant_guard: boolean };
  apps: { pinned_exclude: PinnedExclusion[] };
  mucsub: { store_offline: boolean };
  mam: { retention_days: number };
  offline: { max_messages: number };
  delete: { allow_moderators: boolean };
  room_last: { max_items: number };
  getrooms: { max_items: number; summary: boolean };
  block: { max_items: number; filter_delivery: boolean };
  offline_post: OfflinePostConfig;
  hooks: HooksConfig;
  stats: StatsConfig;
  translate: TranslateConfig;
  push: { enabled: boolean; include_body: boolean };
  outbox: { retry_base_ms: number };
  api: ApiConfig;
}
