/**
 * Roster management (RFC 6121 §2) and presence subscriptions (§3, Appendix A): roster get/set/remove,
 * pushes to interested resources, the subscription state machine for stanzas clients send and
 * receive, and redelivery of pending requests. Roster versioning (§2.6) is not offered: a `ver` in a
 * roster get is ignored and the full roster returned. Pre-approval (§3.4) is not offered either.
 */
import { elementCodec } from "../../core/codec.js";
import { defineModule, type IqRequest } from "../../core/module.js";
import { tryParseJid, type Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { accountsModule } from "../accounts/accounts.module.js";
import { decodeRosterSet, rosterItemElement, rosterQuery } from "./roster.codec.js";
import { KeyedMutex } from "./roster.mutex.js";
import { RosterPushes } from "./roster.pushes.js";
import { isSubscriptionType, NO_SUBSCRIPTION, subscriptionAttr, type SubscriptionAttr, type SubscriptionState } from "./roster.state.js";
import { SqlRosterStore, rosterMigrations } from "./roster.store.js";
import { SubscriptionEngine } from "./roster.subscriptions.js";

export type { SubscriptionState } from "./roster.state.js";

/** One item as the account sees it in its roster (RFC 6121 §2.1.2). */
export interface RosterItem {
  readonly jid: string;
  readonly name: string | undefined;
  readonly groups: readonly string[];
  readonly subscription: SubscriptionAttr;
  /** Pending out: the account asked to subscribe (`ask="subscribe"`). */
  readonly ask: boolean;
}

export interface RosterApi {
  /** The account's roster (pending requests from contacts not in it are not items). */
  items(owner: Jid): Promise<RosterItem[]>;
  /** Bare JIDs allowed to see the account's presence (`from`/`both`): broadcast targets (§4.2.2). */
  subscribers(owner: Jid): Promise<Jid[]>;
  /** Bare JIDs whose presence the account receives (`to`/`both`): probe targets (§4.2.2). */
  subscriptions(owner: Jid): Promise<Jid[]>;
  /** The account's subscription state with one contact (Appendix A); none when unknown. */
  state(owner: Jid, contact: Jid): Promise<SubscriptionState>;
}

export const rosterModule = defineModule<RosterApi>({
  name: "roster",
  migrations: rosterMigrations,

  setup(ctx) {
    const accounts = ctx.use(accountsModule);
    const store = new SqlRosterStore(ctx.db);
    const pushes = new RosterPushes(ctx.sessions, ctx.router);
    const engine = new SubscriptionEngine({
      store,
      mutex: new KeyedMutex(),
      pushes,
      router: ctx.router,
      sessions: ctx.sessions,
      hosts: new Set(ctx.hosts),
      accountExists: (user) => accounts.exists(user),
      log: ctx.log,
    });
    const codec = elementCodec("query", NS.roster);

    /** §2.1.3, §2.1.5: an account reads and writes only its own roster. */
    const ownRoster = (iq: IqRequest): Jid => {
      if (iq.to.bareString !== iq.from.bareString) throw new StanzaError("forbidden");
      return iq.from.bare();
    };

    ctx.iq.handle("get", codec, async (_query, iq) => {
      const owner = ownRoster(iq);
      // §2.1.6: a resource that asked for the roster is "interested" and gets the pushes.
      if (iq.session !== undefined) pushes.markInterested(iq.session);
      const rows = await store.list(owner.bareString);
      return rosterQuery(rows.filter((r) => r.inRoster).map(rosterItemElement));
    });

    ctx.iq.handle("set", codec, async (query, iq) => {
      const owner = ownRoster(iq);
      const set = decodeRosterSet(query);
      if (set.kind === "remove") {
        // §2.5.3: removing an item that is not in the roster.
        if (!(await engine.removeItem(owner, set.jid))) throw new StanzaError("item-not-found");
        return;
      }
      await engine.setItem(owner, set.jid, set.name, set.groups);
    });

    // §3: subscription stanzas a client addresses to someone; everything else is the presence module's.
    ctx.hooks.on("client.stanza-sent", ({ session, stanza }) => {
      if (stanza.name !== "presence") return "continue";
      const type = stanza.attrs["type"];
      if (!isSubscriptionType(type)) return "continue";
      const to = tryParseJid(stanza.attrs["to"]);
      if (to === undefined) return "continue";
      return engine.outbound(session.jid.bare(), to.bare(), type, stanza).then(() => "handled" as const);
    });
    ctx.hooks.on("presence.inbound", (payload) => (isSubscriptionType(payload.stanza.attrs["type"]) ? engine.inbound(payload) : "continue"));
    ctx.hooks.on("session.available", ({ session }) => engine.redeliverRequests(session));
    ctx.hooks.on("user.deleted", ({ user }) => engine.deleteAccount(user));
    // An anonymous account ends with its last session (PROTOCOL §2.6): so does its roster.
    ctx.hooks.on("session.closed", ({ session }) => {
      if (!session.isAnonymous || ctx.sessions.resourcesOf(session.jid).length > 0) return;
      return engine.deleteAccount(session.jid.bare());
    });

    const jids = (contacts: readonly string[]) => contacts.flatMap((c) => tryParseJid(c) ?? []);
    return {
      async items(owner) {
        const rows = await store.list(owner.bareString);
        return rows
          .filter((r) => r.inRoster)
          .map((r) => ({ jid: r.contact, name: r.name ?? undefined, groups: r.groups, subscription: subscriptionAttr(r.state), ask: r.state.pendingOut }));
      },
      subscribers: async (owner) => jids(await store.subscribers(owner.bareString)),
      subscriptions: async (owner) => jids(await store.subscriptions(owner.bareString)),
      async state(owner, contact) {
        return (await store.get(owner.bareString, contact.bareString))?.state ?? NO_SUBSCRIPTION;
      },
    };
  },
});
