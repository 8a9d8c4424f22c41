/**
 * What the room handlers share: settings resolved from the config once (PROTOCOL Appendix A muc.*,
 * ethora.tenant_guard, admins), the router, the room registry, the extension points, and the rooms each
 * session has joined (`muc.max_user_conferences`, leaving on disconnect).
 */
import type { Logger } from "pino";
import type { Config } from "../../config/load-config.js";
import type { MucAccessCreate, RoomOptions } from "../../config/config.types.js";
import type { ArchiveIdAllocator } from "../../core/archive-ids.js";
import type { StanzaRouter } from "../../core/module.js";
import type { Session } from "../../core/session.js";
import type { SessionDirectory } from "../../core/session-directory.js";
import type { Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import type { MucExtension, MucIqHandler } from "./muc-extensions.js";
import type { Room } from "./room.js";
import type { RoomRegistry } from "./room-registry.js";

export interface MucSettings {
  readonly hosts: ReadonlySet<string>;
  readonly admins: ReadonlySet<string>;
  readonly accessCreate: MucAccessCreate;
  readonly tenantGuard: boolean;
  readonly defaults: RoomOptions;
  readonly rate: { readonly per_second: number; readonly burst: number };
  readonly maxUserConferences: number;
  readonly keepArchiveOnDestroy: boolean;
}

export function mucSettings(config: Config): MucSettings {
  return {
    hosts: new Set(config.hosts),
    admins: new Set(config.admins),
    accessCreate: config.muc.access_create,
    tenantGuard: config.ethora.tenant_guard,
    defaults: config.muc.default_room_options,
    rate: config.muc.message_rate,
    maxUserConferences: config.muc.max_user_conferences,
    keepArchiveOnDestroy: config.muc.keep_archive_on_destroy,
  };
}

/** The registered extensions, flattened per point so the hot path only iterates short arrays. */
export class Extensions {
  readonly all: MucExtension[] = [];
  readonly #iq = new Map<string, MucIqHandler>();

  add(extension: MucExtension): void {
    this.all.push(extension);
    for (const h of extension.iq ?? []) {
      const key = iqKey(h.target, h.type, h.ns, h.name);
      if (this.#iq.has(key)) throw new Error(`two MUC extensions handle IQ ${key}`);
      this.#iq.set(key, h);
    }
  }

  iqHandler(target: "room" | "service", type: string, ns: string, name: string): MucIqHandler | undefined {
    return this.#iq.get(iqKey(target, type, ns, name));
  }

  senderNick(room: Room, from: Jid): string | undefined {
    for (const e of this.all) {
      const nick = e.senderNick?.(room, from);
      if (nick !== undefined) return nick;
    }
    return undefined;
  }

  nickHolder(room: Room, nick: string): string | undefined {
    for (const e of this.all) {
      const holder = e.nickHolder?.(room, nick);
      if (holder !== undefined) return holder;
    }
    return undefined;
  }

  /** §3.6 step 3: "drop" when any extension drops the message; StanzaErrors propagate as the bounce. */
  async checkSender(room: Room, from: Jid, stanza: Element, kind: "groupchat" | "private"): Promise<"continue" | "drop"> {
    for (const e of this.all) {
      if (e.checkSender === undefined) continue;
      if ((await e.checkSender(room, from, stanza, kind)) === "drop") return "drop";
    }
    return "continue";
  }

  /** §7.7: the union of every extension's excluded bare JIDs; undefined (no allocation) when there are none. */
  excludedRecipients(room: Room, sender: Jid): ReadonlySet<string> | undefined {
    let found: ReadonlySet<string> | undefined;
    for (const e of this.all) {
      const set = e.excludedRecipients?.(room, sender);
      if (set === undefined || set.size === 0) continue;
      found = found === undefined ? set : new Set([...found, ...set]);
    }
    return found;
  }

  /** §7.5 room activity: an occupant session joined or left (synchronous; extensions must not throw here). */
  occupantChanged(room: Room, user: Jid, change: "join" | "leave"): void {
    for (const e of this.all) e.occupantChanged?.(room, user, change);
  }

  hasSubscribers(room: Room): boolean {
    return this.all.some((e) => e.hasSubscribers?.(room) === true);
  }
}

function iqKey(target: string, type: string, ns: string, name: string): string {
  return target + " " + type + " " + ns + " " + name;
}

export interface MucContext {
  readonly settings: MucSettings;
  readonly router: StanzaRouter;
  readonly sessions: SessionDirectory;
  readonly archiveIds: ArchiveIdAllocator;
  readonly log: Logger;
  readonly rooms: RoomRegistry;
  readonly ext: Extensions;
  /** The rooms each session has joined. */
  readonly joined: WeakMap<Session, Set<Room>>;
}

/** PROTOCOL §0.5, §1.6: server admins have owner privileges in every room. */
export function isServerAdmin(ctx: MucContext, user: Jid): boolean {
  return ctx.settings.admins.has(user.bareString);
}

/** §3.6 step 1 Decision: the App system account `<app>_<app>@HOST` of the room's App. */
export function isSystemAccountOf(ctx: MucContext, room: Room, user: Jid): boolean {
  const app = room.app;
  return app !== undefined && ctx.settings.hosts.has(user.domain) && user.local === app + "_" + app;
}
