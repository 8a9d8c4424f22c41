/**
 * The `ns:deepx:muc:user:ban` requests (PROTOCOL §7.6): validation, the authorization matrix, and the
 * effects (upsert, delete, list). The §7 preamble (addressing, reply `from`) is handled by
 * `handleCustomIq`; enforcement lives in ban.module.ts.
 */
import type { IqRequest } from "../../core/module.js";
import type { Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import type { AppsApi } from "../apps/apps.module.js";
import { appOf } from "../apps/app-users.js";
import type { MucApi, RoomView } from "../muc/muc.module.js";
import { listReply, parseBanRequest, successReply, type BanRequest } from "./ban.codec.js";
import type { BanCache } from "./ban.cache.js";
import { NOT_ENOUGH_PRIVILEGES, allBanRefusal, mayListRoom, roomBanRefusal } from "./ban.policy.js";
import type { BanRecord, SqlBanStore } from "./ban.store.js";

/** §9.1: a `get_list` reply holds at most this many items, the newest ones. */
export const MAX_LIST_ITEMS = 1000;

export interface BanIqDeps {
  readonly store: SqlBanStore;
  readonly cache: BanCache;
  readonly muc: MucApi;
  readonly apps: AppsApi;
  /** The MUC service of each served host, for a bare room localpart. */
  readonly mucServices: Readonly<Record<string, string>>;
  readonly now: () => number;
}

function forbidden(text: string): StanzaError {
  return new StanzaError("forbidden", text, { type: "auth" });
}

export class BanIq {
  constructor(private readonly deps: BanIqDeps) {}

  async handle(query: Element, iq: IqRequest): Promise<Element> {
    const actor = iq.from.bare();
    const request = parseBanRequest(query, this.deps.mucServices[actor.domain]);
    // Decision (§7.6): an IQ get is accepted for get_list only.
    if (iq.type === "get" && request.action !== "get_list") throw new StanzaError("bad-request", "Wrong IQ type", { type: "modify" });
    const room = this.#room(request);
    if (request.action === "get_list") return listReply(await this.#list(request, actor, room));
    const target = request.user as Jid;
    const scope = this.#authorize(request, actor, target, room);
    if (request.action === "ban") {
      const now = this.deps.now();
      const record: BanRecord = {
        user: target.bareString,
        type: request.type,
        scope,
        expiresAt: request.time === 0 ? 0 : now + request.time * 1000,
        comment: request.comment,
        by: actor.bareString,
        createdAt: now,
      };
      await this.deps.store.upsert(record);
    } else {
      await this.deps.store.remove(target.bareString, request.type, scope);
    }
    this.#invalidate(request.type, scope);
    return successReply();
  }

  #room(request: BanRequest): RoomView | undefined {
    if (request.type !== "room" || request.room === undefined) return undefined;
    const room = this.deps.muc.room(request.room);
    if (room === undefined || room.destroyed) throw new StanzaError("item-not-found", "Conference room does not exist");
    return room;
  }

  /** Throws `forbidden` per the §7.6 matrix; returns the record's scope (room JID, or the target's App id or ""). */
  #authorize(request: BanRequest, actor: Jid, target: Jid, room: RoomView | undefined): string {
    const { muc, apps } = this.deps;
    const self = actor.bareString === target.bareString;
    const actorAdmin = muc.isServerAdmin(actor);
    const targetAdmin = muc.isServerAdmin(target);
    if (room !== undefined) {
      const refusal = roomBanRefusal({
        self,
        actorAdmin,
        actorAffiliation: room.affiliation(actor.bareString),
        targetAdmin,
        targetAffiliation: room.affiliation(target.bareString),
      });
      if (refusal !== undefined) throw forbidden(refusal);
      return room.jid.bareString;
    }
    const app = appOf(target.local);
    const refusal = allBanRefusal({
      self,
      actorAdmin,
      actorAppOwner: app !== undefined && apps.isAppOwner(app, actor),
      targetAdmin,
      targetAppOwner: app !== undefined && apps.isAppOwner(app, target),
    });
    if (refusal !== undefined) throw forbidden(refusal);
    return app ?? "";
  }

  async #list(request: BanRequest, actor: Jid, room: RoomView | undefined): Promise<BanRecord[]> {
    const { muc, apps, store } = this.deps;
    const actorAdmin = muc.isServerAdmin(actor);
    const now = this.deps.now();
    if (room !== undefined) {
      if (!mayListRoom(actorAdmin, room.affiliation(actor.bareString))) throw forbidden(NOT_ENOUGH_PRIVILEGES);
      return store.list("room", room.jid.bareString, now, MAX_LIST_ITEMS);
    }
    if (actorAdmin) return store.list("all", undefined, now, MAX_LIST_ITEMS);
    // An App owner sees the entries of the Apps they own (AppsApi answers per App, so filter in code).
    const own = appOf(actor.local);
    const mine = (await store.list("all", undefined, now)).filter((r) => r.scope !== "" && apps.isAppOwner(r.scope, actor));
    if (mine.length === 0 && !(own !== undefined && apps.isAppOwner(own, actor))) throw forbidden(NOT_ENOUGH_PRIVILEGES);
    return mine.slice(-MAX_LIST_ITEMS);
  }

  #invalidate(type: BanRequest["type"], scope: string): void {
    if (type === "room") this.deps.cache.invalidate(scope);
    else this.deps.cache.invalidateAll();
  }
}
