/**
 * MucSub event delivery (PROTOCOL §5.5, §5.6, §2.11): for each subscriber of the event's node, one
 * wrapped copy per available session that is not joined to the room; offline subscribers get storable
 * events through their bare JID (the offline module queues them, §9.4) and the
 * `muc.offline-subscriber-message` hook (the push of §7.8), which also fires while every session of the
 * subscriber is hibernated; archived `messages` events delivered wrapped are copied into the
 * subscriber's own archive under the room's archive id.
 */
import { randomBytes } from "node:crypto";
import type { HookMap } from "../../core/hook-map.js";
import type { StanzaRouter } from "../../core/module.js";
import type { SessionDirectory } from "../../core/session-directory.js";
import type { Element } from "../../xml/element.js";
import { serialize } from "../../xml/serialize.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { EntryKind, type MamApi } from "../mam/mam.module.js";
import type { RoomMessageEvent, RoomView } from "../muc/muc.module.js";
import { isStorableMucSubEvent } from "../offline/offline.policy.js";
import { innerCopy, wrapEvent } from "./mucsub.codec.js";
import type { NodeName } from "./mucsub.nodes.js";
import type { Subscription, SubscriptionTable } from "./subscription-table.js";
import { BackgroundQueue } from "./background-queue.js";

export interface DeliveryDeps {
  readonly table: SubscriptionTable;
  readonly sessions: SessionDirectory;
  readonly router: StanzaRouter;
  readonly mam: MamApi;
  readonly runHook: <K extends "muc.offline-subscriber-message">(name: K, payload: HookMap[K]) => Promise<unknown>;
  readonly log: { error(fields: object, message: string): void };
  /** `mucsub.store_offline` (§5.5). */
  readonly storeOffline: boolean;
}

const YIELD_EVERY = 256;

/** How one subscriber's sessions stand towards the room (§5.5 delivery rule, §2.11 live sessions). */
interface Reach {
  /** Available sessions that are not joined: each gets a wrapped copy. */
  readonly targets: Jid[];
  readonly available: boolean;
  readonly live: boolean;
}

/** A room-generated event for one node (non-`messages`): the payload each subscriber gets inside the wrapper. */
export type PayloadFor = (subscriber: string) => Element;

export class EventDelivery {
  readonly #background: BackgroundQueue;
  readonly #inflight = new Set<Promise<void>>();

  constructor(private readonly deps: DeliveryDeps) {
    this.#background = new BackgroundQueue(deps.log);
  }

