// ConfigError, the one error that stops the start on bad configuration, and the translation of zod issues into
// "key.path: what is wrong" lines (DESIGN.md §1 rule 8: fail at startup; §2.6: stable error codes).
import type { z } from "zod";
import { knownKeysAt } from "./schema-keys.js";

export const CONFIG_ERROR_CODES = {
  unknownKey: "XS_ERR_CONFIG_UNKNOWN_KEY",
  invalidValue: "XS_ERR_CONFIG_INVALID_VALUE",
  file: "XS_ERR_CONFIG_FILE",
} as const;
export type ConfigErrorCode = (typeof CONFIG_ERROR_CODES)[keyof typeof CONFIG_ERROR_CODES];

export interface ConfigIssue {
  code: ConfigErrorCode;
  /**
   * `c2s.max_user_sessions`, `api.trusted_networks[1]`, an env var name with its key, `(root)`, `--config`,
   * or the file itself for file errors.
   */
  path: string;
  message: string;
}

/** Thrown by loadConfig/resolveConfig; the message names every offending key path. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code: ConfigErrorCode;
  readonly issues: readonly ConfigIssue[];
  readonly file: string | null;

  constructor(issues: readonly ConfigIssue[], file: string | null = null, options?: ErrorOptions) {
    super(formatMessage(issues, file), options);
    this.issues = issues;
    this.file = file;
    this.code = issues[0]?.code ?? CONFIG_ERROR_CODES.invalidValue;
  }

  /** Same issues, attributed to a config file. */
  inFile(file: string): ConfigError {
    return new ConfigError(this.issues, file, { cause: this.cause });
  }
}

function formatMessage(issues: readonly ConfigIssue[], file: string | null): string {
  const lines = issues.map((issue) => `${issue.path}: ${issue.message}`);
  const where = file === null ? "" : ` in ${file}`;
  if (lines.length === 1) {
    const named = file === null || issues[0]?.path === file;
    return `${lines[0] ?? ""}${named ? "" : ` (${file})`}`;
  }
  return `${lines.length} configuration errors${where}:\n  ${lines.join("\n  ")}`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out === "" ? "(root)" : out;
}

function describeInput(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "array";
  return typeof input;
}

/** Zod's built-in messages start like this; a schema's own message (a custom `error`) is kept as written. */
const ZOD_DEFAULT_MESSAGE = /^(Invalid input|Invalid option|Too small|Too big)/u;

function describeIssue(issue: z.core.$ZodIssue): string {
  if (!ZOD_DEFAULT_MESSAGE.test(issue.message)) return issue.message;
  switch (issue.code) {
    case "invalid_type": {
      const expected = issue.expected === "int" ? "integer" : issue.expected;
      const received = "input" in issue ? describeInput(issue.input) : "undefined";
      return received === "number" && expected === "integer"
        ? `expected integer, received ${String(issue.input)}`
        : `expected ${expected}, received ${received}`;
    }
    case "too_small":
      if (issue.origin === "string") return "must not be empty";
      if (issue.origin === "array") return `must have at least ${String(issue.minimum)} item(s)`;
      return `must be ${issue.inclusive === false ? ">" : ">="} ${String(issue.minimum)}`;
    case "too_big":
      return `must be ${issue.inclusive === false ? "<" : "<="} ${String(issue.maximum)}`;
    case "invalid_value":
      const choices = issue.values.map((v) => JSON.stringify(v)).join(", ");
      return `expected one of ${choices}, received ${JSON.stringify(issue.input)}`;
    default:
      return issue.message;
  }
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
  const best = known
    .map((candidate) => ({ candidate, distance: levenshtein(key, candidate) }))
    .sort((x, y) => x.distance - y.distance)[0];
  const hint = best !== undefined && best.distance <= Math.max(2, Math.floor(key.length / 4));
  return hint ? `unknown key (did you mean "${best.candidate}"?)` : "unknown key";
}

/** Turns zod issues for `schema` into ConfigIssues; unknown keys get one issue each, with a spelling hint. */
export function issuesFromZod(
  error: z.ZodError,
  schema: z.ZodType,
  prefix: readonly PropertyKey[] = [],
): ConfigIssue[] {
  return error.issues.flatMap((issue): ConfigIssue[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(schema, issue.path);
      return issue.keys.map((key) => ({
        code: CONFIG_ERROR_CODES.unknownKey,
        path: formatPath([...path, key]),
        message: unknownKeyMessage(key, known),
      }));
    }
    return [{ code: CONFIG_ERROR_CODES.invalidValue, path: formatPath(path), message: describeIssue(issue) }];
  });
}
