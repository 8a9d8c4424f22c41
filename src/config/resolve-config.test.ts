// Unit tests of resolveConfig: Appendix A defaults, the two profiles, explicit keys over profile defaults, derived
// values (admins, muc.host, database, mechanisms, webhook secrets) and cross-key checks.
import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import type { Config } from "./config.types.js";
import { resolveConfig } from "./resolve-config.js";

const CWD = "/srv/rtc";

function resolveError(raw: unknown, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    resolveConfig(raw, env, CWD);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

/** Leaf paths whose values differ between two resolved configs. */
function differingPaths(a: unknown, b: unknown, prefix = ""): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObject(a) || !isObject(b)) return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((key) => differingPaths(a[key], b[key], prefix === "" ? key : `${prefix}.${key}`));
}

describe("resolveConfig defaults (fresh clone, no file)", () => {
  const config = resolveConfig(undefined, {}, CWD);

  it("serves localhost with admin@localhost and MUC at conference.localhost", () => {
    expect(config.profile).toBe("ethora");
    expect(config.hosts).toEqual(["localhost"]);
    expect(config.admins).toEqual(["admin@localhost"]);
    expect(config.muc.host).toBe("conference.localhost");
    expect(config.muc.service_hosts).toEqual({ localhost: "conference.localhost" });
  });

  it("keeps data in <cwd>/data with SQLite", () => {
    expect(config.data_dir).toBe("/srv/rtc/data");
    expect(config.database).toEqual({
      driver: "sqlite",
      url: "sqlite:/srv/rtc/data/rtc.sqlite",
      path: "/srv/rtc/data/rtc.sqlite",
    });
  });

  it("listens on 5222/5223/5280/5443 on loopback with a generated certificate", () => {
    const ports = Object.values(config.listeners).map((listener) => [listener.host, listener.port]);
    expect(ports).toEqual([
      ["127.0.0.1", 5222],
      ["127.0.0.1", 5223],
      ["127.0.0.1", 5280],
      ["127.0.0.1", 5443],
    ]);
    expect(config.tls).toEqual({ cert_file: null, key_file: null });
    expect(config.listeners.c2s_tls.cert_file).toBeNull();
  });

  it("offers SCRAM then PLAIN without JWT (§2.2)", () => {
    expect(config.auth.mechanisms).toEqual(["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"]);
    expect(config.listeners.http.mechanisms).toEqual(["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"]);
  });

  it("has the Appendix A defaults", () => {
    expect(config.muc.access_create).toBe("admin");
    expect(config.muc.message_rate).toEqual({ per_second: 10, burst: 20 });
    expect(config.muc.default_room_options).toMatchObject({ persistent: true, mam: true, allow_subscription: true });
    expect(config.c2s).toMatchObject({ max_user_sessions: 10, max_stanza_size: 262144, keepalive_interval_s: 60 });
    expect(config.auth.jwt).toEqual({ key: null, jid_field: "jid", algorithms: ["HS256"], leeway_s: 30 });
    expect(config.sm.resume_timeout).toBe(0);
    expect(config.ethora.tenant_guard).toBe(true);
    expect(config.apps.pinned_exclude).toEqual(["system", "bot", "widget"]);
    expect(config.api.trusted_networks).toEqual(["127.0.0.1/32", "::1/128"]);
    expect(config.hooks.track_member).toEqual({ url: null, secret: null });
    expect(config.log.level).toBe("info");
    expect(config.bootstrap_admin_password).toBeNull();
    expect(config.bootstrap_admin_jid).toBeNull();
  });

  it("returns independent objects on each call", () => {
    const other = resolveConfig(undefined, {}, CWD);
    other.api.trusted_networks.push("10.0.0.0/8");
    other.muc.default_room_options.persistent = false;
    expect(resolveConfig(undefined, {}, CWD)).toEqual(config);
  });
});

