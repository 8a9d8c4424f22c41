/**
 * The `ns:room:last` wire format (PROTOCOL §7.5): the request's `room` (a bare localpart is a room of the
 * requester's MUC service, as §7.4) and the reply, `<query>` holding only `<activity>` elements with the
 * attributes in the order of §7.5's example (jid, name, role, ban_status, last_active, profile).
 */
import { el, type Element } from "../../xml/element.js";
import { parseJid, type Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import type { Affiliation } from "../muc/affiliations.js";

export const ROOM_MISSING = "Conference room does not exist";
export const ONLY_MEMBERS = "Only members may query this room";

/** One line of the reply. */
export interface ActivityLine {
  readonly jid: string;
  readonly name: string;
  readonly affiliation: Affiliation;
  readonly banned: boolean;
  /** Unix seconds. */
  readonly lastActive: number;
  readonly photo: string | undefined;
}

/** The addressed room: missing -> bad-request; a localpart without a service to resolve against -> item-not-found. */
export function parseRoomAttr(query: Element, service: string | undefined): Jid {
  const raw = query.attrs["room"]?.trim();
  if (raw === undefined || raw === "") throw new StanzaError("bad-request", "Attribute 'room' is required");
  if (!raw.includes("@") && service === undefined) throw new StanzaError("item-not-found", ROOM_MISSING);
  let jid: Jid;
  try {
    jid = parseJid(raw.includes("@") ? raw : `${raw}@${service ?? ""}`);
  } catch {
    throw new StanzaError("bad-request", "Malformed room JID");
  }
  if (jid.local === "" || jid.resource !== "") throw new StanzaError("bad-request", "Malformed room JID");
  return jid;
}

export function activityReply(lines: readonly ActivityLine[]): Element {
  return el(
    "query",
    { xmlns: NS.roomLast },
    lines.map((l) =>
      el("activity", {
        jid: l.jid,
        name: l.name,
        role: l.affiliation,
        ban_status: l.banned ? "banned" : "clear",
        last_active: String(l.lastActive),
        profile: l.photo === undefined || l.photo === "" ? "none" : l.photo,
      }),
    ),
  );
}
