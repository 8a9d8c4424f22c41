/**
 * One push to one recipient (PROTOCOL §7.8, §7.13): the per-recipient exclusions the stanza cannot tell
 * (anonymous or unknown account, a room muted by U §7.12, a sender blocked by U §7.7), then the webhook
 * request into the durable outbox and the XEP-0357 notifications.
 */
import type { Logger } from "pino";
import type { Config } from "../../config/load-config.js";
import type { AccountsApi } from "../accounts/accounts.module.js";
import { BlockListName, type BlockingApi } from "../blocking/blocking.module.js";
import type { OutboxApi } from "../outbox/outbox.api.js";
import { encodeForm, formFields, FORM_CONTENT_TYPE, postUrl, type PushMessage } from "./push.form.js";
import type { MuteCache } from "./push.mutes.js";
import type { Xep0357Push } from "./push.xep0357.js";

export interface DispatchDeps {
  readonly config: Config;
  readonly log: Logger;
  readonly accounts: AccountsApi;
  readonly blocking: BlockingApi;
  readonly outbox: OutboxApi;
  readonly mutes: MuteCache;
  /** Set when `push.enabled`. */
  readonly xep0357: Xep0357Push | undefined;
}

/** How many recent pushes are remembered, so §2.11's "nothing is pushed a second time" holds. */
const RECENT_LIMIT = 10_000;

export class PushDispatcher {
  readonly #recent = new Set<string>();

  constructor(private readonly deps: DispatchDeps) {}

  get webhookEnabled(): boolean {
    return this.deps.config.offline_post.common_post_url !== null;
  }

  /**
   * Pushes unless a per-recipient exclusion holds. `unlessPushed`: a message that went to offline storage when
   * its session ended (§2.11) is pushed only if it was not pushed already (while the sessions were hibernated).
   * Never throws: a push failure must not stop delivery or offline storage.
   */
  async push(message: PushMessage, unlessPushed = false): Promise<void> {
    const key = `${message.recipient.bareString}\n${message.msgId}`;
    if (unlessPushed && this.#recent.has(key)) return;
    try {
      if (!(await this.#allowed(message))) return;
      this.#remember(key);
      await this.#send(message);
    } catch (err) {
      this.deps.log.error({ err, to: message.recipient.bareString, msgId: message.msgId }, "offline push failed");
    }
  }

  async #allowed(message: PushMessage): Promise<boolean> {
    const { accounts, mutes, blocking } = this.deps;
    // Anonymous accounts are not in the account table (§2.6): never pushed.
    if (!(await accounts.exists(message.recipient))) return false;
    if (message.room !== undefined && (await mutes.isMuted(message.recipient.bareString, message.room.bareString))) return false;
    // §7.7: the blocking filters drop these before they get here; this is the second guard.
    return !(await blocking.check(message.recipient, message.sender, BlockListName.userBlock));
  }

  async #send(message: PushMessage): Promise<void> {
    const { config, outbox, xep0357 } = this.deps;
    const url = postUrl(message, config.offline_post);
    if (url !== undefined) {
      await outbox.enqueue({
        endpoint: "offline_post",
        url,
        body: encodeForm(formFields(message, config.offline_post)),
        contentType: FORM_CONTENT_TYPE,
        headers: {},
        maxAgeS: config.offline_post.max_age_s,
      });
    }
    if (xep0357 !== undefined) await xep0357.notify(message, config.push.include_body);
  }

  #remember(key: string): void {
    if (this.#recent.size >= RECENT_LIMIT) {
      // Insertion order: drop the oldest.
      const oldest = this.#recent.values().next().value;
      if (oldest !== undefined) this.#recent.delete(oldest);
    }
    this.#recent.add(key);
  }
}
