/**
 * Groupchat processing (PROTOCOL §3.6–§3.8): sender, voice, rate limit, subject, extensions (bans,
 * commands), archive decision, stamps prepended, fan-out to every joined session with the client's id
 * and children untouched; and private messages through the room (§3.9). The per-message work is one
 * Map lookup, one stamped copy, and one serialisation per wire format.
 */
import type { Session } from "../../core/session.js";
import { Element, el } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { hasHint } from "../../xmpp/stanza.js";
import { defaultRole, type Role } from "./affiliations.js";
import { isServerAdmin, isSystemAccountOf, type MucContext } from "./muc-context.js";
import type { RoomMessageEvent } from "./muc-extensions.js";
import type { Occupant } from "./occupants.js";
import { fanOut } from "./fan-out.js";
import type { Room } from "./room.js";

export const ONLY_OCCUPANTS = "Only occupants are allowed to send messages to the conference";

/** §3.8: a `<body>` in jabber:client with non-empty text. */
export function hasBody(message: Element): boolean {
  for (const c of message.children) {
    if (typeof c !== "string" && c.name === "body" && c.ns === NS.client && c.text() !== "") return true;
  }
  return false;
}

/** §3.8: archived classes: a no-store hint always wins; then a store hint or a body. */
export function isArchivedClass(message: Element): boolean {
  if (hasHint(message, "no-store") || hasHint(message, "no-permanent-store")) return false;
  return hasHint(message, "store") || hasBody(message);
}

export interface Sender {
  readonly nick: string;
  readonly role: Role;
  readonly occupant: Occupant | undefined;
}

/** §3.6 step 1: an occupant, a subscriber, a server admin or the App system account; anyone else is refused. */
export function resolveSender(ctx: MucContext, room: Room, from: Jid): Sender {
  const occupant = room.occupants.byFullJid(from.toString());
  if (occupant !== undefined) return { nick: occupant.nick, role: occupant.role, occupant };
  const admin = isServerAdmin(ctx, from);
  const nick = ctx.ext.senderNick(room, from.bare());
  if (nick !== undefined) return { nick, role: admin ? "moderator" : defaultRole(room.affiliation(from.bareString), room.config), occupant };
  if (admin || isSystemAccountOf(ctx, room, from)) return { nick: from.local, role: "moderator", occupant };
  throw new StanzaError("not-acceptable", ONLY_OCCUPANTS);
}

export async function handleGroupchat(ctx: MucContext, room: Room, stanza: Element, from: Jid, origin: Session | undefined): Promise<void> {
  const sender = resolveSender(ctx, room, from);
  if (sender.role === "visitor") throw new StanzaError("forbidden", "Visitors are not allowed to send messages to all occupants");
  if ((await ctx.ext.checkSender(room, from, stanza, "groupchat")) === "drop") return;
  // Step 4; the admin API's send_message skips it (§8.5).
  if (origin !== undefined && !room.takeToken(sender.occupant ?? from.bareString, ctx.settings.rate, Date.now())) {
    throw new StanzaError("resource-constraint", "Traffic rate limit is exceeded");
  }
  const body = hasBody(stanza);
  if (!body && stanza.getChild("subject", NS.client) !== undefined) return changeSubject(ctx, room, stanza, from, sender);
  for (const e of ctx.ext.all) {
    if (e.beforeGroupchat === undefined) continue;
    const verdict = await e.beforeGroupchat({ room, stanza, from, nick: sender.nick, origin });
    if (verdict !== "continue") return;
  }
  await relayGroupchat(ctx, room, stanza, from, sender.nick, isArchivedClass(stanza));
}

/**
 * Steps 8–11 for a message that passed steps 1–7: archive decision, stamps, fan-out, history, then the
 * messageBroadcast extensions (MucSub copies and offline storage, webhooks). Also the broadcast of applied
 * edit/delete commands (§7.1, §7.2 step 5), which pass `archivedClass` false. Returns the room stanza-id.
 */
export async function relayGroupchat(ctx: MucContext, room: Room, stanza: Element, from: Jid, nick: string, archivedClass: boolean): Promise<number> {
  // Step 8: one allocator for archived and non-archived ids (§6.1).
  const archived = room.config.mam && archivedClass;
  const id = ctx.archiveIds.next();
  const out = stampGroupchat(room, stanza, nick, id, archived);
  const excluded = ctx.ext.excludedRecipients(room, from.bare());
  const joined = withoutExcluded(room.occupants.recipients(), excluded);
  const event: RoomMessageEvent = { room, stanza: out, id, archived, archivedClass, subject: false, from, nick, joined, excluded };
  const stored = archived ? archive(ctx, event) : undefined;
  await fanOut(ctx.router, out, joined);
  room.history?.push({ stanza: out, at: Date.now() });
  if (stored !== undefined) await stored;
  await afterBroadcast(ctx, event);
  return id;
}

