/**
 * What happens to the stanzas a client never acknowledged when its session ends (PROTOCOL §2.11):
 * storable chat/normal messages and storable MucSub events go to another available resource that has
 * not had them, else to offline storage (§9.4); groupchat (MAM has it) and everything else is dropped.
 */
import type { Logger } from "pino";
import type { HookMap } from "../../core/hook-map.js";
import type { StanzaRouter } from "../../core/module.js";
import type { Session } from "../../core/session.js";
import type { SessionDirectory } from "../../core/session-directory.js";
import type { Element } from "../../xml/element.js";
import { tryParseJid, type Jid } from "../../xmpp/jid.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { errorReply, messageType } from "../../xmpp/stanza.js";
import { isCarbonCopy } from "../carbons/carbons.codec.js";
import type { OfflineQueue } from "./offline.queue.js";
import { QUEUE_FULL_TEXT, isMucSubEvent, isStorableMucSubEvent, isStorableOffline } from "./offline.policy.js";
import { markRedelivery, offlineRowOf } from "./redelivery.js";

export interface SessionEndDeps {
  readonly sessions: SessionDirectory;
  readonly router: StanzaRouter;
  readonly queue: OfflineQueue;
  readonly log: Logger;
  /** `mucsub.store_offline` (§5.5). */
  readonly storeMucSub: boolean;
  /** Anonymous and deleted accounts get nothing stored (§2.6; an unregister ends sessions, then deletes). */
  readonly userExists: (user: Jid) => Promise<boolean>;
  /** Emits `message.stored-back` (the offline push of §7.8 listens), before the queue decides (it fires even when full). */
  readonly storedBack?: (user: Jid, stanza: Element) => Promise<unknown>;
}

export class SessionEndHandler {
  /**
   * Which sessions a bare-JID message fanned out to (§9.3), recorded only when the account had several
   * resources: a session that ends with it unacknowledged then knows which others already have it.
   */
  readonly #fanOut = new WeakMap<Element, ReadonlySet<number>>();

  constructor(private readonly deps: SessionEndDeps) {}

  /** `message.routing` (observe): remember the recipients of a chat/normal fan-out. */
  recordFanOut(payload: HookMap["message.routing"]): void {
    const { to, stanza } = payload;
    const { sessions } = this.deps;
    if (to.resource !== "" && sessions.get(to) !== undefined) return;
    const resources = sessions.resourcesOf(to);
    if (resources.length < 2) return;
    const type = messageType(stanza);
    if (type !== "chat" && type !== "normal") return;
    const reached = new Set<number>();
    for (const s of resources) if (s.isAvailable && s.priority >= 0) reached.add(s.id);
    this.#fanOut.set(stanza, reached);
  }

  /** `session.closed`: each unacknowledged stanza, oldest first. */
  async onSessionClosed(session: Session, unacked: readonly Element[]): Promise<void> {
    for (const stanza of unacked) {
      try {
        await this.#handle(session, stanza);
      } catch (err) {
        this.deps.log.error({ err, session: session.id }, "could not re-route an unacknowledged stanza");
      }
    }
  }

  async #handle(session: Session, stanza: Element): Promise<void> {
    if (stanza.name !== "message" || isCarbonCopy(stanza)) return;
    if (isMucSubEvent(stanza)) {
      if (!this.deps.storeMucSub || !isStorableMucSubEvent(stanza)) return;
      // §5.5: every other available session had this event, wrapped or plain ("a device never gets both").
      if (this.#available(session, -128).length > 0) return;
      return this.#storeBack(session, stanza, true);
    }
    // Groupchat (MAM has it), headlines, errors, chat states and no-store messages are dropped.
    if (!isStorableOffline(stanza)) return;
    const others = this.#available(session, 0);
    const targets = this.#notYetReached(session, stanza, others);
    if (targets.length > 0) {
      for (const target of targets) {
        const copy = stanza.withAttrs({ to: target.jid.toString() });
        await this.deps.router.route(markRedelivery(copy, offlineRowOf(stanza)));
      }
      return;
    }
    if (others.length > 0) return; // they all had it from the same bare-JID fan-out
    return this.#storeBack(session, stanza, false);
  }

  /** Other available sessions of the same account that chat/normal delivery would use (§9.3: priority ≥ min). */
  #available(session: Session, minPriority: number): Session[] {
    const out: Session[] = [];
    for (const s of this.deps.sessions.resourcesOf(session.jid)) {
      if (s !== session && s.isAvailable && s.priority >= minPriority) out.push(s);
    }
    return out;
  }

  /**
   * A message addressed to this very session reached no other; one sent to the bare JID reached the
   * sessions recorded at fan-out (none recorded: this session was the account's only one then).
   */
  #notYetReached(session: Session, stanza: Element, others: Session[]): Session[] {
    const to = tryParseJid(stanza.attrs["to"]);
    if (to !== undefined && to.resource !== "" && to.toString() === session.jid.toString()) return others;
    const reached = this.#fanOut.get(stanza);
    return reached === undefined ? others : others.filter((s) => !reached.has(s.id));
  }

  async #storeBack(session: Session, stanza: Element, mucSubEvent: boolean): Promise<void> {
    const owner = session.jid.bare();
    if (session.isAnonymous || !(await this.deps.userExists(owner))) return;
    const row = offlineRowOf(stanza);
    // An offline message taken for this session goes back under its own id: same place, never twice.
    if (row !== undefined) return this.deps.queue.restore(row);
    // §2.11: a message stored here triggers the offline push unless it was already pushed (push module).
    await this.deps.storedBack?.(owner, stanza);
    if ((await this.deps.queue.add(owner, stanza)) === "stored") return;
    if (mucSubEvent) return; // §9.4: a MucSub event is dropped silently when the queue is full
    await this.deps.router.route(errorReply(stanza, new StanzaError("resource-constraint", QUEUE_FULL_TEXT)));
  }
}
