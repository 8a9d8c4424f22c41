/**
 * The stats feed (PROTOCOL §7.10): one entry per archived-class room message and per 1:1 `chat`/`normal` message
 * with a body, batched (stats.batcher.ts) and sent as `stats.messages` through the durable outbox (§7.9
 * transport). With `stats.url` unset nothing is registered: no hook, no extension, no timer.
 */
import { Phase } from "../../core/hook-map.js";
import { defineModule } from "../../core/module.js";
import { mucModule } from "../muc/muc.module.js";
import { outboxModule } from "../outbox/outbox.module.js";
import { hostOf } from "../webhooks/message-facts.js";
import { StatsBatcher, type StatsMessage } from "./stats.batcher.js";
import { chatEntry, roomEntry } from "./stats.entries.js";

export const statsModule = defineModule<void>({
  name: "stats",

  setup(ctx) {
    const { url, batch_size, flush_interval_ms } = ctx.config.stats;
    if (url === null) return;
    // Set up first, so that its stop task runs after ours (stop tasks run in reverse) and the last batch lands.
    const outbox = ctx.use(outboxModule);
    const muc = ctx.use(mucModule);
    // One batch per virtual host, so that the envelope `host` (§7.9) holds for every message in it.
    const batchers = new Map<string, StatsBatcher>();
    for (const host of ctx.hosts) {
      const send = (messages: readonly StatsMessage[]) => outbox.webhook({ hook: "stats", event: "stats.messages", fields: { messages }, host });
      batchers.set(host, new StatsBatcher({ batchSize: batch_size, flushIntervalMs: flush_interval_ms, send, log: ctx.log }));
    }
    const hosts = new Set(ctx.hosts);
    const add = (host: string, entry: StatsMessage) => batchers.get(host)?.add(entry);

    muc.extend({
      messageBroadcast(event) {
        const entry = roomEntry(event);
        if (entry !== undefined) add(hostOf(event.room.jid, ctx.hosts), entry);
      },
    });
    ctx.hooks.on(
      "message.routing",
      (payload) => {
        const entry = chatEntry(payload, hosts, Date.now);
        if (entry !== undefined) add(payload.from.domain, entry);
      },
      Phase.observe,
    );

    ctx.onStart(() => {
      for (const b of batchers.values()) b.start();
    });
    ctx.onStop(async () => {
      await Promise.all([...batchers.values()].map((b) => b.stop()));
    });
  },
});
