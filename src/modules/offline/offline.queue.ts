/**
 * The offline queue's behaviour on top of its store (PROTOCOL §9.4, XEP-0160): append within the cap,
 * hand the whole queue to a session that became available, put rows back when delivery fails.
 */
import type { Logger } from "pino";
import type { StanzaRouter } from "../../core/module.js";
import type { Session } from "../../core/session.js";
import type { SessionDirectory } from "../../core/session-directory.js";
import type { Element } from "../../xml/element.js";
import { serialize } from "../../xml/serialize.js";
import { parseXml } from "../../xml/stream-parser.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { KeyedMutex } from "./keyed-mutex.js";
import { prepareForDelivery } from "./offline.policy.js";
import type { OfflineRow, SqlOfflineStore } from "./offline.store.js";
import { markRedelivery } from "./redelivery.js";

export interface OfflineQueueDeps {
  readonly store: SqlOfflineStore;
  readonly maxMessages: number;
  readonly sessions: SessionDirectory;
  readonly router: StanzaRouter;
  readonly log: Logger;
  readonly now?: () => number;
}

export type AddOutcome = "stored" | "full";

export class OfflineQueue {
  readonly #deps: OfflineQueueDeps;
  readonly #now: () => number;
  // "count, then insert" per owner, so concurrent messages cannot overshoot the cap on this node.
  readonly #mutex = new KeyedMutex();

  constructor(deps: OfflineQueueDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /** Appends a stanza to the owner's queue unless it already holds `offline.max_messages` (§9.4 cap). */
  async add(owner: Jid, stanza: Element): Promise<AddOutcome> {
    const key = owner.bareString;
    const xml = serialize(stanza, NS.client);
    return this.#mutex.run(key, async () => {
      if ((await this.#deps.store.count(key)) >= this.#deps.maxMessages) return "full";
      await this.#deps.store.add(key, this.#now(), xml);
      return "stored";
    });
  }

  /** Puts back a row that was taken for delivery but never reached a client; idempotent (same id). */
  async restore(row: OfflineRow): Promise<void> {
    await this.#deps.store.restore(row);
  }

  /**
   * Delivers the owner's whole queue to one session, oldest first, each with its delay stamp (§9.4).
   * Rows are taken (deleted) first, in one statement, so two sessions never both get them. Whatever then
   * fails to reach the client comes back: rows not yet sent are restored here, rows sent but not
   * acknowledged come back through `session.closed` (§2.11) and are restored under their own id.
   */
  async deliverTo(session: Session): Promise<number> {
    // Under the owner's lock: an `add` already counting or inserting finishes first, so its row is taken too.
    const key = session.jid.bareString;
    const rows = await this.#mutex.run(key, () => this.#deps.store.takeAll(key));
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as OfflineRow;
      if (!this.#isStillAvailable(session)) {
        for (const rest of rows.slice(i)) await this.restore(rest);
        return i;
      }
      let stanza: Element;
      try {
        stanza = parseXml(row.stanza);
      } catch (err) {
        this.#deps.log.error({ err, owner: row.owner, id: row.id }, "dropping an unreadable offline message");
        continue;
      }
      prepareForDelivery(stanza, session.jid.domain, row.storedAt, session.jid.toString());
      await this.#deps.router.route(markRedelivery(stanza, row));
    }
    return rows.length;
  }

  count(owner: Jid): Promise<number> {
    return this.#deps.store.count(owner.bareString);
  }

  list(owner: Jid): Promise<OfflineRow[]> {
    return this.#deps.store.list(owner.bareString);
  }

  async remove(owner: Jid): Promise<void> {
    await this.#mutex.run(owner.bareString, () => this.#deps.store.deleteOwner(owner.bareString));
  }

  #isStillAvailable(session: Session): boolean {
    return session.isAvailable && session.priority >= 0 && this.#deps.sessions.get(session.jid) === session;
  }
}
