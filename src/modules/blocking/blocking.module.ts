/**
 * XEP-0191 Blocking Command for standard clients (PROTOCOL §9.6): the blocklist, block and unblock
 * commands, pushes to the user's interested resources (§3.3–§3.5), presence to subscribed contacts on
 * block and unblock (blocking.presence.ts), and enforcement (blocking.enforce.ts).
 * Its API answers "has Y blocked X" for every list kind and writes any list: the Ethora user block list of
 * PROTOCOL §7.7 is a second list of the same store, served by user-block.module.ts.
 * https://xmpp.org/extensions/xep-0191.html
 */
import { randomUUID } from "node:crypto";
import { defineModule, type IqRequest } from "../../core/module.js";
import type { Session } from "../../core/session.js";
import { el, type Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { rosterModule } from "../roster/roster.module.js";
import { BlocklistCache } from "./blocking.cache.js";
import { BlockCodec, BlocklistCodec, UnblockCodec, encodeItems } from "./blocking.codec.js";
import { enforceBlocklists } from "./blocking.enforce.js";
import { BlockLists, type BlockWriteListener } from "./blocking.lists.js";
import { BlockPresence } from "./blocking.presence.js";
import { BlockListName, SqlBlocklistStore, blockingMigrations, type BlockEntry } from "./blocking.store.js";

export interface BlockingApi {
  /**
   * Whether `owner` has blocked `contact` on `list` (default: the XEP-0191 list), with the XEP-0191 §6
   * matching rules (full JID, bare JID, domain/resource, domain). A user never blocks their own JIDs.
   */
  isBlocked(owner: Jid, contact: Jid, list?: BlockListName): Promise<boolean>;
  /** The same answer, synchronous when the owner's lists are in memory: for per-recipient filters on hot paths. */
  check(owner: Jid, contact: Jid, list: BlockListName): boolean | Promise<boolean>;
  /** One list's entries, oldest first. */
  entries(owner: Jid, list: BlockListName): Promise<BlockEntry[]>;
  /** Adds normalised JID strings; throws StanzaError resource-constraint past `block.max_items`. Returns the new ones. */
  block(owner: Jid, list: BlockListName, jids: readonly string[]): Promise<string[]>;
  /** Removes the given items, or the whole list when `jids` is undefined. */
  unblock(owner: Jid, list: BlockListName, jids?: readonly string[]): Promise<void>;
  /** Every (owner, item) pair of one list kind, for in-memory indexes built at start (§7.7 reverse index). */
  allOf(list: BlockListName): Promise<{ readonly owner: string; readonly jid: string }[]>;
  /** Runs after every write of an owner's lists, in that owner's write turn (writes of one owner are serialised). */
  onWrite(listener: BlockWriteListener): void;
}

export { BlockListName } from "./blocking.store.js";

const LIST = BlockListName.xep0191;

export const blockingModule = defineModule<BlockingApi>({
  name: "blocking",
  features: [NS.blocking],
  migrations: blockingMigrations,

  setup(ctx) {
    const store = new SqlBlocklistStore(ctx.db);
    const lists = new BlockLists(store, new BlocklistCache(store), ctx.config.block.max_items);
    const presence = new BlockPresence(ctx, ctx.use(rosterModule));
    // §3.3: pushes go to "the user's resources that have requested the blocklist".
    const interested = new WeakSet<Session>();
    const hosts = new Set(ctx.hosts);

    /** The blocklist is the sender's own: no `to`, their bare JID, or their server (RFC 6120 §10.3.3). */
    const ownerOf = (iq: IqRequest): Jid => {
      const owner = iq.from.bare();
      const to = iq.to;
      const addressedToSelf = to.bareString === owner.bareString || (to.local === "" && to.resource === "" && to.domain === owner.domain);
      if (owner.local === "" || !hosts.has(owner.domain) || !addressedToSelf) throw new StanzaError("forbidden");
      return owner;
    };

    const push = async (owner: Jid, payload: () => Element) => {
      for (const session of ctx.sessions.resourcesOf(owner)) {
        if (!interested.has(session)) continue;
        await ctx.router.route(el("iq", { type: "set", id: `push-${randomUUID()}`, from: owner.bareString, to: session.jid.toString() }, payload()));
      }
    };

    ctx.iq.handle("get", BlocklistCodec, async (_payload, iq) => {
      const owner = ownerOf(iq);
      if (iq.session !== undefined) interested.add(iq.session);
      return encodeItems("blocklist", (await lists.entries(owner, LIST)).map((e) => e.jid));
    });

    ctx.iq.handle("set", BlockCodec, async ({ jids }, iq) => {
      const owner = ownerOf(iq);
      const items = jids.map(String);
      const added = await lists.block(owner, LIST, items);
      await push(owner, () => encodeItems("block", items));
      await presence.blocked(owner, added);
    });

    ctx.iq.handle("set", UnblockCodec, async ({ jids }, iq) => {
      const owner = ownerOf(iq);
      // §3.5: an empty <unblock/> unblocks everything, and the push is an empty <unblock/> too.
      const items = jids.length === 0 ? undefined : jids.map(String);
      const before = await lists.items(owner, LIST);
      await lists.unblock(owner, LIST, items);
      await push(owner, () => encodeItems("unblock", items ?? []));
      const removed = items === undefined ? [...before] : items.filter((i) => before.has(i));
      await presence.unblocked(owner, removed, await lists.items(owner, LIST));
    });

    enforceBlocklists(ctx, lists, (stanza) => presence.isExempt(stanza));

    // PROTOCOL §8.5 unregister: the account's block lists go with it (every list kind).
    ctx.hooks.on("user.deleted", async ({ user }) => {
      await lists.deleteOwner(user);
    });

    return {
      isBlocked: async (owner, contact, list = LIST) => lists.check(owner.bare(), contact, list),
      check: (owner, contact, list) => lists.check(owner.bare(), contact, list),
      entries: (owner, list) => lists.entries(owner.bare(), list),
      block: (owner, list, jids) => lists.block(owner.bare(), list, jids),
      unblock: (owner, list, jids) => lists.unblock(owner.bare(), list, jids),
      allOf: (list) => lists.allOf(list),
      onWrite: (listener) => lists.onWrite(listener),
    };
  },
});
