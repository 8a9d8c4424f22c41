// Default values of every configuration key, per profile (PROTOCOL.md Appendix A). The `standard` profile changes
// exactly four defaults (end of Appendix A); everything else is shared. Keep docs/configuration.md in step.
import { HOST_PLACEHOLDER } from "./config-fields.js";
import type {
  AuthConfig,
  Config,
  MucConfig,
  PasswordMechanism,
  Profile,
  RoomOptions,
} from "./config.types.js";

export const DEFAULT_PROFILE: Profile = "ethora";

/** §1.3: the README promises a server on localhost, so listeners bind loopback unless configured otherwise. */
export const DEFAULT_BIND_HOST = "127.0.0.1";
export const DEFAULT_PORTS = { c2s: 5222, c2s_tls: 5223, http: 5280, https: 5443 } as const;
export const DEFAULT_HOST = "localhost";
export const DEFAULT_ADMIN_LOCALPART = "admin";
export const DEFAULT_DATA_DIR = "data";
export const SQLITE_FILE_NAME = "rtc.sqlite";

/** §3.2 room option defaults of the `ethora` profile. */
export const DEFAULT_ROOM_OPTIONS: RoomOptions = {
  title: "",
  description: "",
  persistent: true,
  public: true,
  members_only: false,
  moderated: true,
  members_by_default: true,
  anonymous: true,
  password_protected: false,
  password: "",
  allow_subscription: true,
  mam: true,
  max_users: 1000,
  allow_change_subj: true,
  allow_private_messages: "anyone",
  allow_user_invites: false,
  allow_query_users: true,
  lang: "en",
  e2ee: "auto",
  room_thumbnail: null,
  room_background: null,
};

/** §2.2 Decision: PLAIN only when JWT is configured, since a JWT password cannot be checked with SCRAM. */
export function defaultMechanisms(jwtConfigured: boolean): PasswordMechanism[] {
  return jwtConfigured ? ["PLAIN"] : ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"];
}

/** The sections whose defaults need no other key (hosts, data_dir…) to be computed. */
export type SectionDefaults = Omit<
  Config,
  | "profile"
  | "hosts"
  | "admins"
  | "data_dir"
  | "database"
  | "listeners"
  | "bootstrap_admin_password"
  | "bootstrap_admin_jid"
  | "muc"
  | "auth"
> & {
  /** `host` is still a template here (`conference.@HOST@`). */
  muc: Omit<MucConfig, "service_hosts">;
  auth: Omit<AuthConfig, "mechanisms">;
};


/** Defaults of the `ethora` profile, i.e. everything in PROTOCOL.md read literally. */
const ETHORA_DEFAULTS: SectionDefaults = {
  tls: { cert_file: null, key_file: null },
  log: { level: "info" },
  muc: {
    host: `conference.${HOST_PLACEHOLDER}`,
    access_create: "admin",
    default_room_options: DEFAULT_ROOM_OPTIONS,
    message_rate: { per_second: 10, burst: 20 },
    max_user_conferences: 1000,
    keep_archive_on_destroy: false,
  },
  c2s: {
    starttls_required: false,
    max_user_sessions: 10,
    max_stanza_size: 262144,
    keepalive_interval_s: 60,
    keepalive_timeout_s: 30,
    idle_timeout_s: 120,
  },
  auth: {
    plain_requires_tls: false,
    anonymous: false,
    jwt: { key: null, jid_field: "jid", algorithms: ["HS256"], leeway_s: 30 },
    scram_iterations: 4096,
  },
  sm: { resume_timeout: 0 },
  ethora: { tenant_guard: true },
  apps: { pinned_exclude: ["system", "bot", "widget"] },
  mucsub: { store_offline: true },
  mam: { retention_days: 0 },
  offline: { max_messages: 100 },
  delete: { allow_moderators: false },
  room_last: { max_items: 50 },
  getrooms: { max_items: 1000, summary: true },
  block: { max_items: 1000, filter_delivery: true },
  offline_post: {
    common_post_url: null,
    voip_post_url: null,
    auth_token: null,
    ttl: 86400,
    sound: "default",
    max_age_s: 600,
  },
  hooks: {
    secret: null,
    track_member: { url: null, secret: null },
    track_last_message: { url: null, secret: null },
    archive_message: { url: null, secret: null },
    history_access: { url: null, secret: null },
    message_audit: { url: null, secret: null },
    max_age_s: 86400,
    concurrency: 8,
  },
  stats: { url: null, secret: null, batch_size: 100, flush_interval_ms: 10000 },
  translate: { url: null, secret: null, languages: [], timeout_ms: 3000 },
  push: { enabled: false, include_body: false },
  outbox: { retry_base_ms: 1000 },
  api: {
    trusted_networks: ["127.0.0.1/32", "::1/128"],
    bearer_tokens: [],
    subscribe_room_many_max_users: 50,
  },
};

/**
 * Every section default for `profile`, as fresh objects (callers may mutate them). The `standard` profile changes
 * exactly the four defaults listed at the end of Appendix A, and nothing else.
 */
export function sectionDefaults(profile: Profile): SectionDefaults {
  const defaults = structuredClone(ETHORA_DEFAULTS);
  if (profile === "standard") {
    defaults.ethora.tenant_guard = false;
    defaults.muc.access_create = "local";
    defaults.muc.default_room_options.persistent = false;
    defaults.sm.resume_timeout = 300;
  }
  return defaults;
}
