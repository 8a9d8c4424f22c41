import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { SaslAuthBackend, SaslStep } from "./sasl-mechanism.js";
import { type ScramCredentials, deriveScramCredentials, deriveScramCredentialsWithSalt } from "./scram-credentials.js";
import { createScramExchange, fakeSaltFor } from "./scram-mechanism.js";

const HOST = "chat.example.com";
type Hash = "sha1" | "sha256";

function backendWith(users: Record<string, ScramCredentials | undefined>, extra: Partial<SaslAuthBackend> = {}): SaslAuthBackend {
  return {
    host: HOST,
    getCredentials: (localpart) => Promise.resolve(users[localpart]),
    ...extra,
  };
}

const b = (s: string): Buffer => Buffer.from(s, "utf8");
const text = (step: SaslStep): string =>
  step.kind === "failure" ? `failure:${step.condition}` : (step.data ?? Buffer.alloc(0)).toString("utf8");

/** Independent client-side computation (RFC 5802 §3) using node:crypto directly. */
function clientFinalFor(hash: Hash, password: string, bare: string, serverFirst: string, gs2Header = "n,,") {
  const attrs = Object.fromEntries(serverFirst.split(",").map((a) => [a.slice(0, 1), a.slice(2)]));
  const size = hash === "sha1" ? 20 : 32;
  const salted = pbkdf2Sync(password, Buffer.from(attrs["s"] ?? "", "base64"), Number(attrs["i"]), size, hash);
  const clientKey = createHmac(hash, salted).update("Client Key").digest();
  const storedKey = createHash(hash).update(clientKey).digest();
  const serverKey = createHmac(hash, salted).update("Server Key").digest();
  const withoutProof = `c=${Buffer.from(gs2Header).toString("base64")},r=${attrs["r"] ?? ""}`;
  const authMessage = `${bare},${serverFirst},${withoutProof}`;
  const sig = createHmac(hash, storedKey).update(authMessage).digest();
  const proof = Buffer.from(clientKey.map((x, i) => x ^ (sig[i] ?? 0)));
  const v = createHmac(hash, serverKey).update(authMessage).digest().toString("base64");
  return { final: `${withoutProof},p=${proof.toString("base64")}`, withoutProof, proof, expectedServerFinal: `v=${v}` };
}

async function fullExchange(hash: Hash, backend: SaslAuthBackend, username: string, password: string, gs2Header = "n,,") {
  const ex = createScramExchange(hash, backend);
  const bare = `n=${username},r=clientnonce123`;
  const first = await ex.step(b(gs2Header + bare));
  if (first.kind !== "challenge") return { first, final: first };
  const { final, expectedServerFinal } = clientFinalFor(hash, password, bare, text(first), gs2Header);
  return { first, final: await ex.step(b(final)), expectedServerFinal };
}

