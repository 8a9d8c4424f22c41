import { describe, expect, it } from "vitest";
import { type SaslAuthBackend, offeredMechanisms, startSaslExchange } from "./sasl-mechanism.js";
import { deriveScramCredentials } from "./scram-credentials.js";

describe("offeredMechanisms (PROTOCOL §2.2)", () => {
  it("defaults to SCRAM-SHA-256, SCRAM-SHA-1, PLAIN without JWT", () => {
    expect(offeredMechanisms({ jwtConfigured: false, anonymous: false })).toEqual(["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"]);
  });

  it("defaults to PLAIN only with JWT", () => {
    expect(offeredMechanisms({ jwtConfigured: true, anonymous: false })).toEqual(["PLAIN"]);
  });

  it("appends ANONYMOUS last when enabled", () => {
    expect(offeredMechanisms({ jwtConfigured: true, anonymous: true })).toEqual(["PLAIN", "ANONYMOUS"]);
    expect(offeredMechanisms({ jwtConfigured: false, anonymous: true })).toEqual([
      "SCRAM-SHA-256",
      "SCRAM-SHA-1",
      "PLAIN",
      "ANONYMOUS",
    ]);
  });

  it("uses a configured list as given (case-insensitive, deduplicated), ANONYMOUS only when enabled", () => {
    expect(offeredMechanisms({ mechanisms: ["plain", "SCRAM-SHA-1", "PLAIN"], jwtConfigured: true, anonymous: false })).toEqual([
      "PLAIN",
      "SCRAM-SHA-1",
    ]);
    expect(offeredMechanisms({ mechanisms: ["ANONYMOUS", "PLAIN"], jwtConfigured: false, anonymous: false })).toEqual(["PLAIN"]);
    expect(offeredMechanisms({ mechanisms: ["ANONYMOUS", "PLAIN"], jwtConfigured: false, anonymous: true })).toEqual([
      "PLAIN",
      "ANONYMOUS",
    ]);
  });

  it("throws on an unknown mechanism name", () => {
    expect(() => offeredMechanisms({ mechanisms: ["DIGEST-MD5"], jwtConfigured: false, anonymous: false })).toThrow(/DIGEST-MD5/);
  });
});

describe("startSaslExchange", () => {
  const backend: SaslAuthBackend = { host: "h.example", getCredentials: () => Promise.resolve(undefined) };

  it("ANONYMOUS succeeds at once with anon-<16 hex>, different each time, and only once", async () => {
    const ex = startSaslExchange("ANONYMOUS", backend);
    const first = await ex.step(null);
    const other = await startSaslExchange("ANONYMOUS", backend).step(Buffer.from("trace"));
    expect(first).toMatchObject({ kind: "success", viaToken: false });
    const local = first.kind === "success" ? first.localpart : "";
    expect(local).toMatch(/^anon-[0-9a-f]{16}$/);
    expect(other.kind === "success" ? other.localpart : "").not.toBe(local);
    expect(await ex.step(null)).toMatchObject({ kind: "failure", condition: "malformed-request" });
  });

  it("dispatches PLAIN and both SCRAM variants", async () => {
    const creds = await deriveScramCredentials("pw");
    const b: SaslAuthBackend = { host: "h.example", getCredentials: () => Promise.resolve(creds) };
    expect(await startSaslExchange("PLAIN", b).step(Buffer.from("\0u\0pw"))).toMatchObject({ kind: "success", localpart: "u" });
    const s1 = await startSaslExchange("SCRAM-SHA-1", b).step(Buffer.from("n,,n=u,r=abc"));
    const s256 = await startSaslExchange("SCRAM-SHA-256", b).step(Buffer.from("n,,n=u,r=abc"));
    const s1Text = s1.kind === "challenge" ? s1.data.toString() : "";
    expect(s1Text.startsWith("r=abc")).toBe(true);
    expect(s1Text.endsWith(`,s=${creds.salt},i=4096`)).toBe(true);
    expect(s256.kind).toBe("challenge");
  });
});
