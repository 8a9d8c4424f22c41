/**
 * SASL ANONYMOUS (RFC 4505, PROTOCOL §2.6): succeeds at once with a fresh localpart `anon-<16 hex>`. The
 * optional trace data is ignored. Whether ANONYMOUS is offered at all is decided by offeredMechanisms.
 */
import { randomBytes } from "node:crypto";
import type { SaslExchange, SaslStep } from "./sasl-mechanism.js";
import { EXCHANGE_FINISHED, successStep } from "./sasl-steps.js";

export function anonymousLocalpart(): string {
  return `anon-${randomBytes(8).toString("hex")}`;
}

export function createAnonymousExchange(): SaslExchange {
  let done = false;
  return {
    step(): Promise<SaslStep> {
      if (done) return Promise.resolve(EXCHANGE_FINISHED);
      done = true;
      return Promise.resolve(successStep(anonymousLocalpart(), false));
    },
  };
}
