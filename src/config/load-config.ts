// loadConfig: find the YAML config file (`--config FILE`, else RTC_CONFIG), parse it and resolve it into a Config.
// No file at all means "all defaults"; a named file that cannot be read or parsed stops the start.
import { readFileSync } from "node:fs";
import { YAMLParseError, parse as parseYaml } from "yaml";
import { CONFIG_ERROR_CODES, ConfigError } from "./config-error.js";
import type { Config } from "./config.types.js";
import { absolutePath } from "./resolve-sections.js";
import { resolveConfig } from "./resolve-config.js";

// Other code imports the public config API from this file.
export { ConfigError } from "./config-error.js";
export type * from "./config.types.js";
export { resolveConfig } from "./resolve-config.js";

export interface LoadConfigOptions {
  /** Command-line arguments after the script name; default `process.argv.slice(2)`. */
  argv?: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

function fileError(file: string, message: string, cause?: unknown): ConfigError {
  const issues = [{ code: CONFIG_ERROR_CODES.file, path: file, message }];
  return new ConfigError(issues, file, cause === undefined ? undefined : { cause });
}

/** The value of `--config FILE` / `--config=FILE` (the last one wins), or undefined. */
export function configPathFromArgv(argv: readonly string[]): string | undefined {
  let path: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg.startsWith("--config=")) {
      path = arg.slice("--config=".length);
    } else if (arg === "--config") {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) {
        throw new ConfigError([{ code: CONFIG_ERROR_CODES.file, path: "--config", message: "expected a file path" }]);
      }
      path = next;
      i++;
    }
  }
  if (path === "") throw new ConfigError([{ code: CONFIG_ERROR_CODES.file, path: "--config", message: "empty path" }]);
  return path;
}

/** Reads and parses a YAML file into a plain value; errors carry the file name and YAML position. */
export function readYamlFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason = error instanceof Error && "code" in error ? String(error.code) : String(error);
    throw fileError(file, `cannot read config file (${reason})`, error);
  }
  try {
    // uniqueKeys: a key given twice is almost always a mistake; YAML 1.2 core schema (no yes/no booleans).
    return parseYaml(text, { uniqueKeys: true, prettyErrors: true });
  } catch (error) {
    if (error instanceof YAMLParseError) throw fileError(file, `invalid YAML: ${error.message}`, error);
    throw error;
  }
}

/** Loads the configuration for a server start. Throws ConfigError. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const argv = options.argv ?? process.argv.slice(2);
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const named = configPathFromArgv(argv) ?? (env["RTC_CONFIG"] === "" ? undefined : env["RTC_CONFIG"]);
  if (named === undefined) return resolveConfig(undefined, env, cwd);
  const file = absolutePath(cwd, named);
  const raw = readYamlFile(file);
  try {
    return resolveConfig(raw, env, cwd);
  } catch (error) {
    throw error instanceof ConfigError ? error.inFile(file) : error;
  }
}
