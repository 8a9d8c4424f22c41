/**
 * The `jabber:iq:roster` payload (RFC 6121 §2.1): decoding and validating a roster set (§2.3.3,
 * §2.5.3 error cases) and building roster items for results and pushes.
 */
import { el, type Element } from "../../xml/element.js";
import { parseJid, type Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { subscriptionAttr, type SubscriptionState } from "./roster.state.js";

/** Limits on handles and group names (§2.3.3 "exceeds the server-configured limit" → not-acceptable). */
export const MAX_NAME_LENGTH = 1023;
export const MAX_GROUP_LENGTH = 1023;
export const MAX_GROUPS = 100;

export type RosterSet =
  | { readonly kind: "update"; readonly jid: Jid; readonly name: string | null; readonly groups: readonly string[] }
  | { readonly kind: "remove"; readonly jid: Jid };

/** Decodes `<query xmlns="jabber:iq:roster">` of a roster set; throws StanzaError per RFC 6121 §2.3.3. */
export function decodeRosterSet(query: Element): RosterSet {
  const items = query.getChildren("item", NS.roster);
  // §2.3.3: exactly one item per roster set.
  const item = items[0];
  if (item === undefined || items.length !== 1) throw new StanzaError("bad-request", "A roster set contains exactly one item");
  const jidAttr = item.attrs["jid"];
  if (jidAttr === undefined) throw new StanzaError("bad-request", "The item has no jid");
  let jid: Jid;
  try {
    jid = parseJid(jidAttr);
  } catch {
    throw new StanzaError("jid-malformed");
  }
  // §2.1.2.5: "remove" is the only subscription value a client sends; `ask` and `approved` are the server's.
  if (item.attrs["subscription"] === "remove") return { kind: "remove", jid };
  return { kind: "update", jid, name: decodeName(item.attrs["name"]), groups: decodeGroups(item) };
}

function decodeName(name: string | undefined): string | null {
  if (name === undefined || name === "") return null;
  if ([...name].length > MAX_NAME_LENGTH) throw new StanzaError("not-acceptable", "The name is too long");
  return name;
}

function decodeGroups(item: Element): string[] {
  const groups: string[] = [];
  for (const group of item.getChildren("group", NS.roster)) {
    const name = group.text();
    // §2.3.3: an empty group name is not-acceptable, a repeated one bad-request.
    if (name === "") throw new StanzaError("not-acceptable", "A group name is empty");
    if ([...name].length > MAX_GROUP_LENGTH) throw new StanzaError("not-acceptable", "A group name is too long");
    if (groups.includes(name)) throw new StanzaError("bad-request", "A group is listed twice");
    groups.push(name);
  }
  if (groups.length > MAX_GROUPS) throw new StanzaError("not-acceptable", "Too many groups");
  return groups;
}

export interface RosterItemView {
  readonly contact: string;
  readonly name: string | null;
  readonly groups: readonly string[];
  readonly state: SubscriptionState;
}

/** `<item jid name subscription ask><group/>…</item>` (§2.1.2); `ask` only while pending out. */
export function rosterItemElement(item: RosterItemView): Element {
  return el(
    "item",
    {
      jid: item.contact,
      name: item.name ?? undefined,
      subscription: subscriptionAttr(item.state),
      ask: item.state.pendingOut ? "subscribe" : undefined,
    },
    item.groups.map((g) => el("group", null, g)),
  );
}

/** The item of a push announcing a removal (§2.5.2). */
export function removedItemElement(contact: string): Element {
  return el("item", { jid: contact, subscription: "remove" });
}

export function rosterQuery(items: readonly Element[]): Element {
  return el("query", { xmlns: NS.roster }, items);
}
