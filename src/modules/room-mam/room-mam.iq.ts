/**
 * MAM queries addressed to a room's bare JID (PROTOCOL §6.4–§6.6, XEP-0313 §5): the access rules of
 * room-mam.access.ts, then the MAM module's own query code against the room archive (the archive room-archive.ts
 * fills), so paging, `fin` and the result format are those of user archives; every query is audited (§6.8).
 */
import type { HistoryAccess } from "../../core/hook-map.js";
import type { SessionDirectory } from "../../core/session-directory.js";
import type { Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import type { MamApi } from "../mam/mam.module.js";
import type { MucApi, MucIqHandler, MucIqRequest, RoomView } from "../muc/muc.module.js";
import type { MucSubApi } from "../mucsub/mucsub.module.js";
import { archiveAccessRefusal } from "./room-mam.access.js";
import { completedAccess, refusedAccess } from "../mam/mam.audit.js";

/** §6.4: `urn:xmpp:mam:1` behaves like `:2`; `urn:xmpp:mam:tmp` has no handler (service-unavailable, §6.7). */
const QUERY_NAMESPACES = [NS.mam2, NS.mam1] as const;

export interface RoomMamDeps {
  readonly mam: MamApi;
  readonly muc: MucApi;
  readonly mucsub: MucSubApi;
  readonly sessions: SessionDirectory;
  readonly audit: (access: HistoryAccess) => Promise<void>;
}

/** The facts of §6.4 for this requester and room, and the refusal they lead to, if any. */
export function roomArchiveRefusal(deps: RoomMamDeps, room: RoomView, iq: MucIqRequest): StanzaError | undefined {
  const user = iq.from;
  // §2.6: the sending session says whether it is anonymous (IQs from the admin API have none).
  const anonymous = (iq.session ?? deps.sessions.get(user))?.isAnonymous === true;
  return archiveAccessRefusal({
    mam: room.config.mam,
    membersOnly: room.config.members_only,
    guard: deps.muc.tenantRefusal(user, { anonymous, room: room.name }),
    serverAdmin: deps.muc.isServerAdmin(user),
    affiliation: room.affiliation(user.bareString),
    occupant: room.occupants.byBare(user.bareString) !== undefined,
    subscriber: deps.mucsub.subscription(room.jid, user) !== undefined,
  });
}

/** §6.4–§6.6: refused queries send no result messages (§6.6 "Errors"), only the IQ error the MUC service writes. */
async function query(deps: RoomMamDeps, payload: Element, iq: MucIqRequest): Promise<Element> {
  const room = requireRoom(iq);
  const requester: Jid = iq.from;
  let access: HistoryAccess | undefined;
  try {
    const refusal = roomArchiveRefusal(deps, room, iq);
    if (refusal !== undefined) throw refusal;
    // §6.8 block filtering (§7.7): a room entry's `peer` is its sender's real bare JID, so hiding senders is a
    // filter on `peer` (read from the archive index alone), applied before paging and counting.
    const hidden = await deps.mam.hiddenSenders(requester, room.jid.bareString);
    const excludePeers = hidden.length === 0 ? undefined : hidden;
    const { fin, summary } = await deps.mam.answerQuery(payload, requester, { archive: room.jid.bareString, delayFrom: room.service, excludePeers });
    access = completedAccess("room", requester, room.jid, summary);
    return fin;
  } catch (error) {
    access = refusedAccess("room", requester, room.jid, payload, error);
    throw error;
  } finally {
    if (access !== undefined) await deps.audit(access);
  }
}

function requireRoom(iq: MucIqRequest): RoomView {
  // The MUC service answers item-not-found itself for a missing room (allowMissingRoom is not set).
  if (iq.room === undefined) throw new StanzaError("item-not-found", "Conference room does not exist");
  return iq.room;
}

export function roomMamIqHandlers(deps: RoomMamDeps): MucIqHandler[] {
  return QUERY_NAMESPACES.map((ns): MucIqHandler => ({ target: "room", type: "set", ns, name: "query", handle: (payload, iq) => query(deps, payload, iq) }));
}
