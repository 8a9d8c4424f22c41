/**
 * IQs addressed to an occupant's room JID (XEP-0045 queries to occupants, relayed as ejabberd does under
 * `allow_query_users`): the query goes to the occupant (vCard requests to its bare JID, so the
 * server answers for it), with `from` = the requester's room JID, and the reply comes back the same
 * way. Self-pings (XEP-0410) are answered by the room itself (room-iq.ts).
 */
import { Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import type { MucContext } from "./muc-context.js";
import type { Room } from "./room.js";

interface Pending {
  readonly id: string;
  readonly requester: Jid;
  readonly room: string;
  readonly targetBare: string;
  readonly targetNick: string;
  readonly expires: number;
}

const TIMEOUT_MS = 60_000;
const MAX_PENDING = 10_000;

export class OccupantIqRelay {
  readonly #pending = new Map<string, Pending>();
  #seq = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** A get/set to room/nick from an occupant: relayed to the target occupant. */
  async forward(ctx: MucContext, room: Room, stanza: Element, from: Jid, to: Jid): Promise<void> {
    const sender = room.occupants.byFullJid(from.toString());
    if (sender === undefined) throw new StanzaError("not-acceptable", "Only occupants are allowed to send queries to the conference");
    if (!room.config.allow_query_users) throw new StanzaError("forbidden", "Queries to the conference members are not allowed in this room");
    const target = room.occupants.byNick(to.resource);
    if (target === undefined) throw new StanzaError("item-not-found", "Recipient is not in the conference room");
    const isVcard = stanza.attrs["type"] === "get" && stanza.getChild("vCard", NS.vcard) !== undefined;
    const targetJid = isVcard ? target.bare : target.primaryJid;
    const id = `muc-iq-${++this.#seq}`;
    this.#remember({ id: stanza.attrs["id"] ?? "", requester: from, room: room.jid.bareString, targetBare: target.bare.bareString, targetNick: target.nick, expires: this.now() + TIMEOUT_MS }, id);
    const attrs = { from: room.occupantJid(sender.nick).toString(), to: targetJid.toString(), type: stanza.attrs["type"] ?? "get", id };
    await ctx.router.route(new Element("iq", NS.client, attrs, stanza.children.slice()));
  }

  /** A result/error addressed to room/nick: the answer to a relayed query goes back to the requester. */
  async reply(ctx: MucContext, room: Room, stanza: Element, from: Jid): Promise<void> {
    const id = stanza.attrs["id"] ?? "";
    const pending = this.#pending.get(id);
    if (pending === undefined || pending.room !== room.jid.bareString || pending.targetBare !== from.bareString) return;
    this.#pending.delete(id);
    const attrs = { from: room.occupantJid(pending.targetNick).toString(), to: pending.requester.toString(), type: stanza.attrs["type"] ?? "result", id: pending.id };
    await ctx.router.route(new Element("iq", NS.client, attrs, stanza.children.slice()));
  }

  #remember(entry: Pending, id: string): void {
    const now = this.now();
    for (const [key, p] of this.#pending) {
      if (p.expires > now && this.#pending.size < MAX_PENDING) break;
      this.#pending.delete(key);
    }
    this.#pending.set(id, entry);
  }
}
