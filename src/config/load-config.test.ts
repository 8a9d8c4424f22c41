// Unit tests of loadConfig: a real YAML file from a temp dir via --config and RTC_CONFIG, precedence between
// them, and file-level errors (missing file, bad YAML, invalid keys attributed to the file).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CONFIG_ERROR_CODES, ConfigError } from "./config-error.js";
import { configPathFromArgv, loadConfig } from "./load-config.js";

const dir = mkdtempSync(join(tmpdir(), "rtc-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(name: string, yaml: string): string {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
}

function loadError(options: Parameters<typeof loadConfig>[0]): ConfigError {
  try {
    loadConfig(options);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

const SAMPLE = `
profile: standard
hosts: [chat.example.com]
data_dir: ./state
listeners:
  c2s: { host: 0.0.0.0, port: 0 }
  https: { port: false }
c2s:
  max_user_sessions: 3
api:
  trusted_networks: [10.0.0.0/8]
`;

describe("loadConfig", () => {
  it("uses all defaults when no file is named", () => {
    const config = loadConfig({ argv: [], env: {}, cwd: dir });
    expect(config.hosts).toEqual(["localhost"]);
    expect(config.data_dir).toBe(join(dir, "data"));
  });

  it("loads a YAML file named with --config FILE, relative to cwd", () => {
    writeConfig("sample.yaml", SAMPLE);
    const config = loadConfig({ argv: ["--config", "sample.yaml"], env: {}, cwd: dir });
    expect(config.profile).toBe("standard");
    expect(config.hosts).toEqual(["chat.example.com"]);
    expect(config.muc.host).toBe("conference.chat.example.com");
    expect(config.data_dir).toBe(join(dir, "state"));
    expect(config.database.url).toBe(`sqlite:${join(dir, "state", "rtc.sqlite")}`);
    const { c2s, https } = config.listeners;
    expect([c2s.host, c2s.port, https.port]).toEqual(["0.0.0.0", 0, null]);
    expect(config.c2s.max_user_sessions).toBe(3);
    expect(config.api.trusted_networks).toEqual(["10.0.0.0/8"]);
  });

  it("loads the file named by RTC_CONFIG and still applies env overrides", () => {
    const path = writeConfig("env.yaml", SAMPLE);
    const config = loadConfig({ argv: [], env: { RTC_CONFIG: path, RTC_DOMAIN: "other.example" }, cwd: "/" });
    expect(config.c2s.max_user_sessions).toBe(3);
    expect(config.hosts).toEqual(["other.example"]);
    expect(config.admins).toEqual(["admin@other.example"]);
  });

  it("prefers --config=FILE over RTC_CONFIG", () => {
    const cli = writeConfig("cli.yaml", "c2s: { max_user_sessions: 7 }\n");
    const env = writeConfig("env2.yaml", "c2s: { max_user_sessions: 8 }\n");
    const config = loadConfig({ argv: [`--config=${cli}`], env: { RTC_CONFIG: env }, cwd: dir });
    expect(config.c2s.max_user_sessions).toBe(7);
  });

  it("accepts an empty file", () => {
    const path = writeConfig("empty.yaml", "# nothing configured\n");
    expect(loadConfig({ argv: ["--config", path], env: {}, cwd: dir }).profile).toBe("ethora");
  });

  it("names the file and the key path of an invalid value", () => {
    const path = writeConfig("bad.yaml", "c2s:\n  max_user_sessions: many\n");
    const error = loadError({ argv: ["--config", path], env: {}, cwd: dir });
    expect(error.file).toBe(path);
    expect(error.message).toBe(`c2s.max_user_sessions: expected number, received string (${path})`);
  });

  it("names an unknown key found in the file", () => {
    const path = writeConfig("unknown.yaml", "muc:\n  message_rate: { per_second: 5, brust: 9 }\n");
    const error = loadError({ argv: ["--config", path], env: {}, cwd: dir });
    expect(error.code).toBe(CONFIG_ERROR_CODES.unknownKey);
    expect(error.issues[0]?.path).toBe("muc.message_rate.brust");
  });

  it("stops on a missing file, with the file name", () => {
    const path = join(dir, "absent.yaml");
    const error = loadError({ argv: [], env: { RTC_CONFIG: path }, cwd: dir });
    expect(error.code).toBe(CONFIG_ERROR_CODES.file);
    expect(error.message).toContain("ENOENT");
    expect(error.message).toContain(path);
  });

  it("stops on invalid YAML and on duplicate keys", () => {
    const broken = writeConfig("broken.yaml", "hosts: [a.example\n");
    expect(loadError({ argv: ["--config", broken], env: {}, cwd: dir }).message).toContain("invalid YAML");
    const duplicate = writeConfig("dup.yaml", "c2s:\n  max_user_sessions: 1\n  max_user_sessions: 2\n");
    expect(loadError({ argv: ["--config", duplicate], env: {}, cwd: dir }).code).toBe(CONFIG_ERROR_CODES.file);
  });
});

describe("configPathFromArgv", () => {
  it("reads --config FILE and --config=FILE and ignores other arguments", () => {
    expect(configPathFromArgv(["--verbose", "--config", "a.yaml"])).toBe("a.yaml");
    expect(configPathFromArgv(["--config=b.yaml", "x"])).toBe("b.yaml");
    expect(configPathFromArgv(["start"])).toBeUndefined();
  });

  it("rejects --config without a value", () => {
    expect(() => configPathFromArgv(["--config"])).toThrow(ConfigError);
    expect(() => configPathFromArgv(["--config", "--verbose"])).toThrow(ConfigError);
    expect(() => configPathFromArgv(["--config="])).toThrow(ConfigError);
  });
});
