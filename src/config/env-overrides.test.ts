// Unit tests of the RTC_* environment overrides: they win over the file, are validated like file values, and
// RTC_DOMAIN / RTC_ADMIN_JID / RTC_ADMIN_PASSWORD drive the derived defaults.
import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { resolveConfig } from "./resolve-config.js";

const CWD = "/srv/rtc";

function resolveError(raw: unknown, env: NodeJS.ProcessEnv): ConfigError {
  try {
    resolveConfig(raw, env, CWD);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("environment overrides", () => {
  it("win over the file for every common key", () => {
    const file = {
      profile: "ethora",
      hosts: ["file.example"],
      data_dir: "/file/data",
      database: { url: "sqlite::memory:" },
      auth: { jwt: { key: "file-key", leeway_s: 5 } },
      listeners: { c2s: { port: 1 }, c2s_tls: { port: 2 }, http: { port: 3 }, https: { port: 4, host: "10.0.0.1" } },
      log: { level: "warn" },
    };
    const config = resolveConfig(
      file,
      {
        RTC_PROFILE: "standard",
        RTC_DOMAIN: "Env.Example",
        RTC_DATA_DIR: "envdata",
        RTC_DATABASE_URL: "postgres://postgres@127.0.0.1/test",
        RTC_JWT_SECRET: "env-key",
        RTC_C2S_PORT: "0",
        RTC_C2S_TLS_PORT: "15223",
        RTC_HTTP_PORT: "off",
        RTC_HTTPS_PORT: "false",
        RTC_LISTEN_HOST: "0.0.0.0",
        RTC_LOG_LEVEL: "debug",
      },
      CWD,
    );
    expect(config.profile).toBe("standard");
    expect(config.sm.resume_timeout).toBe(300);
    expect(config.hosts).toEqual(["env.example"]);
    expect(config.data_dir).toBe("/srv/rtc/envdata");
    expect(config.database).toEqual({ driver: "postgres", url: "postgres://postgres@127.0.0.1/test" });
    expect(config.auth.jwt).toMatchObject({ key: "env-key", leeway_s: 5 });
    expect(config.auth.mechanisms).toEqual(["PLAIN"]);
    const listeners = Object.values(config.listeners).map((listener) => [listener.host, listener.port]);
    expect(listeners).toEqual([
      ["0.0.0.0", 0],
      ["0.0.0.0", 15223],
      ["0.0.0.0", null],
      ["0.0.0.0", null],
    ]);
    expect(config.log.level).toBe("debug");
  });

  it("keep file values for keys they do not set", () => {
    const raw = { listeners: { c2s: { host: "10.0.0.2", port: 6222 } } };
    const config = resolveConfig(raw, { RTC_HTTP_PORT: "8080" }, CWD);
    expect([config.listeners.c2s.host, config.listeners.c2s.port]).toEqual(["10.0.0.2", 6222]);
    expect(config.listeners.http.port).toBe(8080);
  });

  it("ignore empty variables", () => {
    const env = { RTC_DOMAIN: "", RTC_C2S_PORT: "", RTC_PROFILE: "" };
    const config = resolveConfig({ hosts: ["file.example"] }, env, CWD);
    expect(config.hosts).toEqual(["file.example"]);
    expect(config.listeners.c2s.port).toBe(5222);
    expect(config.profile).toBe("ethora");
  });

  it("RTC_DOMAIN changes the default MUC host and default admin", () => {
    const config = resolveConfig(undefined, { RTC_DOMAIN: "chat.example.com" }, CWD);
    expect(config.hosts).toEqual(["chat.example.com"]);
    expect(config.muc.host).toBe("conference.chat.example.com");
    expect(config.admins).toEqual(["admin@chat.example.com"]);
  });

  it("RTC_DOMAIN leaves an explicit muc.host and admins alone", () => {
    const raw = { muc: { host: "rooms.example.org" }, admins: ["boss@example.org"] };
    const config = resolveConfig(raw, { RTC_DOMAIN: "chat.example.com" }, CWD);
    expect(config.muc.host).toBe("rooms.example.org");
    expect(config.admins).toEqual(["boss@example.org"]);
  });

  it("RTC_ADMIN_JID replaces the default admin", () => {
    const config = resolveConfig(undefined, { RTC_DOMAIN: "x.example", RTC_ADMIN_JID: "Ops@X.example" }, CWD);
    expect(config.admins).toEqual(["ops@x.example"]);
  });

  it("RTC_ADMIN_JID is added to configured admins once", () => {
    const raw = { hosts: ["x.example"], admins: ["a@x.example"] };
    expect(resolveConfig(raw, { RTC_ADMIN_JID: "ops" }, CWD).admins).toEqual(["a@x.example", "ops@x.example"]);
    expect(resolveConfig(raw, { RTC_ADMIN_JID: "a@x.example" }, CWD).admins).toEqual(["a@x.example"]);
  });

  it("RTC_ADMIN_PASSWORD bootstraps RTC_ADMIN_JID, else the first admin", () => {
    const withJid = resolveConfig(undefined, { RTC_ADMIN_JID: "ops@localhost", RTC_ADMIN_PASSWORD: " pw " }, CWD);
    expect([withJid.bootstrap_admin_jid, withJid.bootstrap_admin_password]).toEqual(["ops@localhost", " pw "]);
    const withoutJid = resolveConfig(undefined, { RTC_ADMIN_PASSWORD: "pw" }, CWD);
    expect([withoutJid.bootstrap_admin_jid, withoutJid.bootstrap_admin_password]).toEqual(["admin@localhost", "pw"]);
  });

  it("RTC_ADMIN_PASSWORD needs an admin on a served host", () => {
    expect(resolveError({ admins: [] }, { RTC_ADMIN_PASSWORD: "pw" }).issues[0]?.path).toBe("RTC_ADMIN_PASSWORD");
    const error = resolveError(undefined, { RTC_ADMIN_JID: "ops@elsewhere.example", RTC_ADMIN_PASSWORD: "pw" });
    expect(error.message).toContain("ops@elsewhere.example is not on a served host");
  });

  it("name the variable and the key when a value is invalid", () => {
    const error = resolveError(undefined, { RTC_C2S_PORT: "52x22", RTC_PROFILE: "plain", RTC_DOMAIN: "a b" });
    expect(error.issues.map((issue) => issue.path)).toEqual([
      "RTC_PROFILE (profile)",
      "RTC_DOMAIN (hosts = [value])",
      "RTC_C2S_PORT (listeners.c2s.port)",
    ]);
    expect(resolveError(undefined, { RTC_HTTPS_PORT: "65536" }).message).toBe(
      "RTC_HTTPS_PORT (listeners.https.port): must be <= 65535",
    );
    expect(resolveError(undefined, { RTC_DATABASE_URL: "mysql://x" }).issues[0]?.path).toBe(
      "RTC_DATABASE_URL (database.url)",
    );
  });

  it("validate the file before applying the environment", () => {
    const error = resolveError({ c2s: { max_user_sessions: "ten" } }, { RTC_DOMAIN: "x.example" });
    expect(error.message).toBe("c2s.max_user_sessions: expected number, received string");
  });
});
