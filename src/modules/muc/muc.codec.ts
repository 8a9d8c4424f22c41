/**
 * Decoders for the MUC payloads the room reads (XEP-0045 §7.2.14 history, §9–§10 admin items,
 * §10.2 data-form submissions, §7.8 invitations, §10.9 destroy). Malformed input is bad-request.
 */
import type { Element } from "../../xml/element.js";
import { tryParseJid, type Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { isAffiliation, isRole, type Affiliation, type Role } from "./affiliations.js";
import type { HistoryRequest } from "./room-history.js";

function nonNegativeInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/** XEP-0045 §7.2.14; unparsable limits are ignored. */
export function parseHistoryRequest(history: Element | undefined): HistoryRequest {
  if (history === undefined) return {};
  const since = history.attrs["since"] === undefined ? undefined : Date.parse(history.attrs["since"]);
  const out: { maxstanzas?: number; maxchars?: number; seconds?: number; since?: number } = {};
  const maxstanzas = nonNegativeInt(history.attrs["maxstanzas"]);
  const maxchars = nonNegativeInt(history.attrs["maxchars"]);
  const seconds = nonNegativeInt(history.attrs["seconds"]);
  if (maxstanzas !== undefined) out.maxstanzas = maxstanzas;
  if (maxchars !== undefined) out.maxchars = maxchars;
  if (seconds !== undefined) out.seconds = seconds;
  if (since !== undefined && !Number.isNaN(since)) out.since = since;
  return out;
}

export interface AdminItem {
  readonly affiliation: Affiliation | undefined;
  readonly role: Role | undefined;
  readonly jid: Jid | undefined;
  readonly nick: string | undefined;
  readonly reason: string | undefined;
}

/** The `<item/>` children of a muc#admin (or muc#owner, §3.11 Decision) query. */
export function parseAdminItems(query: Element): AdminItem[] {
  const items = query.getChildren("item", query.ns);
  if (items.length === 0) throw new StanzaError("bad-request");
  return items.map((item) => {
    const affiliation = item.attrs["affiliation"];
    const role = item.attrs["role"];
    if (affiliation !== undefined && !isAffiliation(affiliation)) throw new StanzaError("bad-request", "Invalid affiliation");
    if (role !== undefined && !isRole(role)) throw new StanzaError("bad-request", "Invalid role");
    const jidAttr = item.attrs["jid"];
    const jid = jidAttr === undefined ? undefined : tryParseJid(jidAttr);
    if (jidAttr !== undefined && jid === undefined) throw new StanzaError("jid-malformed");
    return { affiliation, role, jid, nick: item.attrs["nick"], reason: item.getChildText("reason", query.ns) };
  });
}

/** A submitted data form (XEP-0004): field var → values. */
export function parseSubmittedForm(x: Element): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  for (const field of x.getChildren("field", NS.dataForms)) {
    const name = field.attrs["var"];
    if (name === undefined) continue;
    fields.set(
      name,
      field.getChildren("value", NS.dataForms).map((v) => v.text()),
    );
  }
  return fields;
}

export interface Invite {
  readonly to: Jid;
  readonly reason: string | undefined;
}

/** XEP-0045 §7.8.2 `<invite to>` (several allowed, PROTOCOL §3.10) and `<decline to>`. */
export function parseInvites(x: Element, name: "invite" | "decline"): Invite[] {
  return x.getChildren(name, NS.mucUser).map((i) => {
    const to = tryParseJid(i.attrs["to"]);
    if (to === undefined) throw new StanzaError("jid-malformed");
    return { to, reason: i.getChildText("reason", NS.mucUser) };
  });
}

export interface DestroyRequest {
  readonly alternate: string | undefined;
  readonly reason: string | undefined;
  readonly password: string | undefined;
}

export function parseDestroy(destroy: Element): DestroyRequest {
  return {
    alternate: destroy.attrs["jid"],
    reason: destroy.getChildText("reason", destroy.ns),
    password: destroy.getChildText("password", destroy.ns),
  };
}
