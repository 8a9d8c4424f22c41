import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { JwtVerifier, createJwtVerifier, resolveJwtKey } from "./jwt-verifier.js";

const SECRET = "a-shared-secret-of-reasonable-length!";
const JID = "65f0a1_alice@chat.example.com";
const NOW_S = 1_767_225_600;
const clock = (): number => NOW_S * 1000;

async function token(
  claims: Record<string, unknown>,
  opts: { alg?: string; key?: Parameters<SignJWT["sign"]>[0] } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: opts.alg ?? "HS256" })
    .sign(opts.key ?? new TextEncoder().encode(SECRET));
}

const b64url = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString("base64url");

describe("JwtVerifier.looksLikeJws", () => {
  it("recognises three non-empty base64url segments", async () => {
    expect(JwtVerifier.looksLikeJws(await token({ jid: JID, exp: NOW_S }))).toBe(true);
    expect(JwtVerifier.looksLikeJws("abc.def.ghi")).toBe(true);
    expect(JwtVerifier.looksLikeJws("hunter2")).toBe(false);
    expect(JwtVerifier.looksLikeJws("a.b")).toBe(false);
    expect(JwtVerifier.looksLikeJws("a.b.")).toBe(false);
    expect(JwtVerifier.looksLikeJws("a.b.c.d")).toBe(false);
    expect(JwtVerifier.looksLikeJws("a+b.c.d")).toBe(false);
  });
});

describe("createJwtVerifier", () => {
  const verifier = createJwtVerifier({ key: SECRET, now: clock });

  it("accepts a valid HS256 token for the expected JID, ignoring case, resource and other claims", async () => {
    expect(await verifier.verify(await token({ jid: JID, exp: NOW_S + 60 }), JID)).toBe(true);
    const upper = await token({ jid: "65F0A1_Alice@Chat.Example.com/phone", exp: NOW_S + 60, foo: [1] });
    expect(await verifier.verify(upper, JID)).toBe(true);
  });

  it("applies exp with the leeway (default 30 s)", async () => {
    expect(await verifier.verify(await token({ jid: JID, exp: NOW_S - 30 }), JID)).toBe(true);
    expect(await verifier.verify(await token({ jid: JID, exp: NOW_S - 31 }), JID)).toBe(false);
    const strict = createJwtVerifier({ key: SECRET, now: clock, leewaySeconds: 0 });
    expect(await strict.verify(await token({ jid: JID, exp: NOW_S - 1 }), JID)).toBe(false);
    expect(await strict.verify(await token({ jid: JID, exp: NOW_S }), JID)).toBe(true);
  });

  it("requires exp and the jid claim", async () => {
    expect(await verifier.verify(await token({ jid: JID }), JID)).toBe(false);
    expect(await verifier.verify(await token({ jid: JID, exp: String(NOW_S + 60) }), JID)).toBe(false);
    expect(await verifier.verify(await token({ exp: NOW_S + 60 }), JID)).toBe(false);
    expect(await verifier.verify(await token({ jid: 42, exp: NOW_S + 60 }), JID)).toBe(false);
  });

  it("honours nbf", async () => {
    expect(await verifier.verify(await token({ jid: JID, exp: NOW_S + 600, nbf: NOW_S + 300 }), JID)).toBe(false);
    expect(await verifier.verify(await token({ jid: JID, exp: NOW_S + 600, nbf: NOW_S + 10 }), JID)).toBe(true);
    expect(await verifier.verify(await token({ jid: JID, exp: NOW_S + 600, nbf: NOW_S - 10 }), JID)).toBe(true);
  });

  it("rejects a token for another JID or signed with another key", async () => {
    expect(await verifier.verify(await token({ jid: "65f0a1_bob@chat.example.com", exp: NOW_S + 60 }), JID)).toBe(false);
    expect(await verifier.verify(await token({ jid: "65f0a1_alice@other.example", exp: NOW_S + 60 }), JID)).toBe(false);
    const other = await token({ jid: JID, exp: NOW_S + 60 }, { key: new TextEncoder().encode("other") });
    expect(await verifier.verify(other, JID)).toBe(false);
  });

  it("uses a custom jid_field", async () => {
    const v = createJwtVerifier({ key: SECRET, jidField: "sub", now: clock });
    expect(await v.verify(await token({ sub: JID, exp: NOW_S + 60 }), JID)).toBe(true);
    expect(await v.verify(await token({ jid: JID, exp: NOW_S + 60 }), JID)).toBe(false);
  });

  it("rejects alg none and asymmetric algorithms", async () => {
    const payload = b64url({ jid: JID, exp: NOW_S + 60 });
    expect(await verifier.verify(`${b64url({ alg: "none" })}.${payload}.`, JID)).toBe(false);
    expect(await verifier.verify(`${b64url({ alg: "none" })}.${payload}.AAAA`, JID)).toBe(false);
    const { privateKey } = await generateKeyPair("RS256");
    expect(await verifier.verify(await token({ jid: JID, exp: NOW_S + 60 }, { alg: "RS256", key: privateKey }), JID)).toBe(
      false,
    );
  });

  it("accepts HS512 only when listed", async () => {
    const hs512 = await token({ jid: JID, exp: NOW_S + 60 }, { alg: "HS512" });
    expect(await verifier.verify(hs512, JID)).toBe(false);
    const v = createJwtVerifier({ key: SECRET, algorithms: ["HS512"], now: clock });
    expect(await v.verify(hs512, JID)).toBe(true);
    expect(await v.verify(await token({ jid: JID, exp: NOW_S + 60 }), JID)).toBe(true);
  });

  it("refuses non-HMAC algorithms and bad leeway in the configuration", () => {
    expect(() => createJwtVerifier({ key: SECRET, algorithms: ["none"] })).toThrow(/HMAC/);
    expect(() => createJwtVerifier({ key: SECRET, algorithms: ["RS256"] })).toThrow(/HMAC/);
    expect(() => createJwtVerifier({ key: SECRET, leewaySeconds: -1 })).toThrow();
  });

  it("returns false for garbage instead of throwing", async () => {
    expect(await verifier.verify("abc.def.ghi", JID)).toBe(false);
    expect(await verifier.verify("not a token", JID)).toBe(false);
    expect(await verifier.verify(`${b64url({ alg: "HS256" })}.${b64url([1])}.AAAA`, JID)).toBe(false);
  });
});

