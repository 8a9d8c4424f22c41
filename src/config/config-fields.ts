// Zod schemas for single configuration values (ports, host names, JIDs, CIDRs, URLs), shared by the file schema
// and the environment overrides so both report the same errors. PROTOCOL.md Appendix A, §1.1, §1.3, §8.2.
import { isIP } from "node:net";
import { z } from "zod";

/** Placeholder in `muc.host` replaced by each served host (ejabberd's convention). */
export const HOST_PLACEHOLDER = "@HOST@";

export const positiveInt = z.int().min(1);
export const nonNegativeInt = z.int().min(0);
export const nonEmptyString = z.string().min(1);

/** Array whose items must be distinct; the error names the first duplicate. */
export function uniqueArray<T extends z.ZodType>(item: T) {
  return z.array(item).superRefine((values, ctx) => {
    const seen = new Set<unknown>();
    values.forEach((value, index) => {
      if (seen.has(value)) {
        ctx.addIssue({ code: "custom", message: `duplicate value ${JSON.stringify(value)}`, path: [index] });
      }
      seen.add(value);
    });
  });
}

const INVALID_DOMAIN_CHARS = /[\s@/\\"'<>&:]/u;

/** An XMPP domain, checked loosely (§1.1): non-empty, no JID separators or whitespace; lowercased. */
export const hostNameSchema = z.string().transform((value, ctx) => {
  const host = value.trim().toLowerCase();
  if (host === "" || INVALID_DOMAIN_CHARS.test(host) || host.startsWith(".") || host.endsWith(".")) {
    ctx.addIssue({ code: "custom", message: `invalid host name ${JSON.stringify(value)}`, input: value });
    return z.NEVER;
  }
  return host;
});

/** `muc.host`: a domain, optionally containing `@HOST@` (needed when several hosts are served, §1.2). */
export const mucHostSchema = z.string().transform((value, ctx) => {
  const withPlaceholder = value.trim().replace(/@host@/giu, HOST_PLACEHOLDER);
  const rest = withPlaceholder.split(HOST_PLACEHOLDER).join("x").toLowerCase();
  if (rest === "" || INVALID_DOMAIN_CHARS.test(rest) || rest.startsWith(".") || rest.endsWith(".")) {
    ctx.addIssue({ code: "custom", message: `invalid MUC host ${JSON.stringify(value)}`, input: value });
    return z.NEVER;
  }
  return withPlaceholder
    .split(HOST_PLACEHOLDER)
    .map((part) => part.toLowerCase())
    .join(HOST_PLACEHOLDER);
});

/**
 * A server admin: a bare JID `local@domain`, or a bare localpart that the resolver completes with the first host.
 * Lowercased; a resource is an error (admins are bare JIDs, §0.5).
 */
export const adminJidSchema = z.string().transform((value, ctx) => {
  const jid = value.trim().toLowerCase();
  const at = jid.indexOf("@");
  const local = at < 0 ? jid : jid.slice(0, at);
  const domain = at < 0 ? "x" : jid.slice(at + 1);
  const bad = local === "" || domain === "" || /[\s/"'<>&:@]/u.test(local) || INVALID_DOMAIN_CHARS.test(domain);
  if (bad) {
    ctx.addIssue({ code: "custom", message: `invalid bare JID ${JSON.stringify(value)}`, input: value });
    return z.NEVER;
  }
  return jid;
});

/** A listener port: 0–65535 (0 = ephemeral), or `null`/`false` to turn the listener off. */
export const portSchema = z
  .union([z.int().min(0).max(65535), z.null(), z.literal(false)], {
    error: "expected a port 0-65535, or null/false to disable the listener",
  })
  .transform((value) => (value === false ? null : value));

/** Bind address of a listener: an IP literal or a resolvable name, no whitespace. */
export const bindHostSchema = z.string().regex(/^[^\s]+$/u, "expected an IP address or host name");

/** An http(s) URL for webhooks; `null` means unset. */
export const httpUrlSchema = z.url({ protocol: /^https?$/u, error: "expected an http:// or https:// URL" }).nullable();

/** A non-empty secret; `null` means unset. */
export const optionalSecretSchema = nonEmptyString.nullable();

/** `a.b.c.d/n` or `x::y/n`; a bare address means a single host. Normalised to lowercase `addr/prefix`. */
export const cidrSchema = z.string().transform((value, ctx) => {
  const [address = "", prefixText, ...extra] = value.trim().toLowerCase().split("/");
  const family = isIP(address);
  const maxPrefix = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? maxPrefix : /^\d{1,3}$/u.test(prefixText) ? Number(prefixText) : -1;
  if (family === 0 || extra.length > 0 || prefix < 0 || prefix > maxPrefix) {
    ctx.addIssue({ code: "custom", message: `invalid CIDR ${JSON.stringify(value)}`, input: value });
    return z.NEVER;
  }
  return `${address}/${prefix}`;
});

/** A JWT key (§2.4): a string (secret, JWK JSON or file path) or an inline oct JWK, kept as JSON text. */
export const jwtKeySchema = z
  .union([nonEmptyString, z.strictObject({ kty: z.literal("oct"), k: nonEmptyString })], {
    error: 'expected a secret string, a file path, or a JWK {kty: "oct", k: "<base64url>"}',
  })
  .nullable()
  .transform((value) => (value === null || typeof value === "string" ? value : JSON.stringify(value)));

/** Accepted `database.url` schemes (§ storage): SQLite file/memory or PostgreSQL. */
export const databaseUrlSchema = z
  .string()
  .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/u, "expected sqlite:<path>, sqlite::memory: or postgres[ql]://…");

export const profileSchema = z.enum(["ethora", "standard"]);
export const logLevelSchema = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);
export const passwordMechanismSchema = z.enum(["PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256"], {
  error: (issue) =>
    issue.input === "ANONYMOUS"
      ? "ANONYMOUS is enabled with auth.anonymous, not listed here"
      : 'expected one of "PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256"',
});
export const languageCodeSchema = z.string().regex(/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/iu, "expected a language code");
