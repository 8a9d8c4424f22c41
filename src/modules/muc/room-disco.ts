/**
 * Service discovery of the MUC service (PROTOCOL §1.2: identity, features, public rooms paged with RSM)
 * and of rooms (§3.12: identity first, room-type flags, the roominfo form whose fields always carry
 * `<value>` first, in the order legacy clients read them).
 */
import { el, type Element } from "../../xml/element.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { isServerAdmin, type MucContext } from "./muc-context.js";
import type { MucIqRequest } from "./muc-extensions.js";
import type { Room } from "./room.js";
import { pageByKey, parseRsm, rsmSet } from "./rsm-page.js";

export function serviceDiscoInfo(query: Element): Element {
  if (query.attrs["node"] !== undefined) throw new StanzaError("item-not-found");
  return el(
    "query",
    { xmlns: NS.discoInfo },
    el("identity", { category: "conference", type: "text", name: "Chatrooms" }),
    [NS.muc, NS.mucsub, NS.discoInfo, NS.discoItems].map((f) => el("feature", { var: f })),
  );
}

const UNPAGED_LIMIT = 100;

/** §1.2: public rooms ascending by JID; without `<set>` at most 100, with `<set>` when the list was cut. */
export function serviceDiscoItems(ctx: MucContext, query: Element, iq: MucIqRequest): Element {
  if (query.attrs["node"] !== undefined) throw new StanzaError("item-not-found");
  // §1.2: with the tenant guard, only the requester's App's rooms (server admins see all).
  let prefix: string | undefined;
  if (ctx.settings.tenantGuard && !isServerAdmin(ctx, iq.from)) {
    const i = iq.from.local.indexOf("_");
    prefix = i < 0 ? "\u0000" : iq.from.local.slice(0, i + 1);
  }
  const rooms: Room[] = [];
  for (const room of ctx.rooms.all(iq.to.domain)) {
    if (!room.config.public || (prefix !== undefined && !room.name.startsWith(prefix))) continue;
    rooms.push(room);
  }
  const keyed = rooms.map((r) => ({ key: r.jid.bareString, room: r })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const request = parseRsm(query.getChild("set", NS.rsm), { defaultMax: 50, maxMax: 200 });
  const page = pageByKey(keyed, request ?? { max: UNPAGED_LIMIT });
  const items = page.items.map(({ room }) => el("item", { jid: room.jid.bareString, name: room.config.title || room.name }));
  const cut = page.items.length < keyed.length;
  return el("query", { xmlns: NS.discoItems }, items, request !== undefined || cut ? rsmSet(page, keyed.length) : undefined);
}

export function roomDiscoItems(query: Element): Element {
  if (query.attrs["node"] !== undefined) throw new StanzaError("item-not-found");
  return el("query", { xmlns: NS.discoItems });
}

function field(name: string, type: string, label: string | undefined, value: string): Element {
  return el("field", { var: name, type, label }, el("value", null, value));
}

const bool = (b: boolean) => (b ? "1" : "0");

/** §3.12, field for field. */
export function roomDiscoInfo(room: Room, query: Element): Element {
  if (query.attrs["node"] !== undefined) throw new StanzaError("item-not-found");
  const c = room.config;
  const features = [
    NS.muc,
    NS.discoInfo,
    NS.discoItems,
    c.public ? "muc_public" : "muc_hidden",
    c.persistent ? "muc_persistent" : "muc_temporary",
    c.members_only ? "muc_membersonly" : "muc_open",
    c.anonymous ? "muc_semianonymous" : "muc_nonanonymous",
    c.moderated ? "muc_moderated" : "muc_unmoderated",
    c.password_protected ? "muc_passwordprotected" : "muc_unsecured",
  ];
  if (c.allow_subscription) features.push(NS.mucsub);
  if (c.mam) features.push(NS.mam1, NS.mam2);
  features.push(NS.sid);
  return el(
    "query",
    { xmlns: NS.discoInfo },
    el("identity", { category: "conference", type: "text", name: c.title || room.name }),
    features.map((f) => el("feature", { var: f })),
    el(
      "x",
      { xmlns: NS.dataForms, type: "result" },
      field("FORM_TYPE", "hidden", undefined, "http://jabber.org/protocol/muc#roominfo"),
      field("muc#roominfo_occupants", "text-single", "Number of occupants", String(room.occupants.count)),
      field("muc#roomconfig_roomname", "text-single", "Natural-Language Room Name", c.title),
      field("muc#roominfo_description", "text-single", "Room description", c.description),
      field("muc#roomconfig_changesubject", "boolean", undefined, bool(c.allow_change_subj)),
      field("muc#roomconfig_allowinvites", "boolean", undefined, bool(c.allow_user_invites)),
      field("muc#roomconfig_allow_query_users", "boolean", undefined, bool(c.allow_query_users)),
      field("muc#roomconfig_allowpm", "list-single", undefined, c.allow_private_messages),
      field("muc#roominfo_lang", "text-single", undefined, c.lang),
    ),
  );
}
