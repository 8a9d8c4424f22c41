/**
 * XEP-0092 Software Version for the server host: name `rtc-server` and the version of package.json,
 * read once at start. No `<os/>` (XEP-0092 §3: optional, and it tells attackers too much).
 */
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineModule } from "../../core/module.js";
import { elementCodec } from "../../core/codec.js";
import { el } from "../../xml/element.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";

export const SOFTWARE_NAME = "rtc-server";

export const versionModule = defineModule({
  name: "version",
  features: [NS.version],

  setup(ctx) {
    let version = "unknown";
    ctx.onStart(async () => {
      version = await packageVersion(dirname(fileURLToPath(import.meta.url)));
    });
    ctx.iq.handle("get", elementCodec("query", NS.version), (_query, iq) => {
      // Accounts' bare JIDs do not answer for their clients (RFC 6120 §10.3.3).
      if (iq.to.local !== "") throw new StanzaError("service-unavailable");
      return el("query", { xmlns: NS.version }, el("name", null, SOFTWARE_NAME), el("version", null, version));
    });
  },
});

/** The version of the nearest package.json named rtc-server above `dir` (src/ or dist/ layouts alike). */
export async function packageVersion(dir: string): Promise<string> {
  for (let current = dir; ; current = dirname(current)) {
    const text = await readFile(join(current, "package.json"), "utf8").catch(() => undefined);
    if (text !== undefined) {
      const pkg = JSON.parse(text) as { name?: unknown; version?: unknown };
      if (pkg.name === SOFTWARE_NAME && typeof pkg.version === "string") return pkg.version;
    }
    if (dirname(current) === current) return "unknown";
  }
}
