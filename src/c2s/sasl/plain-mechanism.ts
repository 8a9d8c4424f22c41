/**
 * SASL PLAIN (RFC 4616, PROTOCOL §2.3): `authzid NUL authcid NUL password`. A JWT password is tried first when
 * JWT is configured (§2.4), then the stored SCRAM credentials (§2.5). An unknown account and a wrong password
 * give the same `not-authorized`, and cost the same PBKDF2 work.
 */
import { randomBytes } from "node:crypto";
import { JwtVerifier } from "./jwt-verifier.js";
import type { SaslAuthBackend, SaslExchange, SaslStep } from "./sasl-mechanism.js";
import { authzidAllowed, localpartFromAuthcid } from "./sasl-identity.js";
import { EXCHANGE_FINISHED, challengeStep, decodeUtf8, failureStep, successStep } from "./sasl-steps.js";
import { MIN_SCRAM_ITERATIONS, type ScramCredentials, verifyPassword } from "./scram-credentials.js";

/** RFC 4616 caps each field at 255 octets, but JWT passwords are longer; this bounds the whole message. */
const MAX_PLAIN_MESSAGE = 8192;

/** Checked instead of real credentials when there are none, so unknown accounts cost one PBKDF2 too. */
const NO_ACCOUNT: ScramCredentials = {
  salt: randomBytes(16).toString("base64"),
  iterations: MIN_SCRAM_ITERATIONS,
  sha1: { storedKey: randomBytes(20).toString("base64"), serverKey: "" },
  sha256: { storedKey: "", serverKey: "" },
};

const NOT_AUTHORIZED = failureStep("not-authorized");

interface PlainMessage {
  authzid: string;
  authcid: string;
  password: string;
}

export function parsePlainMessage(data: Uint8Array): PlainMessage | undefined {
  if (data.length === 0 || data.length > MAX_PLAIN_MESSAGE) return undefined;
  const text = decodeUtf8(data);
  const parts = text?.split("\0");
  if (parts?.length !== 3) return undefined;
  const [authzid = "", authcid = "", password = ""] = parts;
  if (authcid === "" || password === "") return undefined;
  return { authzid, authcid, password };
}

export function createPlainExchange(backend: SaslAuthBackend): SaslExchange {
  let phase: "initial" | "awaiting-message" | "done" = "initial";
  return {
    async step(response: Buffer | null): Promise<SaslStep> {
      if (phase === "done") return EXCHANGE_FINISHED;
      if (response === null && phase === "initial") {
        // RFC 6120 §6.4.2: no initial response, so send an empty challenge and wait for the message.
        phase = "awaiting-message";
        return challengeStep(Buffer.alloc(0));
      }
      phase = "done";
      return response === null ? failureStep("malformed-request") : authenticatePlain(response, backend);
    },
  };
}

async function authenticatePlain(data: Buffer, backend: SaslAuthBackend): Promise<SaslStep> {
  const msg = parsePlainMessage(data);
  if (msg === undefined) return failureStep("malformed-request");
  const localpart = localpartFromAuthcid(msg.authcid, backend.host);
  if (localpart === undefined) {
    await verifyPassword(NO_ACCOUNT, msg.password);
    return NOT_AUTHORIZED;
  }
  if (!authzidAllowed(msg.authzid, localpart, backend.host)) return failureStep("invalid-authzid");
  if (backend.jwt !== undefined && JwtVerifier.looksLikeJws(msg.password)) {
    const bareJid = `${localpart}@${backend.host.toLowerCase()}`;
    if (await backend.jwt.verify(msg.password, bareJid)) return successStep(localpart, true);
  }
  let creds: ScramCredentials | undefined;
  try {
    creds = await backend.getCredentials(localpart);
  } catch {
    return failureStep("temporary-auth-failure");
  }
  const ok = await verifyPassword(creds ?? NO_ACCOUNT, msg.password);
  return ok && creds !== undefined ? successStep(localpart, false) : NOT_AUTHORIZED;
}
