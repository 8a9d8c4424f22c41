import { describe, expect, it } from "vitest";
import type { PinnedExclusion } from "../../config/config.types.js";
import { appOf, isRegularUser, isValidAppId } from "./app-users.js";

const ALL: ReadonlySet<PinnedExclusion> = new Set(["system", "bot", "widget"]);

describe("App users (PROTOCOL §1.6, §1.7)", () => {
  it("derives the App from the text before the first underscore", () => {
    expect(appOf("65f0a1_alice")).toBe("65f0a1");
    expect(appOf("65f0a1_a_b")).toBe("65f0a1");
    expect(appOf("admin")).toBeUndefined();
    expect(appOf("_x")).toBeUndefined();
  });

  it("excludes the system account, bots and widget visitors unless told otherwise", () => {
    expect(isRegularUser("65f0a1_alice", "65f0a1", ALL)).toBe(true);
    expect(isRegularUser("77aa00_alice", "65f0a1", ALL)).toBe(false);
    expect(isRegularUser("65f0a1_", "65f0a1", ALL)).toBe(false);
    expect(isRegularUser("65f0a1_65f0a1", "65f0a1", ALL)).toBe(false);
    expect(isRegularUser("65f0a1_helper-bot", "65f0a1", ALL)).toBe(false);
    expect(isRegularUser("65f0a1_widget-0123", "65f0a1", ALL)).toBe(false);
    const none: ReadonlySet<PinnedExclusion> = new Set();
    expect(isRegularUser("65f0a1_65f0a1", "65f0a1", none)).toBe(true);
    expect(isRegularUser("65f0a1_helper-bot", "65f0a1", new Set<PinnedExclusion>(["system", "widget"]))).toBe(true);
    expect(isRegularUser("65f0a1_widget-0123", "65f0a1", new Set<PinnedExclusion>(["bot"]))).toBe(true);
  });

  it("refuses appIds with `_` or `@` (§8.6)", () => {
    expect(isValidAppId("65f0a1")).toBe(true);
    expect(isValidAppId("a_b")).toBe(false);
    expect(isValidAppId("a@b")).toBe(false);
    expect(isValidAppId("")).toBe(false);
  });
});
