import { describe, expect, it } from "vitest";
import {
  deriveScramCredentials,
  deriveScramCredentialsWithSalt,
  isScramCredentials,
  saltedPassword,
  verifyPassword,
} from "./scram-credentials.js";
import { SaslPrepError } from "./saslprep.js";

describe("saltedPassword", () => {
  it("matches the RFC 5802 §5 SCRAM-SHA-1 SaltedPassword for user/pencil", async () => {
    const salted = await saltedPassword("sha1", "pencil", Buffer.from("QSXCR+Q6sek8bf92", "base64"), 4096);
    expect(salted.toString("hex")).toBe("1d96ee3a529b5a5f9e47c01f229a2cb8a6e15f7d");
  });
});

describe("deriveScramCredentials", () => {
  it("produces a random 16-byte salt, 4096 iterations and keys of the right sizes", async () => {
    const a = await deriveScramCredentials("pencil");
    const b = await deriveScramCredentials("pencil");
    expect(Buffer.from(a.salt, "base64")).toHaveLength(16);
    expect(a.salt).not.toBe(b.salt);
    expect(a.sha1.storedKey).not.toBe(b.sha1.storedKey);
    expect(a.iterations).toBe(4096);
    expect(Buffer.from(a.sha1.storedKey, "base64")).toHaveLength(20);
    expect(Buffer.from(a.sha1.serverKey, "base64")).toHaveLength(20);
    expect(Buffer.from(a.sha256.storedKey, "base64")).toHaveLength(32);
    expect(Buffer.from(a.sha256.serverKey, "base64")).toHaveLength(32);
    expect(isScramCredentials(JSON.parse(JSON.stringify(a)))).toBe(true);
  });

  it("is deterministic for a given salt", async () => {
    const salt = Buffer.alloc(16, 7);
    const a = await deriveScramCredentialsWithSalt("secret", salt, 4096);
    const b = await deriveScramCredentialsWithSalt("secret", salt, 4096);
    expect(a).toEqual(b);
  });

  it("rejects iteration counts below 4096 and empty or prohibited passwords", async () => {
    await expect(deriveScramCredentials("pencil", 1000)).rejects.toThrow(RangeError);
    await expect(deriveScramCredentials("pencil", 4096.5)).rejects.toThrow(RangeError);
    await expect(deriveScramCredentials("")).rejects.toThrow(SaslPrepError);
    await expect(deriveScramCredentials("\u00AD")).rejects.toThrow(SaslPrepError);
    await expect(deriveScramCredentials("a\u0000b")).rejects.toThrow(SaslPrepError);
  });
});

describe("verifyPassword", () => {
  it("accepts the right password and rejects others", async () => {
    const creds = await deriveScramCredentials("correct horse");
    expect(await verifyPassword(creds, "correct horse")).toBe(true);
    expect(await verifyPassword(creds, "correct horsE")).toBe(false);
    expect(await verifyPassword(creds, "")).toBe(false);
  });

  it("applies SASLprep on both sides", async () => {
    const creds = await deriveScramCredentials("I\u00ADX");
    expect(await verifyPassword(creds, "IX")).toBe(true);
    expect(await verifyPassword(creds, "\u2168")).toBe(true);
    expect(await verifyPassword(creds, "a\u0007")).toBe(false);
  });

  it("uses only SHA-1 keys, and returns false for malformed credentials instead of throwing", async () => {
    const creds = await deriveScramCredentials("pw");
    const noSha256 = { ...creds, sha256: { storedKey: "", serverKey: "" } };
    expect(await verifyPassword(noSha256, "pw")).toBe(true);
    expect(await verifyPassword({ ...creds, sha1: { storedKey: "AAAA", serverKey: "" } }, "pw")).toBe(false);
    expect(await verifyPassword({ ...creds, iterations: 0 }, "pw")).toBe(false);
    expect(await verifyPassword({ ...creds, iterations: 1e12 }, "pw")).toBe(false);
  });
});

describe("isScramCredentials", () => {
  it("rejects incomplete shapes", () => {
    expect(isScramCredentials(null)).toBe(false);
    expect(isScramCredentials({ salt: "x", iterations: 4096, sha1: { storedKey: "a", serverKey: "b" } })).toBe(false);
    expect(isScramCredentials({ salt: "x", iterations: "4096", sha1: {}, sha256: {} })).toBe(false);
  });
});
