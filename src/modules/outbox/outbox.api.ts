/**
 * The one delivery component for outgoing HTTP calls (issue #4; PROTOCOL §7.8–§7.10): a durable outbox in
 * the database, per-endpoint concurrency, timeouts, retries with backoff and a dead-letter log. Producers
 * (offline push, backend webhooks, stats) only enqueue: a slow or absent receiver never slows routing.
 */

/** One HTTP POST, stored before `enqueue` resolves and delivered at least once. */
export interface OutboundRequest {
  /**
   * The logical endpoint, for per-endpoint concurrency (`hooks.concurrency`), logs and metrics: e.g.
   * `offline_post`, `hooks.track_member`, `stats`.
   */
  readonly endpoint: string;
  readonly url: string;
  /** The exact body bytes (JSON or form-encoded), sent unchanged on every retry. */
  readonly body: string;
  readonly contentType: string;
  /** Extra headers, identical on every retry (e.g. X-Webhook-Id, the signature). */
  readonly headers: Readonly<Record<string, string>>;
  /** Dropped (to the dead-letter log) once older than this: §7.8 `offline_post.max_age_s`, §7.9 `hooks.max_age_s`. */
  readonly maxAgeS: number;
}

/** A §7.9 JSON webhook: the envelope and the secret/signature headers are added by the outbox. */
export interface WebhookEvent {
  /** Config key of the endpoint: a §7.9 hook name, or `stats` (§7.10). */
  readonly hook: "track_member" | "track_last_message" | "archive_message" | "history_access" | "message_audit" | "stats";
  /** §7.9 `event`, e.g. `member.join`. */
  readonly event: string;
  /** Fields after the envelope (`id`, `event`, `ts`, `host`), in the order given. */
  readonly fields: Readonly<Record<string, unknown>>;
  /** The virtual host the event belongs to (§7.9 envelope `host`). */
  readonly host: string;
}

export interface OutboxApi {
  /** Persists the request; it is delivered in the background. */
  enqueue(request: OutboundRequest): Promise<void>;
  /**
   * Builds the §7.9 envelope and headers and enqueues it; does nothing (resolves) when the hook has no URL
   * configured. Returns whether an event was queued.
   */
  webhook(event: WebhookEvent): Promise<boolean>;
  /** Whether a URL is configured for the hook (producers skip building payloads otherwise). */
  webhookEnabled(hook: WebhookEvent["hook"]): boolean;
}
