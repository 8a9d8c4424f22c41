/**
 * Subscriptions changing (PROTOCOL §5.2, §5.3, §5.8, §1.7): written through to the store, announced to
 * `:subscribers` subscribers, and reported as room membership changes (§0.5 "room member": affiliated
 * member or subscriber, not outcast), which become the `member.join`/`member.exit` webhooks (§7.9).
 * Shared by the IQ handlers, the admin commands and the pinned rooms of Apps.
 */
import type { HookMap, RoomMemberChange } from "../../core/hook-map.js";
import { Jid } from "../../xmpp/jid.js";
import type { AffiliationChange, MucApi, RoomView } from "../muc/muc.module.js";
import type { EventDelivery } from "./mucsub-delivery.js";
import { subscriberNotice } from "./mucsub.codec.js";
import { nodesToText, type NodeName } from "./mucsub.nodes.js";
import type { SqlMucSubStore } from "./mucsub.store.js";
import type { Subscription, SubscriptionTable } from "./subscription-table.js";

export type MemberReason = RoomMemberChange["reason"];
type MemberHook = "room.member-joined" | "room.member-left";

export interface CoreDeps {
  readonly table: SubscriptionTable;
  readonly store: SqlMucSubStore;
  readonly delivery: EventDelivery;
  readonly muc: MucApi;
  readonly runHook: <K extends MemberHook>(name: K, payload: HookMap[K]) => Promise<unknown>;
  readonly log: { error(fields: object, message: string): void; warn(fields: object, message: string): void };
  readonly now?: () => number;
}

/** What applying a pinned room to one user did (§1.7). */
export type PinOutcome = "applied" | "outcast" | "no-room" | "nick-conflict";

const MEMBER_AFFILIATIONS: ReadonlySet<string> = new Set(["owner", "admin", "member"]);

export class MucSubCore {
  /** (room, user) pairs whose affiliation change is part of a larger operation that reports membership itself. */
  readonly #quiet = new Set<string>();

  constructor(private readonly deps: CoreDeps) {}

  get(room: RoomView, user: string): Subscription | undefined {
    return this.deps.table.get(room.jid.bareString, user);
  }

  /** §0.5: an affiliated member or a subscriber, and not outcast. */
  isMember(room: RoomView, user: string): boolean {
    const affiliation = room.affiliation(user);
    if (MEMBER_AFFILIATIONS.has(affiliation)) return true;
    return affiliation !== "outcast" && this.get(room, user) !== undefined;
  }

  /** §3.3 check 8, §5.2 row 7: `nick` is held by a different bare JID, as occupant or as subscriber. */
  nickTaken(room: RoomView, nick: string, user: string): boolean {
    const occupant = room.occupants.byNick(nick);
    if (occupant !== undefined && occupant.bare.bareString !== user) return true;
    const holder = this.deps.table.nickHolder(room.jid.bareString, nick);
    return holder !== undefined && holder !== user;
  }

  /** Stores (or replaces, §5.2 "Re-subscribing") a subscription; reports a new membership with `reason`. */
  async subscribe(room: RoomView, user: Jid, nick: string, nodes: readonly NodeName[], reason: MemberReason = "subscribe"): Promise<Subscription> {
    const bare = user.bare();
    const wasMember = this.isMember(room, bare.bareString);
    const previous = this.get(room, bare.bareString);
    const s: Subscription = { room: room.jid.bareString, user: bare.bareString, jid: bare, nick, nodes: [...nodes], createdAt: previous?.createdAt ?? (this.deps.now ?? Date.now)() };
    await this.deps.store.save({ service: room.service, room: room.name, jid: s.user, nick, nodes: nodesToText(s.nodes), createdAt: s.createdAt });
    this.deps.table.put(s);
    await this.deps.delivery.nodeEvent(room, "subscribers", () => subscriberNotice("subscribe", s.user, nick));
    if (!wasMember && this.isMember(room, s.user)) await this.#report("room.member-joined", room, bare, reason);
    return s;
  }

  /** §5.3: removes the whole subscription (a missing one is fine); false when there was none. */
  async unsubscribe(room: RoomView, user: Jid, reason: MemberReason = "unsubscribe"): Promise<boolean> {
    const bare = user.bare();
    const s = this.get(room, bare.bareString);
    if (s === undefined) return false;
    const wasMember = this.isMember(room, s.user);
    await this.deps.store.delete(room.service, room.name, s.user);
    this.deps.table.delete(s.room, s.user);
    await this.deps.delivery.nodeEvent(room, "subscribers", () => subscriberNotice("unsubscribe", s.user, s.nick));
    if (wasMember && !this.isMember(room, s.user)) await this.#report("room.member-left", room, bare, reason);
    await this.#destroyIfAbandoned(room);
    return true;
  }

