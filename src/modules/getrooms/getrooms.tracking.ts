/**
 * Keeps the member index (member-index.ts) and the membership starts (getrooms.store.ts) current, PROTOCOL §7.3:
 * MUC affiliation changes, room events (a room created by a join) and destruction; the membership reports MucSub
 * makes for every affiliation or subscription change (`room.member-joined` / `room.member-left`, §0.5); account removal.
 */
import { Phase } from "../../core/hook-map.js";
import type { ModuleContext } from "../../core/module.js";
import type { MucApi } from "../muc/muc.module.js";
import type { SqlMemberSinceStore } from "./getrooms.store.js";
import type { MemberIndex } from "./member-index.js";

export function trackMemberships(ctx: ModuleContext, muc: MucApi, index: MemberIndex, since: SqlMemberSinceStore): void {
  muc.extend({
    affiliationChanged({ room, user }) {
      index.indexRoom(room);
      index.add(user.bareString, room.jid.bareString);
      index.invalidateCount(room.jid.bareString);
    },
    roomEvent({ room, node }) {
      index.indexRoom(room);
      if (node !== "presence") index.invalidateCount(room.jid.bareString);
    },
    async roomDestroyed(room) {
      index.invalidateCount(room.jid.bareString);
      await since.deleteRoom(room.jid.bareString);
    },
  });
  ctx.hooks.on(
    "room.member-joined",
    async ({ room, user }) => {
      index.add(user.bareString, room.bareString);
      index.invalidateCount(room.bareString);
      await since.set(user.bareString, room.bareString, Date.now());
    },
    Phase.observe,
  );
  ctx.hooks.on(
    "room.member-left",
    async ({ room, user }) => {
      index.invalidateCount(room.bareString);
      await since.delete(user.bareString, room.bareString);
    },
    Phase.observe,
  );
  ctx.hooks.on(
    "user.deleted",
    async ({ user }) => {
      index.forgetUser(user.bareString);
      await since.deleteUser(user.bareString);
    },
    Phase.observe,
  );
  ctx.onStart(() => {
    for (const room of muc.rooms()) index.indexRoom(room);
  });
}