describe("SCRAM RFC test vectors", () => {
  it("RFC 5802 §5 SCRAM-SHA-1 exchange", async () => {
    const creds = await deriveScramCredentialsWithSalt("pencil", Buffer.from("QSXCR+Q6sek8bf92", "base64"), 4096);
    const ex = createScramExchange("sha1", backendWith({ user: creds }), { serverNonce: () => "3rfcNHYJY1ZVvWVs7j" });
    const first = await ex.step(b("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"));
    expect(text(first)).toBe("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096");
    const final = await ex.step(b("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="));
    expect(final).toMatchObject({ kind: "success", localpart: "user", viaToken: false });
    expect(text(final)).toBe("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
  });

  it("RFC 7677 §3 SCRAM-SHA-256 exchange", async () => {
    const creds = await deriveScramCredentialsWithSalt("pencil", Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64"), 4096);
    const ex = createScramExchange("sha256", backendWith({ user: creds }), {
      serverNonce: () => "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
    });
    const first = await ex.step(b("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
    expect(text(first)).toBe("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    const final = await ex.step(
      b("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="),
    );
    expect(final).toMatchObject({ kind: "success", localpart: "user" });
    expect(text(final)).toBe("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  });
});

describe.each(["sha1", "sha256"] as const)("SCRAM-%s exchanges", (hash) => {
  it("succeeds with derived credentials and returns the right server signature", async () => {
    const backend = backendWith({ "65f0a1_alice": await deriveScramCredentials("s3cr3t") });
    const { final, expectedServerFinal } = await fullExchange(hash, backend, "65f0a1_alice", "s3cr3t");
    expect(final).toMatchObject({ kind: "success", localpart: "65f0a1_alice", viaToken: false });
    expect(text(final)).toBe(expectedServerFinal);
  });

  it("accepts local@HOST and mixed case as the username, and the y flag", async () => {
    const backend = backendWith({ alice: await deriveScramCredentials("pw") });
    expect((await fullExchange(hash, backend, `Alice@${HOST}`, "pw")).final).toMatchObject({ localpart: "alice" });
    expect((await fullExchange(hash, backend, "alice", "pw", "y,,")).final.kind).toBe("success");
  });

  it("fails with a wrong password", async () => {
    const backend = backendWith({ alice: await deriveScramCredentials("pw") });
    expect(text((await fullExchange(hash, backend, "alice", "PW")).final)).toBe("failure:not-authorized");
  });

  it("fails for an account without password (JWT-materialised) like an unknown one", async () => {
    const backend = backendWith({ alice: undefined });
    const { first, final } = await fullExchange(hash, backend, "alice", "pw");
    expect(first.kind).toBe("challenge");
    expect(text(final)).toBe("failure:not-authorized");
  });

  it("fails with a tampered proof, a changed nonce or mismatching channel binding data", async () => {
    const creds = await deriveScramCredentials("pw");
    const run = async (mutate: (final: string) => string): Promise<string> => {
      const ex = createScramExchange(hash, backendWith({ alice: creds }));
      const bare = "n=alice,r=abc";
      const first = await ex.step(b(`n,,${bare}`));
      return text(await ex.step(b(mutate(clientFinalFor(hash, "pw", bare, text(first)).final))));
    };
    expect(await run((f) => f)).toMatch(/^v=/);
    const flipLastProofByte = (f: string): string => {
      const [head, p = ""] = f.split(",p=");
      const proof = Buffer.from(p, "base64");
      proof[proof.length - 1] = (proof[proof.length - 1] ?? 0) ^ 1;
      return `${head},p=${proof.toString("base64")}`;
    };
    expect(await run(flipLastProofByte)).toBe("failure:not-authorized");
    expect(await run((f) => f.replace(",r=abc", ",r=abd"))).toBe("failure:not-authorized");
    expect(await run((f) => f.replace("c=biws", "c=eSws"))).toBe("failure:not-authorized");
  });
});

describe("unknown users", () => {
  it("get a plausible, stable server-first and then fail", async () => {
    const secret = Buffer.alloc(32, 1);
    const real = await deriveScramCredentials("pw");
    const backend = backendWith({ alice: real }, { scramFakeSaltSecret: secret });
    const first1 = text((await fullExchange("sha1", backend, "nobody", "pw")).first);
    const first2 = text((await fullExchange("sha1", backend, "nobody", "pw")).first);
    const salt = (m: string): string => /,s=([^,]+),/.exec(m)?.[1] ?? "";
    expect(first1).toMatch(/^r=clientnonce123[A-Za-z0-9+/=]+,s=[A-Za-z0-9+/]{22}==,i=4096$/);
    expect(salt(first1)).toBe(salt(first2));
    expect(salt(first1)).toBe(fakeSaltFor(secret, "sha1", "nobody"));
    expect(salt(first1)).not.toBe(fakeSaltFor(secret, "sha1", "somebody"));
    expect(Buffer.from(salt(first1), "base64")).toHaveLength(Buffer.from(real.salt, "base64").length);
    expect(text((await fullExchange("sha1", backend, "nobody", "pw")).final)).toBe("failure:not-authorized");
    expect(text((await fullExchange("sha1", backend, "alice@other.example", "pw")).final)).toBe("failure:not-authorized");
  });
});

describe("client-first parsing and flow", () => {
  const backend = backendWith({ alice: undefined });
  const firstStep = async (msg: string): Promise<string> => text(await createScramExchange("sha1", backend).step(b(msg)));

  it.each([
    ["p=tls-unique,,n=alice,r=abc", "channel binding"],
    ["m=ext,n=alice,r=abc", "bad GS2"],
    ["n,,m=ext,n=alice,r=abc", "mandatory"],
    ["n,,r=abc,n=alice", "username"],
    ["n,,n=alice", "nonce"],
    ["n,,n=alice,r=", "nonce"],
    ["n,,n=al=2Dice,r=abc", "username"],
    ["n,,n=al,ice,r=abc", "nonce"],
    ["n,,n=,r=abc", "username"],
    ["x,,n=alice,r=abc", "flag"],
    ["n,b=alice,n=alice,r=abc", "authzid"],
    ["n,,n=alice,r=abc,1=x", "extension"],
    ["n,,n=alice,r=abc,e=", "extension"],
    ["n,,n=alice,r=ab\u00e9", "nonce"],
    ["n,,n=al\0ice,r=abc", "NUL"],
  ])("rejects %j as malformed", async (msg, reason) => {
    const step = await createScramExchange("sha1", backend).step(b(msg));
    expect(step).toMatchObject({ kind: "failure", condition: "malformed-request" });
    expect(step.kind === "failure" ? step.text : "").toMatch(new RegExp(reason, "i"));
  });

  it("rejects invalid UTF-8 and empty messages", async () => {
    expect(text(await createScramExchange("sha1", backend).step(Buffer.from([0x6e, 0x2c, 0x2c, 0xff])))).toBe(
      "failure:malformed-request",
    );
    const ex = createScramExchange("sha1", backend);
    expect(text(await ex.step(null))).toBe("");
    expect(text(await ex.step(Buffer.alloc(0)))).toBe("failure:malformed-request");
  });

  it("accepts extensions and unescapes =2C/=3D in the username", async () => {
    const seen: string[] = [];
    const spy: SaslAuthBackend = { host: HOST, getCredentials: (l) => (seen.push(l), Promise.resolve(undefined)) };
    expect((await createScramExchange("sha1", spy).step(b("n,,n=a=2Cb=3dc,r=abc,x=ext"))).kind).toBe("challenge");
    expect(await firstStep("n,,n=alice,r=abc,x=ext")).toMatch(/^r=abc/);
    expect(seen).toEqual(["a,b=c"]);
    // "a:b" is not a valid localpart: no lookup happens, but the exchange still looks normal.
    expect((await createScramExchange("sha1", spy).step(b("n,,n=a:b,r=abc"))).kind).toBe("challenge");
    expect(seen).toEqual(["a,b=c"]);
    await createScramExchange("sha1", spy).step(b("n,,n=Bob,r=abc"));
    expect(seen).toEqual(["a,b=c", "bob"]);
  });

  it("supports an absent initial response: empty challenge, then client-first", async () => {
    const creds = await deriveScramCredentials("pw");
    const ex = createScramExchange("sha256", backendWith({ alice: creds }));
    expect(await ex.step(null)).toEqual({ kind: "challenge", data: Buffer.alloc(0) });
    const first = await ex.step(b("n,,n=alice,r=abc"));
    const final = await ex.step(b(clientFinalFor("sha256", "pw", "n=alice,r=abc", text(first)).final));
    expect(final.kind).toBe("success");
    expect(text(await ex.step(b("more")))).toBe("failure:malformed-request");
  });

  it("checks the authzid like PLAIN", async () => {
    const creds = await deriveScramCredentials("pw");
    const backend2 = backendWith({ alice: creds });
    const withAuthz = async (authz: string): Promise<string> => {
      const gs2 = `n,a=${authz},`;
      const ex = createScramExchange("sha1", backend2);
      const first = await ex.step(b(`${gs2}n=alice,r=abc`));
      if (first.kind !== "challenge") return text(first);
      return text(await ex.step(b(clientFinalFor("sha1", "pw", "n=alice,r=abc", text(first), gs2).final)));
    };
    expect(await withAuthz("ALICE")).toMatch(/^v=/);
    expect(await withAuthz(`alice@${HOST}`)).toMatch(/^v=/);
    expect(await withAuthz("bob")).toBe("failure:invalid-authzid");
  });

  it("rejects malformed client-final messages", async () => {
    const creds = await deriveScramCredentials("pw");
    const run = async (final: string): Promise<string> => {
      const ex = createScramExchange("sha1", backendWith({ alice: creds }), { serverNonce: () => "SRV" });
      await ex.step(b("n,,n=alice,r=abc"));
      return text(await ex.step(b(final)));
    };
    const proof = Buffer.alloc(20).toString("base64");
    expect(await run(`c=biws,r=abcSRV,p=${proof}`)).toBe("failure:not-authorized");
    expect(await run(`r=abcSRV,c=biws,p=${proof}`)).toBe("failure:malformed-request");
    expect(await run(`c=biws,r=abcSRV`)).toBe("failure:malformed-request");
    expect(await run(`c=biws,r=abcSRV,p=${proof},x=1`)).toBe("failure:malformed-request");
    expect(await run(`c=biws,r=abcSRV,p=AAAA`)).toBe("failure:malformed-request");
    expect(await run(`c=biws,r=abcSRV,p=${proof.slice(0, -1)}`)).toBe("failure:malformed-request");
    expect(await run(`c=bi-s,r=abcSRV,p=${proof}`)).toBe("failure:malformed-request");
    expect(await run(`c=biws,r=abcSRV,x=ext,p=${proof}`)).toBe("failure:not-authorized");
  });

  it("answers temporary-auth-failure when the store fails", async () => {
    const failing: SaslAuthBackend = { host: HOST, getCredentials: () => Promise.reject(new Error("db down")) };
    expect(text(await createScramExchange("sha1", failing).step(b("n,,n=alice,r=abc")))).toBe(
      "failure:temporary-auth-failure",
    );
  });
});
