import { describe, expect, it } from "vitest";
import { SaslPrepError, saslPrep } from "./saslprep.js";

describe("saslPrep (RFC 4013 §3 examples and subset)", () => {
  it("removes SOFT HYPHEN (mapped to nothing)", () => {
    expect(saslPrep("I\u00ADX")).toBe("IX");
  });

  it("leaves ASCII untouched, including case", () => {
    expect(saslPrep("user")).toBe("user");
    expect(saslPrep("USER")).toBe("USER");
  });

  it("applies NFKC", () => {
    expect(saslPrep("\u00AA")).toBe("a");
    expect(saslPrep("\u2168")).toBe("IX");
  });

  it("maps non-ASCII spaces to SPACE", () => {
    expect(saslPrep("a\u00A0b\u3000c")).toBe("a b c");
  });

  it("rejects prohibited characters", () => {
    expect(() => saslPrep("\u0007")).toThrow(SaslPrepError);
    expect(() => saslPrep("a\u202Eb")).toThrow(SaslPrepError);
    expect(() => saslPrep("\uE000")).toThrow(SaslPrepError);
    expect(() => saslPrep("\uD800x")).toThrow(SaslPrepError);
    expect(() => saslPrep("\u{E0041}")).toThrow(SaslPrepError);
  });

  it("rejects unassigned code points only for stored strings", () => {
    const unassigned = "\u{E0080}"; // unassigned (between tag characters and variation selectors supplement)
    expect(saslPrep(unassigned)).toBe(unassigned);
    expect(() => saslPrep(unassigned, { stored: true })).toThrow(SaslPrepError);
  });
});
