// Unit tests of config file validation: unknown keys and wrong types stop the start with the key path (issue
// "config"), and field normalisation (hosts, CIDRs, ports, JWT keys).
import { describe, expect, it } from "vitest";
import { CONFIG_ERROR_CODES, ConfigError } from "./config-error.js";
import { parseConfigFile } from "./resolve-config.js";

function errorOf(raw: unknown): ConfigError {
  try {
    parseConfigFile(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("config file schema", () => {
  it("rejects an unknown top-level key with its name as the path", () => {
    const error = errorOf({ hostz: ["a.example"] });
    expect(error.code).toBe(CONFIG_ERROR_CODES.unknownKey);
    expect(error.issues).toEqual([
      { code: CONFIG_ERROR_CODES.unknownKey, path: "hostz", message: 'unknown key (did you mean "hosts"?)' },
    ]);
  });

  it("rejects an unknown nested key with the full dotted path", () => {
    const error = errorOf({ c2s: { max_user_session: 3 } });
    expect(error.message).toContain("c2s.max_user_session: unknown key");
    expect(error.message).toContain('did you mean "max_user_sessions"');
  });

  it("rejects unknown keys inside listeners and room options", () => {
    const error = errorOf({ listeners: { http: { bind: "0.0.0.0" } }, muc: { default_room_options: { color: 1 } } });
    expect(error.issues.map((issue) => issue.path)).toEqual(["listeners.http.bind", "muc.default_room_options.color"]);
  });

  it("rejects a listener section that does not exist", () => {
    expect(errorOf({ listeners: { s2s: { port: 5269 } } }).issues[0]?.path).toBe("listeners.s2s");
  });

  it("rejects cert_file on the plain HTTP listener", () => {
    expect(errorOf({ listeners: { http: { cert_file: "a.pem" } } }).issues[0]?.path).toBe("listeners.http.cert_file");
  });

  it("names the key path and both types when a value has the wrong type", () => {
    const error = errorOf({ c2s: { max_user_sessions: "10" } });
    expect(error.code).toBe(CONFIG_ERROR_CODES.invalidValue);
    expect(error.message).toBe("c2s.max_user_sessions: expected number, received string");
  });

  it("names array items by index", () => {
    const error = errorOf({ api: { trusted_networks: ["10.0.0.0/8", "10.0.0.0/33"] } });
    expect(error.issues[0]?.path).toBe("api.trusted_networks[1]");
    expect(error.issues[0]?.message).toContain("invalid CIDR");
  });

  it("reports every problem of a file at once", () => {
    const error = errorOf({ sm: { resume_timeout: -1 }, push: { enabled: "yes" }, bogus: true });
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(["bogus", "push.enabled", "sm.resume_timeout"]);
    expect(error.message).toMatch(/^3 configuration errors:/u);
  });

  it("rejects non-integer and out-of-range numbers", () => {
    expect(errorOf({ c2s: { max_stanza_size: 1.5 } }).message).toBe(
      "c2s.max_stanza_size: expected integer, received 1.5",
    );
    expect(errorOf({ c2s: { max_user_sessions: 0 } }).message).toBe("c2s.max_user_sessions: must be >= 1");
    expect(errorOf({ auth: { scram_iterations: 1000 } }).message).toBe("auth.scram_iterations: must be >= 4096");
  });

  it("rejects a value outside an enumeration and lists the choices", () => {
    expect(errorOf({ muc: { access_create: "everyone" } }).message).toBe(
      'muc.access_create: expected one of "admin", "local", "all", received "everyone"',
    );
    expect(errorOf({ profile: "plain" }).issues[0]?.path).toBe("profile");
  });

  it("rejects a non-mapping document", () => {
    expect(errorOf("hosts: x").message).toBe("(root): expected object, received string");
    expect(errorOf([1]).message).toBe("(root): expected object, received array");
  });

  it("treats an empty document (null) as a file with no keys", () => {
    expect(parseConfigFile(null)).toEqual({});
  });

  it("accepts ports 0, null and false, and rejects out-of-range ports", () => {
    const file = parseConfigFile({ listeners: { c2s: { port: 0 }, c2s_tls: { port: null }, http: { port: false } } });
    expect(file.listeners).toEqual({ c2s: { port: 0 }, c2s_tls: { port: null }, http: { port: null } });
    expect(errorOf({ listeners: { https: { port: 70000 } } }).issues[0]?.path).toBe("listeners.https.port");
    expect(errorOf({ listeners: { https: { port: "5443" } } }).issues[0]?.message).toContain("expected a port");
  });

  it("lowercases host names and rejects malformed ones", () => {
    expect(parseConfigFile({ hosts: ["Chat.Example.COM"] }).hosts).toEqual(["chat.example.com"]);
    expect(errorOf({ hosts: [""] }).issues[0]?.path).toBe("hosts[0]");
    expect(errorOf({ hosts: ["user@example.com"] }).issues[0]?.path).toBe("hosts[0]");
    expect(errorOf({ hosts: [] }).message).toBe("hosts: must have at least 1 item(s)");
  });

  it("rejects duplicate hosts after lowercasing", () => {
    expect(errorOf({ hosts: ["a.example", "A.example"] }).message).toBe('hosts[1]: duplicate value "a.example"');
  });

  it("normalises trusted networks and accepts bare addresses", () => {
    const file = parseConfigFile({ api: { trusted_networks: ["10.1.0.0/16", "FD00::/8", "192.168.1.5", "::1"] } });
    expect(file.api?.trusted_networks).toEqual(["10.1.0.0/16", "fd00::/8", "192.168.1.5/32", "::1/128"]);
    expect(errorOf({ api: { trusted_networks: ["localhost/8"] } }).issues[0]?.path).toBe("api.trusted_networks[0]");
  });

  it("accepts an inline oct JWK as auth.jwt.key and keeps it as JSON text", () => {
    const file = parseConfigFile({ auth: { jwt: { key: { kty: "oct", k: "c2VjcmV0" } } } });
    expect(JSON.parse(file.auth?.jwt?.key ?? "null")).toEqual({ kty: "oct", k: "c2VjcmV0" });
    expect(errorOf({ auth: { jwt: { key: { kty: "RSA", n: "x" } } } }).issues[0]?.path).toBe("auth.jwt.key");
  });

  it("rejects asymmetric and none JWT algorithms", () => {
    const asymmetric = errorOf({ auth: { jwt: { algorithms: ["HS256", "RS256"] } } });
    expect(asymmetric.issues[0]?.path).toBe("auth.jwt.algorithms[1]");
    expect(errorOf({ auth: { jwt: { algorithms: ["none"] } } }).issues[0]?.path).toBe("auth.jwt.algorithms[0]");
  });

  it("refuses ANONYMOUS in a mechanism list and points to auth.anonymous", () => {
    const error = errorOf({ auth: { mechanisms: ["PLAIN", "ANONYMOUS"] } });
    expect(error.message).toBe("auth.mechanisms[1]: ANONYMOUS is enabled with auth.anonymous, not listed here");
  });

  it("accepts only http(s) webhook URLs", () => {
    expect(errorOf({ offline_post: { common_post_url: "ftp://x.example/push" } }).issues[0]?.path).toBe(
      "offline_post.common_post_url",
    );
    expect(parseConfigFile({ hooks: { track_member: { url: "http://backend:8080/v1" } } }).hooks).toEqual({
      track_member: { url: "http://backend:8080/v1" },
    });
  });

  it("accepts @HOST@ in muc.host in any case and rejects an empty MUC host", () => {
    expect(parseConfigFile({ muc: { host: "Rooms.@host@" } }).muc?.host).toBe("rooms.@HOST@");
    expect(errorOf({ muc: { host: " " } }).issues[0]?.path).toBe("muc.host");
  });

  it("rejects unsupported database URLs", () => {
    expect(errorOf({ database: { url: "mysql://db/rtc" } }).issues[0]?.path).toBe("database.url");
  });
});
