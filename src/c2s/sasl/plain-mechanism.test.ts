import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createJwtVerifier } from "./jwt-verifier.js";
import { createPlainExchange, parsePlainMessage } from "./plain-mechanism.js";
import type { SaslAuthBackend, SaslStep } from "./sasl-mechanism.js";
import { type ScramCredentials, deriveScramCredentials } from "./scram-credentials.js";

const HOST = "chat.example.com";
const SECRET = "plain-test-jwt-secret";
const users = new Map<string, ScramCredentials | undefined>();
const lookups: string[] = [];
const backend: SaslAuthBackend = {
  host: HOST,
  getCredentials: (l) => (lookups.push(l), Promise.resolve(users.get(l))),
};
const jwtBackend: SaslAuthBackend = { ...backend, jwt: createJwtVerifier({ key: SECRET }) };

beforeAll(async () => {
  users.set("65f0a1_alice", await deriveScramCredentials("s3cr3t"));
  users.set("jwtonly", undefined);
});

const msg = (authzid: string, authcid: string, password: string): Buffer => Buffer.from(`${authzid}\0${authcid}\0${password}`);
const run = (m: Buffer, b: SaslAuthBackend = backend): Promise<SaslStep> => createPlainExchange(b).step(m);
const outcome = (s: SaslStep): string => {
  if (s.kind === "success") return `success:${s.localpart}:${s.viaToken}`;
  return s.kind === "failure" ? s.condition : "challenge";
};

function jwtFor(jid: string, secret = SECRET): Promise<string> {
  return new SignJWT({ jid }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("5m").sign(new TextEncoder().encode(secret));
}

describe("PLAIN (PROTOCOL §2.3)", () => {
  it("matches the iOS-style example from the spec (authzid = localpart)", async () => {
    const wire = Buffer.from("NjVmMGExX2FsaWNlADY1ZjBhMV9hbGljZQBzM2NyM3Q=", "base64");
    expect(outcome(await run(wire))).toBe("success:65f0a1_alice:false");
  });

  it.each([
    ["", "65f0a1_alice"],
    ["65f0a1_alice", "65f0a1_alice"],
    ["65F0A1_Alice", "65f0a1_alice"],
    [`65f0a1_alice@${HOST}`, "65f0a1_alice"],
    [`65F0A1_alice@CHAT.example.com`, "65f0a1_alice"],
    ["", `65f0a1_alice@${HOST}`],
    [`65f0a1_alice@${HOST}`, `65f0a1_alice@${HOST}`],
    ["", "65F0A1_ALICE"],
  ])("accepts authzid %j with authcid %j", async (authzid, authcid) => {
    expect(outcome(await run(msg(authzid, authcid, "s3cr3t")))).toBe("success:65f0a1_alice:false");
  });

  it.each([["65f0a1_bob"], [`65f0a1_alice@other.example`], [`65f0a1_alice@${HOST}/res`], [HOST]])(
    "rejects authzid %j with invalid-authzid",
    async (authzid) => {
      expect(outcome(await run(msg(authzid, "65f0a1_alice", "s3cr3t")))).toBe("invalid-authzid");
    },
  );

  it("gives the same not-authorized for a wrong password, an unknown account, a passwordless one and a foreign domain", async () => {
    expect(outcome(await run(msg("", "65f0a1_alice", "wrong")))).toBe("not-authorized");
    expect(outcome(await run(msg("", "nobody", "s3cr3t")))).toBe("not-authorized");
    expect(outcome(await run(msg("", "jwtonly", "s3cr3t")))).toBe("not-authorized");
    expect(outcome(await run(msg("", "65f0a1_alice@other.example", "s3cr3t")))).toBe("not-authorized");
  });

  it("rejects malformed messages", async () => {
    expect(outcome(await run(Buffer.from("65f0a1_alice\0s3cr3t")))).toBe("malformed-request");
    expect(outcome(await run(Buffer.from("\0\0s3cr3t")))).toBe("malformed-request");
    expect(outcome(await run(msg("", "65f0a1_alice", "")))).toBe("malformed-request");
    expect(outcome(await run(Buffer.from("a\0b\0c\0d")))).toBe("malformed-request");
    expect(outcome(await run(Buffer.from([0, 0x61, 0, 0xff])))).toBe("malformed-request");
    expect(outcome(await run(Buffer.alloc(0)))).toBe("malformed-request");
    expect(parsePlainMessage(Buffer.alloc(9000, 0x61))).toBeUndefined();
  });

  it("sends an empty challenge when there is no initial response, then takes the message", async () => {
    const ex = createPlainExchange(backend);
    expect(await ex.step(null)).toEqual({ kind: "challenge", data: Buffer.alloc(0) });
    expect(outcome(await ex.step(msg("", "65f0a1_alice", "s3cr3t")))).toBe("success:65f0a1_alice:false");
    expect(outcome(await ex.step(msg("", "65f0a1_alice", "s3cr3t")))).toBe("malformed-request");
  });

  it("answers temporary-auth-failure when the store fails", async () => {
    const failing: SaslAuthBackend = { host: HOST, getCredentials: () => Promise.reject(new Error("db down")) };
    expect(outcome(await run(msg("", "65f0a1_alice", "s3cr3t"), failing))).toBe("temporary-auth-failure");
  });
});

describe("PLAIN with JWT (PROTOCOL §2.4)", () => {
  it("accepts a valid token without looking up credentials, also for unknown accounts", async () => {
    lookups.length = 0;
    const step = await run(msg("", "newuser", await jwtFor(`newuser@${HOST}`)), jwtBackend);
    expect(outcome(step)).toBe("success:newuser:true");
    expect(lookups).toEqual([]);
    expect(outcome(await run(msg("", `NewUser@${HOST}`, await jwtFor(`newuser@${HOST}/web`)), jwtBackend))).toBe(
      "success:newuser:true",
    );
  });

  it("falls back to stored credentials when the token is invalid, then fails", async () => {
    lookups.length = 0;
    const wrongJid = await jwtFor(`65f0a1_bob@${HOST}`);
    expect(outcome(await run(msg("", "65f0a1_alice", wrongJid), jwtBackend))).toBe("not-authorized");
    expect(lookups).toEqual(["65f0a1_alice"]);
    const wrongKey = await jwtFor(`newuser@${HOST}`, "other-secret");
    expect(outcome(await run(msg("", "newuser", wrongKey), jwtBackend))).toBe("not-authorized");
  });

  it("still accepts stored passwords when JWT is configured", async () => {
    expect(outcome(await run(msg("", "65f0a1_alice", "s3cr3t"), jwtBackend))).toBe("success:65f0a1_alice:false");
  });

  it("does not treat tokens as tokens when JWT is not configured", async () => {
    const token = await jwtFor(`newuser@${HOST}`);
    expect(outcome(await run(msg("", "newuser", token), backend))).toBe("not-authorized");
  });

  it("checks the authzid before the token", async () => {
    const token = await jwtFor(`newuser@${HOST}`);
    expect(outcome(await run(msg("someoneelse", "newuser", token), jwtBackend))).toBe("invalid-authzid");
  });
});
