import { describe, expect, it } from "vitest";
import { randomHex } from "./random-hex.js";

describe("randomHex", () => {
  it("gives hex of the asked length, never the same id twice, across pool refills", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = randomHex(8);
      expect(id).toMatch(/^[0-9a-f]{16}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(2000);
  });

  it("spreads over every hex digit (not a counter)", () => {
    const digits = new Set(Array.from({ length: 200 }, () => randomHex(16)).join(""));
    expect(digits.size).toBe(16);
  });
});