describe("profiles", () => {
  it("standard changes exactly the four defaults listed at the end of Appendix A", () => {
    const ethora = resolveConfig({}, {}, CWD);
    const standard = resolveConfig({ profile: "standard" }, {}, CWD);
    expect(differingPaths(ethora, standard).sort()).toEqual([
      "ethora.tenant_guard",
      "muc.access_create",
      "muc.default_room_options.persistent",
      "profile",
      "sm.resume_timeout",
    ]);
    expect(standard.ethora.tenant_guard).toBe(false);
    expect(standard.muc.access_create).toBe("local");
    expect(standard.muc.default_room_options.persistent).toBe(false);
    expect(standard.sm.resume_timeout).toBe(300);
  });

  it("lets an explicit key win over the standard profile default", () => {
    const config = resolveConfig(
      {
        profile: "standard",
        ethora: { tenant_guard: true },
        muc: { access_create: "admin", default_room_options: { persistent: true } },
        sm: { resume_timeout: 0 },
      },
      {},
      CWD,
    );
    expect(differingPaths(resolveConfig({}, {}, CWD), config)).toEqual(["profile"]);
  });

  it("lets an explicit key win over the ethora profile default", () => {
    const config = resolveConfig({ sm: { resume_timeout: 120 }, ethora: { tenant_guard: false } }, {}, CWD);
    expect(config.sm.resume_timeout).toBe(120);
    expect(config.ethora.tenant_guard).toBe(false);
  });

  it("merges room options one by one over the profile defaults", () => {
    const config = resolveConfig({ profile: "standard", muc: { default_room_options: { max_users: 50 } } }, {}, CWD);
    expect(config.muc.default_room_options).toMatchObject({ max_users: 50, persistent: false, mam: true });
  });
});

