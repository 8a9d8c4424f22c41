/**
 * Accounts: registration, passwords as SCRAM keys (PROTOCOL §2.5), JWT-materialised accounts (§2.4),
 * the SASL backend, and the account admin commands of §8.5. Deleting an account emits `user.deleted`
 * so that every feature removes its own data.
 */
import { randomBytes } from "node:crypto";
import type { SaslAuthBackend } from "../../c2s/sasl/sasl-mechanism.js";
import { createJwtVerifier, JwtVerifier } from "../../c2s/sasl/jwt-verifier.js";
import { deriveScramCredentials, verifyPassword } from "../../c2s/sasl/scram-credentials.js";
import { defineModule } from "../../core/module.js";
import { Jid } from "../../xmpp/jid.js";
import { StreamError } from "../../xmpp/stream-error.js";
import { accountCommands } from "./accounts.commands.js";
import { SqlAccountStore, accountsMigrations } from "./accounts.store.js";

export interface AccountsApi {
  /** Whether the account exists; answered from memory when possible (the router asks per message). */
  exists(user: Jid): Promise<boolean>;
  /** "exists" when the account was already there. */
  register(user: Jid, password: string): Promise<"created" | "exists">;
  /** Creates many accounts with one password; existing ones are skipped. Returns how many were created. */
  registerMany(host: string, localparts: readonly string[], password: string): Promise<number>;
  /** Creates a passwordless account for a valid JWT login (PROTOCOL §2.4); false if it existed. */
  materialize(user: Jid): Promise<boolean>;
  /** False when there is no such account. */
  setPassword(user: Jid, password: string): Promise<boolean>;
  /** Verified like SASL PLAIN: a JWT when configured, else the stored keys (PROTOCOL §8.5 check_password). */
  checkPassword(user: Jid, password: string): Promise<boolean>;
  /** Idempotent; ends live sessions with not-authorized (PROTOCOL §8.5 Decision). */
  unregister(user: Jid): Promise<void>;
  list(host: string): Promise<string[]>;
  /** Keyset paging over the localparts starting with `prefix` (Apps' pinned-room job, PROTOCOL §1.7); `after` "" starts. */
  listPage(host: string, prefix: string, after: string, limit: number): Promise<string[]>;
  saslBackend(host: string): SaslAuthBackend;
}

const EXISTS_CACHE_LIMIT = 200_000;

export const accountsModule = defineModule<AccountsApi>({
  name: "accounts",
  migrations: accountsMigrations,

  setup(ctx) {
    const store = new SqlAccountStore(ctx.db);
    const jwtConfig = ctx.config.auth.jwt;
    const jwt =
      jwtConfig.key === null
        ? undefined
        : createJwtVerifier({ key: jwtConfig.key, jidField: jwtConfig.jid_field, algorithms: jwtConfig.algorithms, leewaySeconds: jwtConfig.leeway_s });
    const iterations = ctx.config.auth.scram_iterations;
    // Per process: fake SCRAM salts for unknown users stay the same for as long as the server runs.
    const fakeSaltSecret = randomBytes(32);
    const existsCache = new Map<string, boolean>();
    const remember = (user: Jid, exists: boolean) => {
      if (existsCache.size >= EXISTS_CACHE_LIMIT) existsCache.clear();
      existsCache.set(user.bareString, exists);
    };

    const api: AccountsApi = {
      async exists(user) {
        const cached = existsCache.get(user.bareString);
        if (cached !== undefined) return cached;
        const exists = await store.exists(user.domain, user.local);
        remember(user, exists);
        return exists;
      },
      async register(user, password) {
        const created = await store.create(user.domain, user.local, await deriveScramCredentials(password, iterations));
        remember(user, true);
        if (created) await ctx.hooks.run("user.created", { user });
        return created ? "created" : "exists";
      },
      async registerMany(host, localparts, password) {
        // One password for all: derive its keys once. Equal keys reveal only what the caller already
        // said, that these accounts share a password; a later change_password salts each anew.
        const credentials = await deriveScramCredentials(password, iterations);
        const rows = localparts.map((localpart) => ({ localpart, credentials }));
        const created = await store.createMany(host, rows);
        for (const l of localparts) remember(new Jid(l, host), true);
        // Like `register`: Apps put each new account in its pinned rooms (§1.7).
        for (const l of created) await ctx.hooks.run("user.created", { user: new Jid(l, host) });
        return created.length;
      },
      async materialize(user) {
        const created = await store.create(user.domain, user.local, null);
        remember(user, true);
        if (created) await ctx.hooks.run("user.created", { user });
        return created;
      },
      async setPassword(user, password) {
        return store.setCredentials(user.domain, user.local, await deriveScramCredentials(password, iterations));
      },
      async checkPassword(user, password) {
        if (jwt !== undefined && JwtVerifier.looksLikeJws(password) && (await jwt.verify(password, user.bareString))) return true;
        const creds = await store.credentials(user.domain, user.local);
        return creds !== undefined && creds !== null && verifyPassword(creds, password);
      },
      async unregister(user) {
        await store.delete(user.domain, user.local);
        remember(user, false);
        for (const session of [...ctx.sessions.resourcesOf(user)]) session.close(new StreamError("not-authorized"));
        await ctx.hooks.run("user.deleted", { user });
      },
      list: (host) => store.list(host),
      listPage: (host, prefix, after, limit) => store.listPage(host, prefix, after, limit),
      saslBackend(host) {
        return {
          host,
          jwt,
          scramFakeSaltSecret: fakeSaltSecret,
          async getCredentials(localpart) {
            return (await store.credentials(host, localpart)) ?? undefined;
          },
        };
      },
    };
    for (const command of accountCommands(api, ctx.hosts, ctx.sessions)) ctx.commands.register(command);
    return api;
  },
});
