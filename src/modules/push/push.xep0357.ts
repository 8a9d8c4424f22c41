/**
 * XEP-0357 push per device (PROTOCOL §7.13, `push.enabled`): `<enable>`/`<disable>` registrations (at most
 * 20 per account, the oldest goes), and the pubsub publish to each registered service, whose
 * `item-not-found` or `forbidden` error reply removes that registration.
 * https://xmpp.org/extensions/xep-0357.html
 */
import { randomBytes } from "node:crypto";
import { elementCodec } from "../../core/codec.js";
import { handleCustomIq } from "../../core/custom-iq.js";
import { Phase } from "../../core/hook-map.js";
import type { ModuleContext } from "../../core/module.js";
import { el, type Element } from "../../xml/element.js";
import { serialize } from "../../xml/serialize.js";
import { parseXml } from "../../xml/stream-parser.js";
import { tryParseJid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import type { PushMessage } from "./push.form.js";
import type { Registration, SqlPushStore } from "./push.store.js";
import { bodyText } from "./push.trigger.js";

/** §9.1: registrations per account. */
export const MAX_REGISTRATIONS = 20;
/** A reply that never comes is forgotten after this (the registration stays). */
const REPLY_TIMEOUT_MS = 60_000;

interface Pending {
  readonly reg: Registration;
  readonly timer: NodeJS.Timeout;
}

/** The summary form of a notification (XEP-0357 §7, `urn:xmpp:push:summary`). */
export function summaryForm(message: PushMessage, includeBody: boolean): Element {
  const field = (name: string, value: string) => el("field", { var: name }, el("value", null, value));
  const sender = message.room === undefined ? message.sender.bareString : `${message.room.bareString}/${message.nick ?? ""}`;
  const body = message.call ? undefined : bodyText(message.stanza);
  return el(
    "x",
    { xmlns: NS.dataForms, type: "submit" },
    field("FORM_TYPE", "urn:xmpp:push:summary"),
    field("message-count", "1"),
    field("last-message-sender", sender),
    includeBody && body !== undefined ? field("last-message-body", body) : undefined,
  );
}

/** The notification IQ of §7.13 for one registration. */
export function notificationIq(reg: Registration, message: PushMessage, id: string, includeBody: boolean): Element {
  const options = reg.options === null ? undefined : el("publish-options", null, parseXml(reg.options));
  return el(
    "iq",
    { type: "set", from: reg.owner, to: reg.service, id },
    el(
      "pubsub",
      { xmlns: NS.pubsub },
      el("publish", { node: reg.node }, el("item", null, el("notification", { xmlns: NS.push }, summaryForm(message, includeBody)))),
      options,
    ),
  );
}

export class Xep0357Push {
  readonly #pending = new Map<string, Pending>();
  #lastCreated = 0;

  constructor(
    private readonly ctx: ModuleContext,
    private readonly store: SqlPushStore,
  ) {}

  /** Registers the IQs and the reply observer; only when `push.enabled`. */
  setup(): void {
    const { ctx, store } = this;
    handleCustomIq(ctx, elementCodec("enable", NS.push), {
      set: async (payload, iq) => {
        const service = tryParseJid(payload.attrs["jid"]);
        const node = payload.attrs["node"] ?? "";
        if (service === undefined || node === "") throw new StanzaError("bad-request");
        const form = payload.getChild("x", NS.dataForms);
        const options = form === undefined ? null : serialize(form, NS.client);
        const createdAt = (this.#lastCreated = Math.max(Date.now(), this.#lastCreated + 1));
        await store.register({ owner: iq.from.bareString, service: service.toString(), node, options, createdAt }, MAX_REGISTRATIONS);
      },
    });
    handleCustomIq(ctx, elementCodec("disable", NS.push), {
      set: async (payload, iq) => {
        const service = tryParseJid(payload.attrs["jid"]);
        if (service === undefined) throw new StanzaError("bad-request");
        const node = payload.attrs["node"];
        await store.unregister(iq.from.bareString, service.toString(), node === "" ? undefined : node);
      },
    });
    // Push services are local (no s2s): their replies arrive as client stanzas addressed to the account.
    ctx.hooks.on("client.stanza-sent", ({ session, stanza }) => (stanza.name === "iq" ? this.#onReply(session.jid.toString(), stanza) : "continue"), Phase.guard);
    ctx.onStop(() => {
      for (const p of this.#pending.values()) clearTimeout(p.timer);
      this.#pending.clear();
    });
  }

  /** One notification per registered device of the recipient. */
  async notify(message: PushMessage, includeBody: boolean): Promise<void> {
    for (const reg of await this.store.registrations(message.recipient.bareString)) {
      const id = `push-${randomBytes(8).toString("hex")}`;
      let iq: Element;
      try {
        iq = notificationIq(reg, message, id, includeBody);
      } catch (err) {
        this.ctx.log.warn({ err, owner: reg.owner, node: reg.node }, "unreadable publish-options; notification sent without them");
        iq = notificationIq({ ...reg, options: null }, message, id, includeBody);
      }
      const timer = setTimeout(() => this.#pending.delete(id), REPLY_TIMEOUT_MS);
      timer.unref();
      this.#pending.set(id, { reg, timer });
      await this.ctx.router.route(iq);
    }
  }

  #onReply(sessionJid: string, stanza: Element): "continue" | "handled" | Promise<"handled"> {
    const type = stanza.attrs["type"];
    if (type !== "result" && type !== "error") return "continue";
    const id = stanza.attrs["id"];
    const pending = id === undefined ? undefined : this.#pending.get(id);
    if (id === undefined || pending === undefined) return "continue";
    const { reg } = pending;
    // Only the service itself (its full JID, or any session of its bare JID) answers for it.
    if (sessionJid !== reg.service && tryParseJid(sessionJid)?.bareString !== reg.service) return "continue";
    clearTimeout(pending.timer);
    this.#pending.delete(id);
    if (type === "result") return "handled";
    const condition = stanza.getChild("error")?.firstElement()?.name;
    if (condition !== "item-not-found" && condition !== "forbidden") return "handled";
    return this.store.unregister(reg.owner, reg.service, reg.node).then(
      () => "handled" as const,
      (err: unknown) => {
        this.ctx.log.warn({ err, owner: reg.owner }, "could not remove a push registration");
        return "handled" as const;
      },
    );
  }
}