describe("derived values", () => {
  it("derives admin and MUC host from the first host", () => {
    const raw = { hosts: ["chat.example.com", "b.example"], muc: { host: "conference.@HOST@" } };
    const config = resolveConfig(raw, {}, CWD);
    expect(config.admins).toEqual(["admin@chat.example.com"]);
    expect(config.muc.host).toBe("conference.chat.example.com");
    expect(config.muc.service_hosts).toEqual({
      "chat.example.com": "conference.chat.example.com",
      "b.example": "conference.b.example",
    });
  });

  it("completes a bare localpart in admins with the first host", () => {
    const config = resolveConfig({ hosts: ["x.example"], admins: ["Root", "ops@other.example"] }, {}, CWD);
    expect(config.admins).toEqual(["root@x.example", "ops@other.example"]);
  });

  it("allows an explicitly empty admin list", () => {
    expect(resolveConfig({ admins: [] }, {}, CWD).admins).toEqual([]);
  });

  it("requires @HOST@ in an explicit muc.host when several hosts are served", () => {
    const error = resolveError({ hosts: ["a.example", "b.example"], muc: { host: "conference.a.example" } });
    expect(error.message).toBe("muc.host: must contain @HOST@ when several hosts are served");
  });

  it("rejects a MUC host that is also a served host", () => {
    expect(resolveError({ hosts: ["a.example", "conference.a.example"] }).issues[0]?.path).toBe("muc.host");
  });

  it("resolves relative paths against cwd", () => {
    const config = resolveConfig(
      { data_dir: "var", database: { url: "sqlite:db/x.sqlite" }, tls: { cert_file: "c.pem", key_file: "/k.pem" } },
      {},
      CWD,
    );
    expect(config.data_dir).toBe("/srv/rtc/var");
    expect(config.database).toEqual({
      driver: "sqlite",
      url: "sqlite:/srv/rtc/db/x.sqlite",
      path: "/srv/rtc/db/x.sqlite",
    });
    expect(config.tls).toEqual({ cert_file: "/srv/rtc/c.pem", key_file: "/k.pem" });
    expect(config.listeners.https.cert_file).toBe("/srv/rtc/c.pem");
  });

  it("defaults the SQLite file into a configured data_dir", () => {
    expect(resolveConfig({ data_dir: "/var/lib/rtc" }, {}, CWD).database.url).toBe("sqlite:/var/lib/rtc/rtc.sqlite");
  });

  it("recognises in-memory SQLite and PostgreSQL URLs", () => {
    expect(resolveConfig({ database: { url: "sqlite::memory:" } }, {}, CWD).database).toEqual({
      driver: "sqlite",
      url: "sqlite::memory:",
      path: ":memory:",
    });
    const pg: Config["database"] = { driver: "postgres", url: "postgresql://postgres@127.0.0.1:5432/test" };
    expect(resolveConfig({ database: { url: pg.url } }, {}, CWD).database).toEqual(pg);
    expect(resolveConfig({ database: { url: "postgres://db/rtc" } }, {}, CWD).database.driver).toBe("postgres");
  });

  it("offers PLAIN only with JWT, appends ANONYMOUS, and honours per-listener lists", () => {
    const config = resolveConfig(
      {
        auth: { jwt: { key: "s3cret" }, anonymous: true },
        listeners: { c2s: { mechanisms: ["SCRAM-SHA-1", "PLAIN"] } },
      },
      {},
      CWD,
    );
    expect(config.auth.mechanisms).toEqual(["PLAIN", "ANONYMOUS"]);
    expect(config.listeners.http.mechanisms).toEqual(["PLAIN", "ANONYMOUS"]);
    expect(config.listeners.c2s.mechanisms).toEqual(["SCRAM-SHA-1", "PLAIN", "ANONYMOUS"]);
  });

  it("uses per-listener certificates over tls.*", () => {
    const config = resolveConfig(
      {
        tls: { cert_file: "/a.pem", key_file: "/a.key" },
        listeners: { https: { cert_file: "/b.pem", key_file: "/b.key" } },
      },
      {},
      CWD,
    );
    expect([config.listeners.https.cert_file, config.listeners.c2s.key_file]).toEqual(["/b.pem", "/a.key"]);
  });

  it("requires cert_file and key_file together", () => {
    expect(resolveError({ tls: { cert_file: "/a.pem" } }).message).toBe(
      "tls.key_file: cert_file and key_file must be set together",
    );
    expect(resolveError({ listeners: { c2s_tls: { key_file: "/a.key" } } }).issues[0]?.path).toBe(
      "listeners.c2s_tls.cert_file",
    );
  });

  it("turns listeners off with null or false and allows port 0 everywhere", () => {
    const config = resolveConfig(
      { listeners: { c2s: { port: 0 }, c2s_tls: { port: 0 }, http: { port: null }, https: { port: false } } },
      {},
      CWD,
    );
    expect(Object.values(config.listeners).map((listener) => listener.port)).toEqual([0, 0, null, null]);
  });

  it("rejects two listeners on the same fixed address", () => {
    const error = resolveError({ listeners: { https: { port: 5280 } } });
    expect(error.message).toBe("listeners.https.port: 127.0.0.1:5280 is also used by listeners.http");
  });
});

describe("webhook secrets (§7.9)", () => {
  it("falls back to hooks.secret for hooks, stats and translate", () => {
    const config = resolveConfig(
      {
        hooks: {
          secret: "shared",
          track_member: { url: "http://b/tm" },
          archive_message: { url: "http://b/a", secret: "own" },
        },
        stats: { url: "http://b/stats" },
        translate: { url: "http://t/translate" },
      },
      {},
      CWD,
    );
    expect(config.hooks.track_member).toEqual({ url: "http://b/tm", secret: "shared" });
    expect(config.hooks.archive_message).toEqual({ url: "http://b/a", secret: "own" });
    expect(config.hooks.message_audit).toEqual({ url: null, secret: "shared" });
    expect([config.stats.secret, config.translate.secret]).toEqual(["shared", "shared"]);
  });

  it("refuses to start when a hook has a URL and no secret", () => {
    const error = resolveError({ hooks: { history_access: { url: "http://b/h" } }, stats: { url: "http://b/s" } });
    expect(error.issues.map((issue) => issue.path)).toEqual(["hooks.history_access.secret", "stats.secret"]);
  });
});
