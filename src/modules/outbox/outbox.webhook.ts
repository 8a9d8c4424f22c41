/**
 * The §7.9 webhook transport: JSON envelope `{"id","event","ts","host",…fields}` and the secret, signature, event and
 * id headers (PROTOCOL §7.9 "Transport", "Envelope"; §7.10 uses the same transport).
 */
import { createHmac, randomUUID } from "node:crypto";
import type { OutboundRequest, WebhookEvent } from "./outbox.api.js";

export const WEBHOOK_CONTENT_TYPE = "application/json";
const ENVELOPE_KEYS: ReadonlySet<string> = new Set(["id", "event", "ts", "host"]);

export interface WebhookTarget {
  readonly url: string;
  readonly secret: string;
  readonly maxAgeS: number;
}

/** `sha256=<lowercase hex HMAC-SHA256(secret, raw body bytes)>`. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

/** The §7.9 endpoint name used for concurrency, logs and the outbox rows. */
export function webhookEndpoint(hook: WebhookEvent["hook"]): string {
  return hook === "stats" ? "stats" : `hooks.${hook}`;
}

/**
 * The request for one event, with a fresh UUID v4 `id` (also the `X-Webhook-Id`, identical on every retry) and `ts`
 * in Unix ms. Fields named like an envelope key are ignored: the envelope always wins.
 */
export function buildWebhookRequest(event: WebhookEvent, target: WebhookTarget, now: number = Date.now(), id: string = randomUUID()): OutboundRequest & { readonly id: string } {
  const envelope: Record<string, unknown> = { id, event: event.event, ts: now, host: event.host };
  for (const [key, value] of Object.entries(event.fields)) {
    if (!ENVELOPE_KEYS.has(key)) envelope[key] = value;
  }
  const body = JSON.stringify(envelope);
  return {
    id,
    endpoint: webhookEndpoint(event.hook),
    url: target.url,
    body,
    contentType: WEBHOOK_CONTENT_TYPE,
    headers: {
      "X-Webhook-Secret": target.secret,
      "X-Webhook-Signature": webhookSignature(target.secret, body),
      "X-Webhook-Event": event.event,
      "X-Webhook-Id": id,
    },
    maxAgeS: target.maxAgeS,
  };
}
