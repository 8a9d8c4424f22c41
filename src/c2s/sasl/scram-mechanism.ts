/**
 * Server side of SCRAM-SHA-1 / SCRAM-SHA-256 (RFC 5802, RFC 7677; PROTOCOL §2.5) without channel binding: the
 * GS2 flags `n` and `y` are accepted, `p` fails since no -PLUS variant is offered. Unknown users get a
 * plausible server-first (deterministic fake salt) and fail at the proof, so account existence does not leak.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { SaslAuthBackend, SaslExchange, SaslStep } from "./sasl-mechanism.js";
import { authzidAllowed, localpartFromAuthcid } from "./sasl-identity.js";
import { EXCHANGE_FINISHED, challengeStep, decodeUtf8, failureStep, successStep } from "./sasl-steps.js";
import {
  MIN_SCRAM_ITERATIONS,
  SCRAM_HASHES,
  type ScramCredentials,
  type ScramHashName,
  decodeScramKey,
  scramHash,
  scramHmac,
} from "./scram-credentials.js";
import { type ClientFirst, parseClientFinal, parseClientFirst } from "./scram-messages.js";

/** Bounds each SCRAM message; real ones are around 100–200 bytes. */
const MAX_SCRAM_MESSAGE = 4096;
/** Default secret for fake salts: stable only for this process (see SaslAuthBackend.scramFakeSaltSecret). */
const PROCESS_FAKE_SALT_SECRET = randomBytes(32);

export interface ScramServerOptions {
  /** Server part of the nonce (printable ASCII without `,`); injectable for the RFC test vectors. */
  readonly serverNonce?: () => string;
}

interface ServerKeys {
  storedKey: Buffer;
  serverKey: Buffer;
}

interface AwaitingFinal {
  first: ClientFirst;
  serverFirst: string;
  nonce: string;
  localpart: string;
  /** undefined for an unknown user: the exchange runs to the proof and then fails. */
  keys: ServerKeys | undefined;
}

type Phase = { name: "initial" } | { name: "await-first" } | { name: "await-final"; ctx: AwaitingFinal } | { name: "done" };

export function createScramExchange(hash: ScramHashName, backend: SaslAuthBackend, options: ScramServerOptions = {}): SaslExchange {
  const serverNonce = options.serverNonce ?? (() => randomBytes(18).toString("base64"));
  let phase: Phase = { name: "initial" };
  return {
    async step(response: Buffer | null): Promise<SaslStep> {
      const current = phase;
      phase = { name: "done" };
      switch (current.name) {
        case "initial":
          if (response === null) {
            phase = { name: "await-first" }; // client-first comes in the next <response/> (RFC 6120 §6.4.2)
            return challengeStep(Buffer.alloc(0));
          }
          return handleFirst(response);
        case "await-first":
          return handleFirst(response);
        case "await-final":
          return handleFinal(hash, current.ctx, response);
        case "done":
          return EXCHANGE_FINISHED;
      }
    },
  };

  async function handleFirst(response: Buffer | null): Promise<SaslStep> {
    const text = messageText(response);
    const first = text === undefined ? undefined : parseClientFirst(text);
    if (first === undefined) return failureStep("malformed-request");
    if ("condition" in first) return failureStep(first.condition, first.text);
    const lookup = await lookUp(hash, backend, first);
    if (lookup.kind !== "found") return lookup.step;
    const { salt, iterations, keys, localpart } = lookup;
    const nonce = first.clientNonce + serverNonce();
    const serverFirst = `r=${nonce},s=${salt},i=${iterations}`;
    phase = { name: "await-final", ctx: { first, serverFirst, nonce, localpart, keys } };
    return challengeStep(Buffer.from(serverFirst, "utf8"));
  }
}

function messageText(response: Buffer | null): string | undefined {
  if (response === null || response.length === 0 || response.length > MAX_SCRAM_MESSAGE) return undefined;
  return decodeUtf8(response);
}

type Lookup =
  | { kind: "found"; localpart: string; salt: string; iterations: number; keys: ServerKeys | undefined }
  | { kind: "stop"; step: SaslStep };

/** Real salt and keys for a known user with a password; a fake salt (and no keys) otherwise. */
async function lookUp(hash: ScramHashName, backend: SaslAuthBackend, first: ClientFirst): Promise<Lookup> {
  const localpart = localpartFromAuthcid(first.username, backend.host);
  if (localpart !== undefined && first.authzid !== undefined && !authzidAllowed(first.authzid, localpart, backend.host)) {
    return { kind: "stop", step: failureStep("invalid-authzid") };
  }
  let creds: ScramCredentials | undefined;
  try {
    creds = localpart === undefined ? undefined : await backend.getCredentials(localpart);
  } catch {
    return { kind: "stop", step: failureStep("temporary-auth-failure") };
  }
  const storedKey = creds && decodeScramKey(hash, creds[hash].storedKey);
  const serverKey = creds && decodeScramKey(hash, creds[hash].serverKey);
  if (creds !== undefined && storedKey !== undefined && serverKey !== undefined && localpart !== undefined) {
    return { kind: "found", localpart, salt: creds.salt, iterations: creds.iterations, keys: { storedKey, serverKey } };
  }
  const secret = backend.scramFakeSaltSecret ?? PROCESS_FAKE_SALT_SECRET;
  const fakeSalt = fakeSaltFor(secret, hash, first.username);
  return { kind: "found", localpart: localpart ?? "", salt: fakeSalt, iterations: MIN_SCRAM_ITERATIONS, keys: undefined };
}

/** Deterministic per (secret, hash, username), so repeated probes of an unknown user see a stable salt. */
export function fakeSaltFor(secret: Uint8Array, hash: ScramHashName, username: string): string {
  return createHmac("sha256", secret).update(`scram-fake-salt\0${hash}\0${username}`).digest().subarray(0, 16).toString("base64");
}

/** RFC 5802 §3: verify ClientProof against StoredKey, answer with ServerSignature. */
function handleFinal(hash: ScramHashName, ctx: AwaitingFinal, response: Buffer | null): SaslStep {
  const text = messageText(response);
  const final = text === undefined ? undefined : parseClientFinal(text);
  if (final === undefined) return failureStep("malformed-request");
  if (final.proof.length !== SCRAM_HASHES[hash].size) return failureStep("malformed-request");
  if (!final.channelBinding.equals(Buffer.from(ctx.first.gs2Header, "utf8"))) {
    return failureStep("not-authorized", "channel binding data does not match");
  }
  if (final.nonce !== ctx.nonce) return failureStep("not-authorized", "nonce mismatch");
  if (ctx.keys === undefined) return failureStep("not-authorized");
  const authMessage = `${ctx.first.bare},${ctx.serverFirst},${final.withoutProof}`;
  const clientSignature = scramHmac(hash, ctx.keys.storedKey, authMessage);
  const clientKey = Buffer.alloc(clientSignature.length);
  for (let i = 0; i < clientKey.length; i++) clientKey[i] = (final.proof[i] ?? 0) ^ (clientSignature[i] ?? 0);
  if (!timingSafeEqual(scramHash(hash, clientKey), ctx.keys.storedKey)) return failureStep("not-authorized");
  const serverSignature = scramHmac(hash, ctx.keys.serverKey, authMessage);
  return successStep(ctx.localpart, false, Buffer.from(`v=${serverSignature.toString("base64")}`, "utf8"));
}
