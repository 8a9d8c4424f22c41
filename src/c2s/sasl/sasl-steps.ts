/** Constructors for SASL exchange results (RFC 6120 §6.4), shared by the mechanisms. */
import type { SaslFailureCondition, SaslStep } from "./sasl-mechanism.js";

export function challengeStep(data: Buffer): SaslStep {
  return { kind: "challenge", data };
}

export function failureStep(condition: SaslFailureCondition, text?: string): SaslStep {
  return text === undefined ? { kind: "failure", condition } : { kind: "failure", condition, text };
}

export function successStep(localpart: string, viaToken: boolean, data?: Buffer): SaslStep {
  return data === undefined ? { kind: "success", localpart, viaToken } : { kind: "success", localpart, data, viaToken };
}

/** Answer to any step after the exchange has ended with success or failure. */
export const EXCHANGE_FINISHED: SaslStep = failureStep("malformed-request", "SASL exchange already finished");

/** Decodes UTF-8 strictly; undefined on invalid byte sequences (RFC 6120 §6.4.2 incorrect data is malformed). */
export function decodeUtf8(data: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(data);
  } catch {
    return undefined;
  }
}
