import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { packageVersion } from "./version.module.js";

describe("packageVersion", () => {
  let temp: string | undefined;
  afterEach(() => {
    if (temp !== undefined) rmSync(temp, { recursive: true, force: true });
  });

  it("finds the repository's package.json from the module's folder", async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const pkg = JSON.parse(readFileSync(join(here, "../../../package.json"), "utf8")) as { version: string };
    expect(await packageVersion(here)).toBe(pkg.version);
  });

  it("skips package.json files of other packages on the way up", async () => {
    temp = mkdtempSync(join(tmpdir(), "rtc-version-"));
    const nested = join(temp, "dist", "modules", "version");
    mkdirSync(nested, { recursive: true });
    writeFileSync(join(temp, "package.json"), JSON.stringify({ name: "rtc-server", version: "9.8.7" }));
    writeFileSync(join(temp, "dist", "package.json"), JSON.stringify({ type: "module" }));
    expect(await packageVersion(nested)).toBe("9.8.7");
  });
});
