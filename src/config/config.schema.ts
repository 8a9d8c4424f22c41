// Zod schema of the YAML config file: every key optional (defaults come from profile-defaults.ts), every object
// strict so an unknown key stops the start. Key names follow PROTOCOL.md Appendix A; see docs/configuration.md.
import { z } from "zod";
import {
  adminJidSchema,
  bindHostSchema,
  cidrSchema,
  databaseUrlSchema,
  hostNameSchema,
  httpUrlSchema,
  jwtKeySchema,
  languageCodeSchema,
  logLevelSchema,
  mucHostSchema,
  nonEmptyString,
  nonNegativeInt,
  optionalSecretSchema,
  passwordMechanismSchema,
  portSchema,
  positiveInt,
  profileSchema,
  uniqueArray,
} from "./config-fields.js";

/** A strict object whose keys are all optional: the file may omit anything, but may not invent keys. */
function section<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.strictObject(shape).partial();
}

const certShape = { cert_file: nonEmptyString.nullable(), key_file: nonEmptyString.nullable() };
const mechanismsSchema = uniqueArray(passwordMechanismSchema).min(1).nullable();

const listenerSchema = section({ host: bindHostSchema, port: portSchema, mechanisms: mechanismsSchema });
const tlsListenerSchema = section({
  host: bindHostSchema,
  port: portSchema,
  mechanisms: mechanismsSchema,
  ...certShape,
});

/** §3.2 room options; each one overrides the (profile) default separately. */
export const roomOptionsSchema = section({
  title: z.string(),
  description: z.string(),
  persistent: z.boolean(),
  public: z.boolean(),
  members_only: z.boolean(),
  moderated: z.boolean(),
  members_by_default: z.boolean(),
  anonymous: z.boolean(),
  password_protected: z.boolean(),
  password: z.string(),
  allow_subscription: z.boolean(),
  mam: z.boolean(),
  max_users: positiveInt,
  allow_change_subj: z.boolean(),
  allow_private_messages: z.enum(["anyone", "participants", "moderators", "none"]),
  allow_user_invites: z.boolean(),
  allow_query_users: z.boolean(),
  lang: nonEmptyString,
  e2ee: z.union([z.boolean(), z.literal("auto")], { error: 'expected true, false or "auto"' }),
  room_thumbnail: nonEmptyString.nullable(),
  room_background: nonEmptyString.nullable(),
});

const hookEndpointSchema = section({ url: httpUrlSchema, secret: optionalSecretSchema });

export const configFileSchema = section({
  profile: profileSchema,
  hosts: uniqueArray(hostNameSchema).min(1),
  admins: uniqueArray(adminJidSchema),
  data_dir: nonEmptyString,
  database: section({ url: databaseUrlSchema }),
  listeners: section({
    c2s: tlsListenerSchema,
    c2s_tls: tlsListenerSchema,
    http: listenerSchema,
    https: tlsListenerSchema,
  }),
  tls: section(certShape),
  log: section({ level: logLevelSchema }),
  muc: section({
    host: mucHostSchema,
    access_create: z.enum(["admin", "local", "all"]),
    default_room_options: roomOptionsSchema,
    message_rate: section({ per_second: z.number().positive(), burst: positiveInt }),
    max_user_conferences: positiveInt,
    keep_archive_on_destroy: z.boolean(),
  }),
  c2s: section({
    starttls_required: z.boolean(),
    max_user_sessions: positiveInt,
    max_stanza_size: positiveInt,
    keepalive_interval_s: nonNegativeInt,
    keepalive_timeout_s: positiveInt,
    idle_timeout_s: positiveInt,
  }),
  auth: section({
    mechanisms: mechanismsSchema,
    plain_requires_tls: z.boolean(),
    anonymous: z.boolean(),
    jwt: section({
      key: jwtKeySchema,
      jid_field: nonEmptyString,
      algorithms: uniqueArray(z.enum(["HS256", "HS384", "HS512"])).min(1),
      leeway_s: nonNegativeInt,
    }),
    scram_iterations: z.int().min(4096).max(10_000_000),
  }),
  sm: section({ resume_timeout: nonNegativeInt }),
  ethora: section({ tenant_guard: z.boolean() }),
  apps: section({ pinned_exclude: uniqueArray(z.enum(["system", "bot", "widget"])) }),
  mucsub: section({ store_offline: z.boolean() }),
  mam: section({ retention_days: nonNegativeInt }),
  offline: section({ max_messages: nonNegativeInt }),
  delete: section({ allow_moderators: z.boolean() }),
  room_last: section({ max_items: positiveInt }),
  getrooms: section({ max_items: positiveInt, summary: z.boolean() }),
  block: section({ max_items: positiveInt, filter_delivery: z.boolean() }),
  offline_post: section({
    common_post_url: httpUrlSchema,
    voip_post_url: httpUrlSchema,
    auth_token: optionalSecretSchema,
    ttl: nonNegativeInt,
    sound: nonEmptyString,
    max_age_s: positiveInt,
  }),
  hooks: section({
    secret: optionalSecretSchema,
    track_member: hookEndpointSchema,
    track_last_message: hookEndpointSchema,
    archive_message: hookEndpointSchema,
    history_access: hookEndpointSchema,
    message_audit: hookEndpointSchema,
    max_age_s: positiveInt,
    concurrency: positiveInt,
  }),
  stats: section({
    url: httpUrlSchema,
    secret: optionalSecretSchema,
    batch_size: positiveInt,
    flush_interval_ms: positiveInt,
  }),
  translate: section({
    url: httpUrlSchema,
    secret: optionalSecretSchema,
    languages: uniqueArray(languageCodeSchema),
    timeout_ms: positiveInt,
  }),
  push: section({ enabled: z.boolean(), include_body: z.boolean() }),
  outbox: section({ retry_base_ms: positiveInt }),
  api: section({
    trusted_networks: uniqueArray(cidrSchema),
    bearer_tokens: uniqueArray(nonEmptyString),
    subscribe_room_many_max_users: positiveInt,
  }),
});

/** The validated (but not yet defaulted) content of a config file. */
export type ConfigFile = z.output<typeof configFileSchema>;
export type RoomOptionsFile = z.output<typeof roomOptionsSchema>;

/** The names of the backend webhooks of §7.9, in documentation order. */
export const HOOK_NAMES = [
  "track_member",
  "track_last_message",
  "archive_message",
  "history_access",
  "message_audit",
] as const;
export type HookName = (typeof HOOK_NAMES)[number];
