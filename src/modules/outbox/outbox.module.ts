/**
 * The outbox (issue #4; PROTOCOL §7.8 "Delivery", §7.9 "Transport", §7.10): the one component that makes outgoing
 * HTTP calls. Producers enqueue (one INSERT); a background dispatcher delivers at least once, with per-endpoint
 * concurrency, timeouts, backoff and a dead-letter log. Also the `outbox_status` and `outbox_dead_letters` commands.
 */
import { randomUUID } from "node:crypto";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { CommandError, type AdminCommand, type CommandArgs } from "../../core/admin-command.js";
import { defineModule } from "../../core/module.js";
import type { Config } from "../../config/load-config.js";
import { packageVersion, SOFTWARE_NAME } from "../version/version.module.js";
import type { OutboundRequest, OutboxApi, WebhookEvent } from "./outbox.api.js";
import { OutboxDispatcher } from "./outbox.dispatcher.js";
import { outboxMigrations, SqlOutboxStore } from "./outbox.store.js";
import { buildWebhookRequest, type WebhookTarget } from "./outbox.webhook.js";

export const outboxModule = defineModule<OutboxApi>({
  name: "outbox",
  migrations: outboxMigrations,

  setup(ctx) {
    const store = new SqlOutboxStore(ctx.db, ctx.dialect);
    let userAgent = `${SOFTWARE_NAME}/unknown`;
    const dispatcher = new OutboxDispatcher({
      store,
      log: ctx.log,
      concurrency: ctx.config.hooks.concurrency,
      retryBaseMs: ctx.config.outbox.retry_base_ms,
      userAgent: () => userAgent,
    });
    ctx.onStart(async () => {
      userAgent = `${SOFTWARE_NAME}/${await packageVersion(dirname(fileURLToPath(import.meta.url)))}`;
      // Rows left by an earlier run (or another node) are delivered from here on.
      dispatcher.start();
    });
    ctx.onStop(() => dispatcher.stop());
    for (const command of outboxCommands(store, dispatcher)) ctx.commands.register(command);

    const enqueue = async (request: OutboundRequest, id: string): Promise<void> => {
      checkRequest(request);
      await store.insert({
        id,
        endpoint: request.endpoint,
        url: request.url,
        body: request.body,
        content_type: request.contentType,
        headers: JSON.stringify(request.headers),
        created_at: Date.now(),
        max_age_s: request.maxAgeS,
      });
      dispatcher.wake(request.endpoint);
    };

    return {
      enqueue: (request) => enqueue(request, randomUUID()),
      async webhook(event) {
        const target = webhookTarget(ctx.config, event.hook);
        if (target === undefined) return false;
        const request = buildWebhookRequest(event, target);
        // The row id is the event id: one X-Webhook-Id per event, whatever the number of attempts.
        await enqueue(request, request.id);
        return true;
      },
      webhookEnabled: (hook) => webhookTarget(ctx.config, hook) !== undefined,
    };
  },
});

/** The URL, secret and max age of a hook, or undefined when it has no URL (§7.9, §7.10). */
export function webhookTarget(config: Config, hook: WebhookEvent["hook"]): WebhookTarget | undefined {
  const endpoint = hook === "stats" ? config.stats : config.hooks[hook];
  if (endpoint.url === null) return undefined;
  // Config resolution refuses to start when a URL has no secret (§7.9 "Secret").
  if (endpoint.secret === null) throw new Error(`${hook === "stats" ? "stats" : `hooks.${hook}`} has a URL but no secret`);
  return { url: endpoint.url, secret: endpoint.secret, maxAgeS: config.hooks.max_age_s };
}

/** Programming errors of a producer fail its call instead of leaving an undeliverable row. */
function checkRequest(request: OutboundRequest): void {
  const protocol = URL.canParse(request.url) ? new URL(request.url).protocol : "";
  if (protocol !== "http:" && protocol !== "https:") throw new Error(`outbox: not an http(s) URL: ${request.url}`);
  if (!Number.isFinite(request.maxAgeS) || request.maxAgeS <= 0) throw new Error(`outbox: maxAgeS must be positive, got ${request.maxAgeS}`);
  if (request.endpoint === "") throw new Error("outbox: empty endpoint name");
}

const DEAD_LETTER_LIST_DEFAULT = 50;

function outboxCommands(store: SqlOutboxStore, dispatcher: OutboxDispatcher): AdminCommand[] {
  return [
    {
      name: "outbox_status",
      description: "Counts of pending (of which retrying), in-flight (this node) and dead-lettered outgoing HTTP requests",
      args: [],
      async handler() {
        const counts = await store.counts();
        return { pending: counts.pending, retrying: counts.retrying, in_flight: dispatcher.inFlightCount(), dead_letters: counts.deadLetters };
      },
    },
    {
      name: "outbox_dead_letters",
      description: "The newest dead-lettered outgoing HTTP requests (without body and headers)",
      args: [{ name: "limit", type: "integer", description: `How many (default ${DEAD_LETTER_LIST_DEFAULT})`, optional: true }],
      async handler(args: CommandArgs) {
        const rows = await store.deadLetters(limitArg(args));
        return rows.map((r) => ({
          id: r.id,
          endpoint: r.endpoint,
          url: r.url,
          reason: r.reason,
          attempts: r.attempts,
          last_error: r.last_error ?? "",
          created_at: r.created_at,
          dead_at: r.dead_at,
        }));
      },
    },
    purgeCommand(store),
  ];
}

function purgeCommand(store: SqlOutboxStore): AdminCommand {
  return {
    name: "outbox_purge_dead_letters",
    description: "Delete dead-lettered outgoing HTTP requests older than older_than_s seconds (0: all); returns how many",
    args: [{ name: "older_than_s", type: "integer", description: "Age in seconds (default 0: every dead letter)", optional: true }],
    async handler(args: CommandArgs) {
      const raw = args["older_than_s"] ?? 0;
      const seconds = typeof raw === "number" ? raw : Number(raw);
      if (!Number.isInteger(seconds) || seconds < 0) throw new CommandError(400, "Invalid value for that option");
      return store.purgeDeadLetters(seconds === 0 ? Number.MAX_SAFE_INTEGER : Date.now() - seconds * 1000);
    },
  };
}

function limitArg(args: CommandArgs): number {
  const raw = args["limit"];
  const n = typeof raw === "number" ? raw : typeof raw === "string" ? Number(raw) : DEAD_LETTER_LIST_DEFAULT;
  return Number.isInteger(n) && n > 0 ? Math.min(n, 1000) : DEAD_LETTER_LIST_DEFAULT;
}