  /** Resolves once events in progress, and the offline storage and hooks they queued, are done (tests, shutdown). */
  async idle(): Promise<void> {
    do {
      await Promise.all(this.#inflight);
      await this.#background.idle();
    } while (this.#inflight.size > 0 || this.#background.pending > 0);
  }

  /** The "room message broadcast" extension point: `messages` (or `subject` for subject changes). */
  async messageEvent(event: RoomMessageEvent): Promise<void> {
    const work = this.#messageEvent(event);
    this.#inflight.add(work);
    try {
      await work;
    } finally {
      this.#inflight.delete(work);
    }
  }

  async #messageEvent(event: RoomMessageEvent): Promise<void> {
    const room = event.room.jid.bareString;
    if (this.deps.table.count(room) === 0) return;
    const node: NodeName = event.subject ? "subject" : "messages";
    const id = node === "messages" ? String(event.id) : randomId();
    let joined: Set<string> | undefined;
    const isJoined = (jid: Jid): boolean => (joined ??= new Set(event.joined.map(String))).has(jid.toString());
    const offline: Subscription[] = [];
    const notLive: Subscription[] = [];
    let visited = 0;
    const excluded = event.excluded;
    for (const s of this.deps.table.ofRoom(room)) {
      if (!s.nodes.includes(node)) continue;
      // §7.7 block filtering: a subscriber who blocked the sender gets nothing in any form (no wrapped event,
      // offline copy, push hook or archive copy).
      if (excluded !== undefined && excluded.has(s.user)) continue;
      // Thousands of subscribers (pinned rooms): let other traffic through now and then, as the room fan-out does.
      if (++visited % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
      const reach = this.#reach(s.jid, isJoined);
      if (reach.targets.length > 0) await this.deps.router.broadcast(wrapEvent(room, node, id, innerCopy(event.stanza, s.user)), reach.targets);
      if (!reach.available) offline.push(s);
      if (node === "messages" && !reach.live) notLive.push(s);
      // §5.6: only archived room messages, and only when a wrapped copy went out (online or offline).
      if (node === "messages" && event.archived && (reach.targets.length > 0 || !reach.available)) await this.#archiveCopy(event, s, id);
    }
    if (offline.length === 0 && notLive.length === 0) return;
    await this.#background.push(() => this.#offline(event, node, id, offline, notLive));
  }

  /** Presence, affiliations, config, system and subscribers events: online subscribers only (§5.5 "Other nodes are not stored"). */
  async nodeEvent(room: RoomView, node: NodeName, payloadFor: PayloadFor): Promise<void> {
    const roomJid = room.jid.bareString;
    if (this.deps.table.count(roomJid) === 0) return;
    const id = randomId();
    const isJoined = (jid: Jid): boolean => room.occupants.byFullJid(jid.toString()) !== undefined;
    for (const s of [...this.deps.table.ofRoom(roomJid)]) {
      if (!s.nodes.includes(node)) continue;
      const reach = this.#reach(s.jid, isJoined);
      if (reach.targets.length > 0) await this.deps.router.broadcast(wrapEvent(roomJid, node, id, payloadFor(s.user)), reach.targets);
    }
  }

  #reach(user: Jid, isJoined: (jid: Jid) => boolean): Reach {
    const targets: Jid[] = [];
    let available = false;
    let live = false;
    for (const session of this.deps.sessions.resourcesOf(user)) {
      if (!session.isAvailable) continue;
      available = true;
      if (!session.isHibernated) live = true;
      if (!isJoined(session.jid)) targets.push(session.jid);
    }
    return { targets, available, live };
  }

  async #archiveCopy(event: RoomMessageEvent, s: Subscription, id: string): Promise<void> {
    const room = event.room.jid.bareString;
    const inner = innerCopy(event.stanza, s.user);
    const wrapper = wrapEvent(room, "messages", id, inner, s.user);
    const originId = inner.getChild("origin-id", NS.sid)?.attrs["id"] ?? inner.attrs["id"] ?? null;
    try {
      await this.deps.mam.archive({
        archive: s.user,
        id: event.id,
        peer: room,
        peerResource: event.nick,
        nick: event.nick,
        kind: EntryKind.mucsub,
        originId,
        stanza: serialize(wrapper, NS.client),
        sender: event.from.bareString, // §6.8: the real sender, for block filtering of the subscriber's archive
      });
    } catch (err) {
      this.deps.log.error({ err, room, user: s.user, id: event.id }, "MucSub archive copy failed");
    }
  }

  /** Off the sender's path: offline queues (one database write per subscriber) and the push hook. */
  async #offline(event: RoomMessageEvent, node: NodeName, id: string, offline: readonly Subscription[], notLive: readonly Subscription[]): Promise<void> {
    const room = event.room.jid.bareString;
    if (this.deps.storeOffline) {
      for (const s of offline) {
        const wrapper = wrapEvent(room, node, id, innerCopy(event.stanza, s.user), s.user);
        // §5.5: subject events, and messages events that are archived or applied edit/delete commands.
        if (isStorableMucSubEvent(wrapper)) await this.deps.router.route(wrapper);
      }
    }
    for (const s of notLive) {
      try {
        await this.deps.runHook("muc.offline-subscriber-message", {
          room: event.room.jid,
          subscriber: s.jid,
          sender: event.from.bare(),
          nick: event.nick,
          stanza: innerCopy(event.stanza, s.user),
          archiveId: event.id,
          archived: event.archived,
        });
      } catch (err) {
        this.deps.log.error({ err, room, user: s.user }, "muc.offline-subscriber-message hook failed");
      }
    }
  }
}

function randomId(): string {
  return randomBytes(6).toString("hex");
}
