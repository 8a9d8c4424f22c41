/**
 * The MUC service at `conference.<HOST>` (PROTOCOL §1.2), a LocalService the router hands every stanza
 * for that domain: the service itself (disco, ping, extension IQs), rooms (groupchat, invitations,
 * admin/owner IQs, disco, ping) and occupant JIDs (joins, leaves, private messages).
 */
import type { LocalService } from "../../core/local-services.js";
import type { Session } from "../../core/session.js";
import type { Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { errorReply, iqResult, messageType } from "../../xmpp/stanza.js";
import { NS } from "../../xmpp/namespaces.js";
import type { MucContext } from "./muc-context.js";
import type { MucIqRequest } from "./muc-extensions.js";
import { handleInvitations } from "./room-invites.js";
import { handleAvailable } from "./room-join.js";
import { leaveSession } from "./room-lifecycle.js";
import { handleGroupchat, handlePrivateMessage } from "./room-messages.js";
import { roomIq, serviceIq } from "./room-iq.js";
import { OccupantIqRelay } from "./occupant-iq.js";

export const ROOM_MISSING = "Conference room does not exist";

export class MucService implements LocalService {
  readonly #relay = new OccupantIqRelay();

  constructor(
    readonly domain: string,
    private readonly ctx: MucContext,
  ) {}

  async route(stanza: Element, from: Jid, to: Jid, origin: Session | undefined): Promise<void> {
    switch (stanza.name) {
      case "presence":
        return this.#presence(stanza, from, to, origin);
      case "message":
        return this.#message(stanza, from, to, origin);
      case "iq":
        return this.#iq(stanza, from, to, origin);
      default:
        throw new StanzaError("bad-request");
    }
  }

  async #presence(stanza: Element, from: Jid, to: Jid, origin: Session | undefined): Promise<void> {
    if (to.local === "") return; // presence to the service itself has no meaning here
    const session = origin ?? this.ctx.sessions.get(from);
    // Joins need a local session (no server-to-server); errors and subscriptions to rooms are ignored.
    if (session === undefined || !session.jid.equals(from)) return;
    const type = stanza.attrs["type"];
    if (type === undefined) return handleAvailable(this.ctx, stanza, from, to, session);
    if (type !== "unavailable") return;
    // §3.5: the nick is not checked; a session that is not joined is ignored silently.
    const room = this.ctx.rooms.get(to);
    const occ = room?.occupants.byFullJid(from.toString());
    if (room === undefined || occ === undefined || occ.sessions.get(from.toString())?.session !== session) return;
    await leaveSession(this.ctx, room, occ, from.toString(), stanza);
  }

  async #message(stanza: Element, from: Jid, to: Jid, origin: Session | undefined): Promise<void> {
    const type = messageType(stanza);
    if (type === "error" || to.local === "") return;
    const room = this.ctx.rooms.get(to);
    if (room === undefined) throw new StanzaError("item-not-found", ROOM_MISSING);
    if (to.resource !== "") {
      // XEP-0045 §7.5: groupchat to one occupant is refused.
      if (type === "groupchat") throw new StanzaError("bad-request", "Type error");
      if (type === "headline") return;
      return handlePrivateMessage(this.ctx, room, stanza, from, to);
    }
    if (type === "groupchat") return handleGroupchat(this.ctx, room, stanza, from, origin);
    const x = stanza.getChild("x", NS.mucUser);
    if (x !== undefined && type === "normal") return handleInvitations(this.ctx, room, stanza, x, from);
    // Other messages to the room (chat to the bare room, headlines) have no consumer.
  }

  async #iq(stanza: Element, from: Jid, to: Jid, origin: Session | undefined): Promise<void> {
    const type = stanza.attrs["type"];
    const room = to.local === "" ? undefined : this.ctx.rooms.get(to);
    if (type !== "get" && type !== "set") {
      // Answers to queries relayed to occupants go back to the requester; other results end here.
      if (room !== undefined && to.resource !== "") await this.#relay.reply(this.ctx, room, stanza, from);
      return;
    }
    const request: MucIqRequest = { stanza, id: stanza.attrs["id"] ?? "", type, from, to, room, session: origin };
    let reply: Element;
    try {
      const payload = stanza.firstElement();
      if (payload === undefined) throw new StanzaError("bad-request");
      if (room !== undefined && to.resource !== "" && !payload.is("ping", NS.ping)) return await this.#relay.forward(this.ctx, room, stanza, from, to);
      const result = to.local === "" ? await serviceIq(this.ctx, payload, request) : await roomIq(this.ctx, payload, request);
      reply = iqResult(stanza, result ?? undefined);
    } catch (error) {
      if (!(error instanceof StanzaError)) {
        this.ctx.log.error({ err: error, to: to.toString() }, "MUC IQ handler failed");
      }
      reply = errorReply(stanza, error instanceof StanzaError ? error : new StanzaError("internal-server-error"));
    }
    reply.ns = NS.client;
    await this.ctx.router.route(reply);
  }
}
