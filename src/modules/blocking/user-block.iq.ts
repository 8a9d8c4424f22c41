/**
 * The Ethora user block IQs (PROTOCOL §7.7): `ns:deepx:muc:user:block` (set), `:unblock` (set) and `:blocklist`
 * (get), through the §7 preamble of core/custom-iq.ts. The list is the `user-block` list of the blocking store,
 * separate from the XEP-0191 list; `fullname` comes from the profile cache (§7.5) at reply time.
 */
import { handleCustomIq } from "../../core/custom-iq.js";
import type { ModuleContext } from "../../core/module.js";
import { parseJid, type Jid } from "../../xmpp/jid.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import type { ProfilesApi } from "../profiles/profiles.api.js";
import type { BlockingApi } from "./blocking.module.js";
import { BlockListName } from "./blocking.store.js";
import { UserBlockCodec, UserBlocklistCodec, UserUnblockCodec, encodeBlocklist, requireUser, type BlocklistItem } from "./user-block.codec.js";

const LIST = BlockListName.userBlock;

export function registerUserBlockIqs(ctx: ModuleContext, lists: BlockingApi, profiles: ProfilesApi): void {
  // §7.7: block adds {user, date} when absent (a repeat changes nothing); at most block.max_items entries, beyond
  // that wait/resource-constraint (BlockLists.block). Reply: an empty result (Decision).
  handleCustomIq(ctx, UserBlockCodec, {
    set: async (request, iq) => {
      const user = requireUser(request);
      const owner = iq.from.bare();
      if (user.bareString === owner.bareString) throw new StanzaError("not-acceptable", "You cannot block yourself", { type: "modify" });
      await lists.block(owner, LIST, [user.bareString]);
    },
  });

  // §7.7: unblock removes the entry; an absent entry is fine. Reply: an empty result.
  handleCustomIq(ctx, UserUnblockCodec, {
    set: async (request, iq) => {
      const user = requireUser(request);
      await lists.unblock(iq.from.bare(), LIST, [user.bareString]);
    },
  });

  // §7.7: one <item user date fullname/> per entry, by date ascending (the store's order: first block time, then JID).
  handleCustomIq(ctx, UserBlocklistCodec, {
    get: async (_request, iq) => {
      const entries = await lists.entries(iq.from.bare(), LIST);
      if (entries.length === 0) return encodeBlocklist([]);
      const users = entries.map((e) => parseJid(e.jid));
      const names = await profiles.profiles(users);
      const items = entries.map((e, i): BlocklistItem => ({ user: e.jid, date: Math.floor(e.createdAt / 1000), fullname: nameOf(names, users[i] as Jid) }));
      return encodeBlocklist(items);
    },
  });
}

/** The cache's name; the contract promises one per user, the localpart covers a user it does not return. */
function nameOf(names: ReadonlyMap<string, { readonly name: string }>, user: Jid): string {
  return names.get(user.bareString)?.name ?? user.local;
}
