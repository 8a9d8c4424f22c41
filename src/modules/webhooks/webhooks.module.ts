/**
 * Backend webhooks (PROTOCOL §7.9): `member.join`/`member.exit` from room membership changes, `message.last` and
 * `message.archive` (create) from archived-class room messages, `message.archive` (edit/delete) and
 * `message.audit` from §7.1/§7.2 commands, and `history.access` from every MAM query. Delivery is the durable
 * outbox's job; this module only builds fields. A hook without a URL registers nothing (checked once here), so
 * a deployment without webhooks pays nothing per message.
 */
import { Phase, type RoomMessageCommand } from "../../core/hook-map.js";
import { defineModule } from "../../core/module.js";
import { mucModule } from "../muc/muc.module.js";
import type { RoomMessageEvent } from "../muc/muc-extensions.js";
import type { WebhookEvent } from "../outbox/outbox.api.js";
import { outboxModule } from "../outbox/outbox.module.js";
import { bodyText, hostOf } from "./message-facts.js";
import { PendingSends } from "./pending-sends.js";
import { archiveFields, auditFields, historyFields, lastMessageFields, memberFields, type Fields, type RoomMessage } from "./webhooks.fields.js";

type Hook = WebhookEvent["hook"];

export const webhooksModule = defineModule<void>({
  name: "webhooks",

  setup(ctx) {
    // Set up first, so that its stop task runs after ours (stop tasks run in reverse) and our last enqueues land.
    const outbox = ctx.use(outboxModule);
    const muc = ctx.use(mucModule);
    const pending = new PendingSends(ctx.log);
    const hosts = ctx.hosts;
    const send = (hook: Hook, event: string, fields: Fields, host: string) => pending.track(outbox.webhook({ hook, event, fields, host }), event);

    if (outbox.webhookEnabled("track_member")) {
      // §7.9 Decision: occupancy never emits member.*; only these membership hooks do.
      ctx.hooks.on("room.member-joined", (c) => send("track_member", "member.join", memberFields(c), hostOf(c.room, hosts)), Phase.observe);
      ctx.hooks.on("room.member-left", (c) => send("track_member", "member.exit", memberFields(c), hostOf(c.room, hosts)), Phase.observe);
    }

    const last = outbox.webhookEnabled("track_last_message");
    const archive = outbox.webhookEnabled("archive_message");
    if (last || archive) {
      muc.extend({
        messageBroadcast(event: RoomMessageEvent) {
          // §3.8: archived classes fire even in a room with `mam` off (then `stanzaId` is the plain stanza-id).
          if (!event.archivedClass) return;
          const m: RoomMessage = { room: event.room.jid, from: event.from, nick: event.nick, stanza: event.stanza, stanzaId: String(event.id) };
          const host = hostOf(m.room, hosts);
          if (last && bodyText(m.stanza) !== undefined) send("track_last_message", "message.last", lastMessageFields(m), host);
          if (archive) send("archive_message", "message.archive", archiveFields("create", m), host);
        },
      });
    }

    if (outbox.webhookEnabled("history_access")) {
      ctx.hooks.on("history.accessed", (a) => send("history_access", "history.access", historyFields(a), hostOf(a.archive, hosts)), Phase.observe);
    }

    const audit = outbox.webhookEnabled("message_audit");
    if (audit || archive) {
      ctx.hooks.on(
        "room.message-command",
        (c: RoomMessageCommand) => {
          const host = hostOf(c.room, hosts);
          if (audit) send("message_audit", "message.audit", auditFields(c), host);
          const u = c.updated;
          if (!archive || c.outcome !== "applied" || u === undefined || c.targetAuthor === undefined) return;
          const m: RoomMessage = { room: c.room, from: c.targetAuthor, nick: u.nick, stanza: u.stanza, stanzaId: c.targetStanzaId };
          send("archive_message", "message.archive", archiveFields(c.action, m, u.at), host);
        },
        Phase.observe,
      );
    }

    ctx.onStop(() => pending.drain());
  },
});