describe("JWT keys", () => {
  const raw = new TextEncoder().encode("jwk-secret-bytes-\u00ff");
  const jwk = JSON.stringify({ kty: "oct", k: Buffer.from(raw).toString("base64url") });

  it("accepts a JWK, using the decoded k as the key", async () => {
    const v = createJwtVerifier({ key: jwk, now: clock });
    expect(await v.verify(await token({ jid: JID, exp: NOW_S + 60 }, { key: raw }), JID)).toBe(true);
    expect(await v.verify(await token({ jid: JID, exp: NOW_S + 60 }, { key: new TextEncoder().encode(jwk) }), JID)).toBe(
      false,
    );
  });

  it("reads a key file holding a JWK or a raw secret (trimmed)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "jwt-key-"));
    writeFileSync(join(dir, "key.jwk"), `${jwk}\n`);
    writeFileSync(join(dir, "key.txt"), `${SECRET}\n`);
    const fromJwk = createJwtVerifier({ key: join(dir, "key.jwk"), now: clock });
    expect(await fromJwk.verify(await token({ jid: JID, exp: NOW_S + 60 }, { key: raw }), JID)).toBe(true);
    const fromRaw = createJwtVerifier({ key: join(dir, "key.txt"), now: clock });
    expect(await fromRaw.verify(await token({ jid: JID, exp: NOW_S + 60 }), JID)).toBe(true);
  });

  it("accepts a JWK Set with one oct key and rejects malformed JWKs", () => {
    expect(Buffer.from(resolveJwtKey(JSON.stringify({ keys: [JSON.parse(jwk)] })))).toEqual(Buffer.from(raw));
    expect(() => resolveJwtKey('{"kty":"RSA","n":"x"}')).toThrow(/oct/);
    expect(() => resolveJwtKey('{"kty":"oct","k":"a+b"}')).toThrow(/oct/);
    expect(() => resolveJwtKey("{not json")).toThrow(/JSON/);
    expect(() => resolveJwtKey("   ")).toThrow(/empty/);
  });
});
