/**
 * Drives our server mechanisms with xmpp.js's client-side ones (@xmpp/sasl-* through a saslmechanisms
 * Factory), following the loop in @xmpp/sasl's authenticate(): an independent client implementation.
 */
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { createJwtVerifier } from "./jwt-verifier.js";
import { type SaslAuthBackend, type SaslMechanismName, type SaslStep, startSaslExchange } from "./sasl-mechanism.js";
import { type ScramCredentials, deriveScramCredentials } from "./scram-credentials.js";

interface ClientMechanism {
  readonly name: string;
  readonly clientFirst: boolean;
  response(creds: Record<string, unknown>): string | Promise<string>;
  challenge(data: string): unknown;
}
interface Factory {
  use(mech: unknown): Factory;
  create(names: string[]): ClientMechanism | null;
}

/** Untyped JS packages; import through a variable specifier and give them a narrow type here. */
async function loadFactory(): Promise<Factory> {
  const specs = ["saslmechanisms", "@xmpp/sasl-plain", "@xmpp/sasl-scram-sha-1", "@xmpp/sasl-anonymous"];
  const [factoryMod, ...plugins] = (await Promise.all(specs.map((s) => import(s)))) as Array<{ default: unknown }>;
  const FactoryCtor = factoryMod?.default as new () => Factory;
  const factory = new FactoryCtor();
  for (const plugin of plugins) (plugin.default as (sasl: { use(m: unknown): unknown }) => void)({ use: (m) => factory.use(m) });
  return factory;
}

const HOST = "chat.example.com";

/** The @xmpp/sasl loop: auth (+ initial response), then answer each challenge; btoa/atob are Latin-1. */
async function drive(
  name: SaslMechanismName,
  backend: SaslAuthBackend,
  creds: Record<string, unknown>,
  challenges: string[] = [],
): Promise<SaslStep> {
  const mech = (await loadFactory()).create([name]);
  if (mech === null) throw new Error(`client has no ${name}`);
  const exchange = startSaslExchange(name, backend);
  let step = await exchange.step(mech.clientFirst ? Buffer.from(await mech.response(creds), "latin1") : null);
  while (step.kind === "challenge") {
    challenges.push(step.data.toString("latin1"));
    await mech.challenge(step.data.toString("latin1"));
    step = await exchange.step(Buffer.from(await mech.response(creds), "latin1"));
  }
  return step;
}

describe("interop with xmpp.js client mechanisms", () => {
  const users = new Map<string, ScramCredentials>();
  const backend: SaslAuthBackend = { host: HOST, getCredentials: (l) => Promise.resolve(users.get(l)) };

  it("SCRAM-SHA-1 succeeds with the right password and fails with a wrong one", async () => {
    users.set("65f0a1_alice", await deriveScramCredentials("s3cr3t!"));
    const ok = await drive("SCRAM-SHA-1", backend, { username: "65f0a1_alice", password: "s3cr3t!" });
    expect(ok).toMatchObject({ kind: "success", localpart: "65f0a1_alice", viaToken: false });
    const bad = await drive("SCRAM-SHA-1", backend, { username: "65f0a1_alice", password: "s3cr3t" });
    expect(bad).toMatchObject({ kind: "failure", condition: "not-authorized" });
  });

  it("SCRAM-SHA-1 with a username needing =2C/=3D escaping and an authzid", async () => {
    users.set("a,b=c", await deriveScramCredentials("pw"));
    const step = await drive("SCRAM-SHA-1", backend, { username: "a,b=c", password: "pw", authzid: `a,b=c@${HOST}` });
    expect(step).toMatchObject({ kind: "success", localpart: "a,b=c" });
  });

  it("SCRAM-SHA-1 for an unknown user fails only at the end", async () => {
    const challenges: string[] = [];
    const step = await drive("SCRAM-SHA-1", backend, { username: "nobody", password: "pw" }, challenges);
    expect(challenges).toHaveLength(1);
    expect(challenges[0]).toMatch(/^r=[^,]+,s=[A-Za-z0-9+/]{22}==,i=4096$/);
    expect(step).toMatchObject({ kind: "failure", condition: "not-authorized" });
  });

  it("PLAIN with a password and with a JWT", async () => {
    users.set("bob", await deriveScramCredentials("hunter2"));
    expect(await drive("PLAIN", backend, { username: "bob", password: "hunter2" })).toMatchObject({ kind: "success" });
    expect(await drive("PLAIN", backend, { username: "bob", password: "x" })).toMatchObject({ kind: "failure" });
    const secret = "jwt-secret-for-tests";
    const jwtBackend: SaslAuthBackend = { ...backend, jwt: createJwtVerifier({ key: secret }) };
    const token = await new SignJWT({ jid: `carol@${HOST}` })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(secret));
    const step = await drive("PLAIN", jwtBackend, { username: "carol", password: token });
    expect(step).toMatchObject({ kind: "success", localpart: "carol", viaToken: true });
  });

  it("ANONYMOUS", async () => {
    const step = await drive("ANONYMOUS", backend, {});
    expect(step.kind === "success" ? step.localpart : "").toMatch(/^anon-[0-9a-f]{16}$/);
  });
});