/** Step 9: removes the room's own stamps, then prepends `<archived>` (archived only) and `<stanza-id>`. */
export function stampGroupchat(room: Room, stanza: Element, nick: string, id: number, archived: boolean): Element {
  const by = room.jid.bareString;
  const idText = String(id);
  const children: (Element | string)[] = [];
  if (archived) children.push(new Element("archived", NS.mamTmp, { by, id: idText }));
  children.push(new Element("stanza-id", NS.sid, { by, id: idText }));
  for (const c of stanza.children) {
    if (typeof c !== "string" && isOwnStamp(c, by)) continue;
    children.push(c);
  }
  return new Element("message", stanza.ns === "" ? NS.client : stanza.ns, relayedAttrs(stanza, room.occupantJid(nick).toString()), children);
}

function isOwnStamp(c: Element, by: string): boolean {
  return ((c.name === "stanza-id" && c.ns === NS.sid) || (c.name === "archived" && c.ns === NS.mamTmp)) && c.attrs["by"]?.toLowerCase() === by;
}

/** The client's attributes with `from` = room/nick first and no `to` (the fan-out adds each recipient's). */
function relayedAttrs(stanza: Element, from: string): Record<string, string> {
  const attrs: Record<string, string> = { from };
  for (const k in stanza.attrs) if (k !== "from" && k !== "to") attrs[k] = stanza.attrs[k] as string;
  return attrs;
}

/** Step 8: the archive write is queued (room-archive.ts); a returned promise means the queue wants us to wait. */
async function archive(ctx: MucContext, event: RoomMessageEvent): Promise<void> {
  for (const e of ctx.ext.all) {
    if (e.archive === undefined) continue;
    try {
      await e.archive(event);
    } catch (err) {
      ctx.log.error({ err, room: event.room.jid.bareString, id: event.id }, "room message archiving failed");
    }
  }
}

async function afterBroadcast(ctx: MucContext, event: RoomMessageEvent): Promise<void> {
  for (const e of ctx.ext.all) {
    if (e.messageBroadcast === undefined) continue;
    try {
      await e.messageBroadcast(event);
    } catch (err) {
      ctx.log.error({ err, room: event.room.jid.bareString }, "MUC messageBroadcast extension failed");
    }
  }
}

/** Step 5: a subject change, broadcast as sent (no stamps, not archived). */
async function changeSubject(ctx: MucContext, room: Room, stanza: Element, from: Jid, sender: Sender): Promise<void> {
  const allowed = sender.role === "moderator" || (room.config.allow_change_subj && sender.role === "participant");
  if (!allowed) {
    throw new StanzaError(
      "forbidden",
      room.config.allow_change_subj
        ? "Only moderators and participants are allowed to change the subject in this room"
        : "Only moderators are allowed to change the subject in this room",
    );
  }
  room.subject = stanza.getChildText("subject", NS.client) ?? "";
  room.subjectAuthor = sender.nick;
  const out = new Element("message", stanza.ns === "" ? NS.client : stanza.ns, relayedAttrs(stanza, room.occupantJid(sender.nick).toString()), stanza.children.slice());
  const excluded = ctx.ext.excludedRecipients(room, from.bare());
  const joined = withoutExcluded(room.occupants.recipients(), excluded);
  await fanOut(ctx.router, out, joined);
  await ctx.rooms.saveSubject(room);
  await afterBroadcast(ctx, { room, stanza: out, id: 0, archived: false, archivedClass: false, subject: true, from, nick: sender.nick, joined, excluded });
}

/** §3.9: `type="chat"` (or normal) to room/nick, from an occupant, under `allow_private_messages`. */
export async function handlePrivateMessage(ctx: MucContext, room: Room, stanza: Element, from: Jid, to: Jid): Promise<void> {
  const sender = room.occupants.byFullJid(from.toString());
  if (sender === undefined) throw new StanzaError("not-acceptable", ONLY_OCCUPANTS);
  const policy = room.config.allow_private_messages;
  const allowed =
    policy === "anyone" ||
    (policy === "participants" && (sender.role === "participant" || sender.role === "moderator")) ||
    (policy === "moderators" && sender.role === "moderator");
  if (!allowed) throw new StanzaError("forbidden", "It is not allowed to send private messages");
  if ((await ctx.ext.checkSender(room, from, stanza, "private")) === "drop") return;
  const target = room.occupants.byNick(to.resource);
  if (target === undefined) throw new StanzaError("item-not-found", "Recipient is not in the conference room");
  // §7.7: a private message to someone who blocked the sender is dropped silently, like a 1:1 message.
  if (ctx.ext.excludedRecipients(room, from.bare())?.has(target.bare.bareString) === true) return;
  const out = new Element(stanza.name, stanza.ns === "" ? NS.client : stanza.ns, relayedAttrs(stanza, room.occupantJid(sender.nick).toString()), stanza.children.slice());
  const jids: Jid[] = [];
  for (const s of target.sessions.values()) jids.push(s.jid);
  await ctx.router.broadcast(out, jids);
}

/** §7.7: the joined sessions minus those of users who blocked the sender (no copy when nobody did). */
function withoutExcluded(recipients: readonly Jid[], excluded: ReadonlySet<string> | undefined): readonly Jid[] {
  if (excluded === undefined) return recipients;
  return recipients.filter((jid) => !excluded.has(jid.bareString));
}

/** The `<message>` a room sends on its own (status notices, §3.13 104): from the room, type groupchat. */
export function roomNotice(room: Room, ...children: Element[]): Element {
  return el("message", { xmlns: NS.client, type: "groupchat", from: room.jid.toString() }, children);
}