  /** §3.5: a temporary room with no occupants and no subscribers is destroyed (its last subscriber just left). */
  async #destroyIfAbandoned(room: RoomView): Promise<void> {
    if (room.config.persistent || room.destroyed || room.occupants.count > 0 || this.deps.table.count(room.jid.bareString) > 0) return;
    await this.deps.muc.destroyRoom(room.jid);
  }

  /**
   * §1.7 for one (room, user): affiliation at least `member` unless outcast (never downgraded), and a
   * subscription with the `messages` node (an existing one keeps its nick and nodes). One membership
   * report with `reason` when the user was not a member before.
   */
  async ensurePinned(roomJid: Jid, user: Jid, reason: MemberReason = "pinned"): Promise<PinOutcome> {
    const room = this.deps.muc.room(roomJid);
    if (room === undefined || room.destroyed) return "no-room";
    const bare = user.bare();
    const affiliation = room.affiliation(bare.bareString);
    if (affiliation === "outcast") return "outcast";
    const wasMember = this.isMember(room, bare.bareString);
    const key = quietKey(room, bare.bareString);
    this.#quiet.add(key);
    let outcome: PinOutcome = "applied";
    try {
      if (!MEMBER_AFFILIATIONS.has(affiliation)) await this.deps.muc.setAffiliation(room.jid, bare, "member");
      const existing = this.get(room, bare.bareString);
      if (existing !== undefined) {
        if (!existing.nodes.includes("messages")) await this.subscribe(room, bare, existing.nick, [...existing.nodes, "messages"], reason);
      } else if (this.nickTaken(room, bare.local, bare.bareString)) {
        this.deps.log.warn({ room: room.jid.bareString, user: bare.bareString }, "pinned room: the user's nick is held by someone else; not subscribed");
        outcome = "nick-conflict";
      } else {
        await this.subscribe(room, bare, bare.local, ["messages"], reason);
      }
    } finally {
      this.#quiet.delete(key);
    }
    if (!wasMember && this.isMember(room, bare.bareString)) await this.#report("room.member-joined", room, bare, reason);
    return outcome;
  }

  /** §3.11 "Losing access" and §7.9: the subscription goes with access; membership changes are reported. */
  async affiliationChanged(change: AffiliationChange): Promise<void> {
    const { room, user } = change;
    const bare = user.bareString;
    const subscribed = this.get(room, bare) !== undefined;
    const wasMember = MEMBER_AFFILIATIONS.has(change.from) || (subscribed && change.from !== "outcast");
    if (change.losesAccess && subscribed && !this.deps.muc.isServerAdmin(user)) await this.#drop(room, bare);
    const quiet = this.#quiet.has(quietKey(room, bare));
    const isMember = this.isMember(room, bare);
    if (quiet || wasMember === isMember) return;
    await this.#report(isMember ? "room.member-joined" : "room.member-left", room, user, change.cause ?? "affiliation");
  }

  /**
   * A room became (or stayed) members-only (§3.13, status 104). **Decision:** subscribers without an
   * affiliation lose their subscription, as §3.11 "Losing access" does for an affiliation change.
   */
  async configChanged(room: RoomView): Promise<void> {
    if (!room.config.members_only) return;
    for (const s of [...this.deps.table.ofRoom(room.jid.bareString)]) {
      if (MEMBER_AFFILIATIONS.has(room.affiliation(s.user)) || this.deps.muc.isServerAdmin(s.jid)) continue;
      await this.#drop(room, s.user);
      await this.#report("room.member-left", room, s.jid, "affiliation");
    }
  }

  /** §3.14: every room member is reported gone (reason `destroy`), then the subscriptions are dropped. */
  async roomDestroyed(room: RoomView): Promise<void> {
    const members = new Set<string>();
    for (const a of room.affiliations.list()) if (MEMBER_AFFILIATIONS.has(a.affiliation)) members.add(a.jid);
    for (const s of this.deps.table.ofRoom(room.jid.bareString)) if (room.affiliation(s.user) !== "outcast") members.add(s.user);
    const gone = this.deps.table.deleteRoom(room.jid.bareString);
    if (gone.length > 0) await this.deps.store.deleteRoom(room.service, room.name);
    for (const m of members) await this.#report("room.member-left", room, userJid(m), "destroy", { affiliation: "none", subscribed: false });
  }

  /** §8.5 unregister: reported for every room where the user was a member, before MUC forgets the affiliations. */
  async userDeleted(user: Jid): Promise<void> {
    const bare = user.bareString;
    const subscribed = new Set(this.deps.table.roomsOf(bare));
    for (const room of this.deps.muc.rooms()) {
      const affiliation = room.affiliation(bare);
      const member = MEMBER_AFFILIATIONS.has(affiliation) || (affiliation !== "outcast" && subscribed.has(room.jid.bareString));
      if (member) await this.#report("room.member-left", room, user.bare(), "account_removed", { affiliation: "none", subscribed: false });
    }
    for (const room of subscribed) this.deps.table.delete(room, bare);
    await this.deps.store.deleteUser(bare);
  }

  /** Removes a subscription that the user did not end (lost access): store, memory, `:subscribers` notice. */
  async #drop(room: RoomView, user: string): Promise<void> {
    const s = this.get(room, user);
    if (s === undefined) return;
    await this.deps.store.delete(room.service, room.name, user);
    this.deps.table.delete(s.room, user);
    await this.deps.delivery.nodeEvent(room, "subscribers", () => subscriberNotice("unsubscribe", s.user, s.nick));
  }

  async #report(
    hook: MemberHook,
    room: RoomView,
    user: Jid,
    reason: MemberReason,
    state: { affiliation: string; subscribed: boolean } = { affiliation: room.affiliation(user.bareString), subscribed: this.get(room, user.bareString) !== undefined },
  ): Promise<void> {
    try {
      await this.deps.runHook(hook, { room: room.jid, user, affiliation: state.affiliation, subscribed: state.subscribed, reason });
    } catch (err) {
      this.deps.log.error({ err, hook, room: room.jid.bareString, user: user.bareString }, "room membership hook failed");
    }
  }
}

function quietKey(room: RoomView, user: string): string {
  return room.jid.bareString + "\u0000" + user;
}

function userJid(bare: string): Jid {
  const at = bare.indexOf("@");
  return at < 0 ? new Jid("", bare) : new Jid(bare.slice(0, at), bare.slice(at + 1));
}
