/**
 * Server-side block filtering (PROTOCOL §7.7 Extension, `block.filter_delivery`; §3.7, §3.9, §5.5, §6.2, §6.8):
 * when B blocked X, B gets nothing X sends, in any form, while X notices nothing.
 * - Room traffic: the MUC `excludedRecipients` extension answers "who blocked X" from the reverse index; the MUC
 *   service skips those users' joined sessions, room PMs and invitations, and MucSub skips them as subscribers
 *   (wrapped event, offline copy, push hook, archive copy), all through `RoomMessageEvent.excluded`.
 * - 1:1 chat/normal/headline: a `message.routing` guard drops the message before delivery, carbons, offline
 *   storage and pushes, silently (no error to X). X's own archive copy is still written, as sent (§6.2 only
 *   forbids B's copy): X's history stays whole and the block stays invisible to X.
 * - MAM: the MAM visibility filter hides the senders B blocked from B's queries, user and room archives alike,
 *   before paging and counting (§6.8).
 * Presences, IQs and X's own echo pass (§7.7 "Not filtered"). Blocking is one-directional.
 */
import { Phase } from "../../core/hook-map.js";
import type { ModuleContext } from "../../core/module.js";
import type { MamApi } from "../mam/mam.module.js";
import type { MucApi } from "../muc/muc.module.js";
import type { BlockingApi } from "./blocking.module.js";
import { BlockListName } from "./blocking.store.js";
import type { BlockerIndex } from "./user-block.index.js";

const LIST = BlockListName.userBlock;
const NONE: readonly string[] = [];

export interface UserBlockFilterDeps {
  readonly index: BlockerIndex;
  readonly lists: BlockingApi;
  readonly muc: MucApi;
  readonly mam: MamApi;
}

export function installUserBlockFilter(ctx: ModuleContext, deps: UserBlockFilterDeps): void {
  const { index, lists, muc, mam } = deps;

  // Loaded before the listeners accept anything (server start runs module start tasks first), so the first
  // message after a restart is already filtered.
  ctx.onStart(async () => {
    index.load(await lists.allOf(LIST));
  });

  // After every write, in the owner's write turn: the store's content becomes the index's.
  lists.onWrite(async (owner, list) => {
    if (list !== undefined && list !== LIST) return;
    try {
      const entries = await lists.entries(owner, LIST);
      index.replaceOwner(owner.bareString, new Set(entries.map((e) => e.jid)));
    } catch (err) {
      // The write itself went through; the index catches up on the owner's next write or at the next start.
      ctx.log.error({ err, owner: owner.bareString }, "could not refresh the user block index");
    }
  });

  // §3.7, §3.9, §3.10, §5.5: one Map lookup per room message; undefined when nobody blocked the sender.
  muc.extend({ excludedRecipients: (_room, sender) => index.blockersOf(sender) });

  // §7.7 1:1: dropped silently, before the MAM hook (normal phase) could archive it for B and before delivery,
  // carbons, offline storage and pushes. Only the sender's archive copy is written.
  ctx.hooks.on(
    "message.routing",
    (payload) => {
      if (!index.isBlockedBy(payload.from, payload.to)) return "continue";
      const wait = mam.archiveSenderCopy(payload);
      return wait === undefined ? "handled" : wait.then(() => "handled" as const);
    },
    Phase.guard,
  );

  // §6.8: the requester's blocked users, from memory; the MAM store filters them before paging and counting.
  mam.setVisibilityFilter((requester) => {
    const blocked = index.blockedBy(requester.bareString);
    return blocked === undefined ? NONE : [...blocked];
  });
}
