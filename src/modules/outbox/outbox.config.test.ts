// The outbox's config: `outbox.retry_base_ms` (Extension, default 1000 = §7.9's "first 1 s") and the §7.9 rule that
// a webhook URL without any secret stops the start; plus which hooks the module treats as enabled.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../config/config-error.js";
import { resolveConfig } from "../../config/resolve-config.js";
import { webhookTarget } from "./outbox.module.js";

describe("outbox config", () => {
  it("defaults outbox.retry_base_ms to 1000 and accepts a smaller value", () => {
    expect(resolveConfig(undefined, {}, "/").outbox.retry_base_ms).toBe(1000);
    expect(resolveConfig({ outbox: { retry_base_ms: 20 } }, {}, "/").outbox.retry_base_ms).toBe(20);
  });

  it.each([0, -5, 1.5, "fast"])("refuses outbox.retry_base_ms %s", (value) => {
    expect(() => resolveConfig({ outbox: { retry_base_ms: value } }, {}, "/")).toThrow(ConfigError);
  });

  it("refuses an unknown outbox key", () => {
    expect(() => resolveConfig({ outbox: { timeout_ms: 5 } }, {}, "/")).toThrow(ConfigError);
  });

  it("refuses to start when a hook or stats URL has no secret at all (§7.9 Secret)", () => {
    expect(() => resolveConfig({ hooks: { track_member: { url: "http://b/tm" } } }, {}, "/")).toThrow(/hooks\.track_member\.secret/);
    expect(() => resolveConfig({ stats: { url: "http://b/s" } }, {}, "/")).toThrow(/stats\.secret/);
  });

  it("resolves each hook's target with its secret and hooks.max_age_s; none without a URL", () => {
    const config = resolveConfig(
      { hooks: { secret: "shared", max_age_s: 120, track_member: { url: "http://b/tm" }, message_audit: { url: "http://b/au", secret: "own" } }, stats: { url: "http://b/s", secret: "st" } },
      {},
      "/",
    );
    expect(webhookTarget(config, "track_member")).toEqual({ url: "http://b/tm", secret: "shared", maxAgeS: 120 });
    expect(webhookTarget(config, "message_audit")).toEqual({ url: "http://b/au", secret: "own", maxAgeS: 120 });
    expect(webhookTarget(config, "stats")).toEqual({ url: "http://b/s", secret: "st", maxAgeS: 120 });
    expect(webhookTarget(config, "history_access")).toBeUndefined();
  });
});
