// Checks that docs/configuration.md documents every key of the config file schema and every environment variable
// (DESIGN.md §2.8: config is documented from the same schema), and that documented defaults match the code.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { configFileSchema } from "./config.schema.js";
import { ENV_VARS } from "./env-overrides.js";
import { DEFAULT_PORTS, DEFAULT_ROOM_OPTIONS } from "./profile-defaults.js";
import { resolveConfig } from "./resolve-config.js";
import { listKeyPaths } from "./schema-keys.js";

const docs = readFileSync(fileURLToPath(new URL("../../docs/configuration.md", import.meta.url)), "utf8");

/** `listeners.c2s.host` may be documented as `listeners.<name>.host`, `hooks.x.url` as `hooks.<name>.url`. */
function documentedForms(path: string): string[] {
  const generic = path.replace(/^(listeners|hooks)\.[a-z0-9_]+\.(?=[a-z_]+$)/u, "$1.<name>.");
  return [`\`${path}\``, `\`${generic}\``];
}

/** The table row that documents `path` (first cell), or undefined. */
function rowOf(path: string): string | undefined {
  return docs.split("\n").find((line) => line.startsWith(`| \`${path}\``));
}

describe("docs/configuration.md", () => {
  it("lists the schema walk's keys (sanity check of the walk itself)", () => {
    const paths = listKeyPaths(configFileSchema);
    expect(paths).toContain("c2s.max_user_sessions");
    expect(paths).toContain("muc.default_room_options.e2ee");
    expect(paths).toContain("hooks.message_audit.secret");
    expect(paths).not.toContain("muc");
  });

  it("documents every config key", () => {
    const isDocumented = (path: string) => documentedForms(path).some((form) => docs.includes(form));
    const missing = listKeyPaths(configFileSchema).filter((path) => !isDocumented(path));
    expect(missing).toEqual([]);
  });

  it("documents every environment variable", () => {
    const missing = Object.keys(ENV_VARS).filter((name) => !docs.includes(`| \`${name}\` |`));
    expect(missing).toEqual([]);
  });

  it("documents the default listener ports", () => {
    for (const [name, port] of Object.entries(DEFAULT_PORTS)) {
      expect(rowOf(`listeners.${name}.port`)).toContain(`| \`${port}\` |`);
    }
  });

  it("documents the §3.2 room option defaults", () => {
    for (const [option, value] of Object.entries(DEFAULT_ROOM_OPTIONS)) {
      const shown = value === null ? "`null`" : value === "" ? '`""`' : `\`${String(value)}\``;
      expect(rowOf(`muc.default_room_options.${option}`)).toContain(`| ${shown}`);
    }
  });

  it("shows an example file that is a valid configuration", () => {
    const example = /```yaml\n([\s\S]*?)```/u.exec(docs)?.[1];
    expect(example).toBeDefined();
    const config = resolveConfig(parseYaml(example ?? ""), {}, "/");
    expect(config.api.trusted_networks).toEqual(["127.0.0.1/32", "::1/128", "10.0.0.0/8"]);
    expect(config.listeners.https.port).toBeNull();
    expect(config.hooks.track_member.secret).toBe("change-me-too");
  });
});
