/**
 * Every MucSub subscription of the node, in memory (PROTOCOL §5): by room (the fan-out of §5.5 walks
 * a room's subscribers), by room and nick (§3.3 check 8, §5.2 row 7), and by user (§5.4 "my
 * subscriptions", account removal). The store is written through by the module, not here.
 */
import type { Jid } from "../../xmpp/jid.js";
import type { NodeName } from "./mucsub.nodes.js";

export interface Subscription {
  /** The room's bare JID. */
  readonly room: string;
  /** The subscriber's bare JID, as a string and parsed (the fan-out looks up sessions by it). */
  readonly user: string;
  readonly jid: Jid;
  readonly nick: string;
  /** Known nodes, in the order they were given. */
  readonly nodes: readonly NodeName[];
  readonly createdAt: number;
}

interface RoomSubscriptions {
  readonly byUser: Map<string, Subscription>;
  readonly byNick: Map<string, string>;
}

export class SubscriptionTable {
  readonly #rooms = new Map<string, RoomSubscriptions>();
  readonly #users = new Map<string, Set<string>>();

  get(room: string, user: string): Subscription | undefined {
    return this.#rooms.get(room)?.byUser.get(user);
  }

  /** The bare JID subscribed under `nick` in the room, if any. */
  nickHolder(room: string, nick: string): string | undefined {
    return this.#rooms.get(room)?.byNick.get(nick);
  }

  /** A room's subscriptions, in subscription order. */
  ofRoom(room: string): IterableIterator<Subscription> | readonly Subscription[] {
    return this.#rooms.get(room)?.byUser.values() ?? EMPTY;
  }

  count(room: string): number {
    return this.#rooms.get(room)?.byUser.size ?? 0;
  }

  /** The rooms (bare JIDs) a user is subscribed to. */
  roomsOf(user: string): readonly string[] {
    const rooms = this.#users.get(user);
    return rooms === undefined ? [] : [...rooms];
  }

  /** Adds or replaces a subscription; returns the one it replaced. */
  put(s: Subscription): Subscription | undefined {
    let entry = this.#rooms.get(s.room);
    if (entry === undefined) {
      entry = { byUser: new Map(), byNick: new Map() };
      this.#rooms.set(s.room, entry);
    }
    const previous = entry.byUser.get(s.user);
    if (previous !== undefined && entry.byNick.get(previous.nick) === s.user) entry.byNick.delete(previous.nick);
    entry.byUser.set(s.user, s);
    entry.byNick.set(s.nick, s.user);
    let rooms = this.#users.get(s.user);
    if (rooms === undefined) {
      rooms = new Set();
      this.#users.set(s.user, rooms);
    }
    rooms.add(s.room);
    return previous;
  }

  /** Removes one subscription; returns it, or undefined when there was none. */
  delete(room: string, user: string): Subscription | undefined {
    const entry = this.#rooms.get(room);
    const s = entry?.byUser.get(user);
    if (entry === undefined || s === undefined) return undefined;
    entry.byUser.delete(user);
    if (entry.byNick.get(s.nick) === user) entry.byNick.delete(s.nick);
    if (entry.byUser.size === 0) this.#rooms.delete(room);
    const rooms = this.#users.get(user);
    rooms?.delete(room);
    if (rooms?.size === 0) this.#users.delete(user);
    return s;
  }

  /** Removes every subscription of a room; returns them. */
  deleteRoom(room: string): Subscription[] {
    const removed = [...this.ofRoom(room)];
    for (const s of removed) this.delete(room, s.user);
    return removed;
  }
}

const EMPTY: readonly Subscription[] = Object.freeze([]);
