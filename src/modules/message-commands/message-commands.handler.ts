/**
 * Processing of delete (PROTOCOL §7.1) and edit (§7.2) commands, §3.6 step 6: look the target up in the room
 * archive, decide the outcome, change the room entry and its MucSub copies (§5.6) in place, audit every
 * outcome through `room.message-command` (§7.9), and broadcast applied commands as non-archived room messages.
 * Commands on one target run one after the other (read, change, write).
 */
import type { RoomMessageCommand } from "../../core/hook-map.js";
import type { Element } from "../../xml/element.js";
import { parseXml } from "../../xml/stream-parser.js";
import { tryParseJid, type Jid } from "../../xmpp/jid.js";
import { EntryKind, type ArchiveEntry, type MamApi } from "../mam/mam.module.js";
import { stamped } from "../mam/mam.stamps.js";
import type { GroupchatEvent, MucApi, RoomView } from "../muc/muc.module.js";
import { KeyedMutex } from "../offline/keyed-mutex.js";
import { parseMessageCommand, targetNumber, type MessageCommand } from "./message-commands.codec.js";
import { bodyText, hasBody, isDeleted, mapWrappedMessage, markDeleted, markEdited } from "./message-commands.transform.js";

export type Outcome = RoomMessageCommand["outcome"];

/** What the decision needs to know about the target entry. */
export interface TargetFacts {
  /** The sender's real bare JID (§6.3 metadata). */
  readonly author: string;
  readonly deleted: boolean;
  readonly hasBody: boolean;
}

/**
 * §7.1 step 3 and §7.2 "Processing". For edits, a deleted target is `not_found` (checked before ownership: a
 * deleted message no longer exists for anyone) and a body-less one `invalid`; `moderator` (owner, admin or
 * server admin with `delete.allow_moderators`) only widens deletes.
 */
export function decide(action: MessageCommand["action"], target: TargetFacts | undefined, actor: string, moderator: boolean): Outcome {
  if (target === undefined) return "not_found";
  if (action === "delete") return target.author === actor || moderator ? "applied" : "denied";
  if (target.deleted) return "not_found";
  if (target.author !== actor) return "denied";
  return target.hasBody ? "applied" : "invalid";
}

export interface CommandDeps {
  readonly mam: MamApi;
  readonly muc: MucApi;
  /** `delete.allow_moderators` (§7.1, Appendix A). */
  readonly allowModerators: boolean;
  readonly emit: (event: RoomMessageCommand) => Promise<unknown>;
  readonly log: { error(fields: object, message: string): void };
  readonly now?: () => number;
}

interface Target {
  readonly entry: ArchiveEntry;
  readonly message: Element;
}

export class MessageCommands {
  readonly #locks = new KeyedMutex();

  constructor(private readonly deps: CommandDeps) {}

  /** The `beforeGroupchat` extension point: "continue" for ordinary messages (synchronously), "handled" for commands. */
  handle(event: GroupchatEvent): "continue" | Promise<"handled"> {
    const command = parseMessageCommand(event.stanza);
    if (command === undefined) return "continue";
    const key = event.room.jid.bareString + " " + command.targetId;
    return this.#locks.run(key, () => this.#process(event, command)).then(() => "handled" as const);
  }

  async #process(event: GroupchatEvent, command: MessageCommand): Promise<void> {
    const room = event.room;
    const actor = event.from.bare();
    const target = await this.#lookup(room, command.targetId);
    const facts: TargetFacts | undefined =
      target === undefined ? undefined : { author: target.entry.peer, deleted: isDeleted(target.message), hasBody: hasBody(target.message) };
    const outcome = decide(command.action, facts, actor.bareString, command.action === "delete" && this.#mayModerate(room, actor));
    const audit = { action: command.action, outcome, room: room.jid, actor, targetStanzaId: command.targetId };
    if (outcome !== "applied" || target === undefined) {
      // §7.9: targetAuthor is null when the target was not found.
      const author = outcome === "not_found" || target === undefined ? undefined : authorJid(target);
      await this.#emit({ ...audit, targetAuthor: author, oldBody: undefined, newBody: undefined, updated: undefined });
      return;
    }
    const at = (this.deps.now ?? Date.now)();
    const change = command.action === "delete" ? (m: Element) => markDeleted(m, at) : (m: Element) => markEdited(m, command.text, at);
    const updated = change(target.message);
    await this.deps.mam.updateStanza(target.entry.archive, target.entry.id, updated);
    await this.#updateCopies(room, target.entry.id, change);
    const edit = command.action === "edit";
    await this.#emit({
      ...audit,
      targetAuthor: authorJid(target),
      oldBody: edit ? bodyText(target.message) : undefined,
      newBody: edit ? command.text : undefined,
      updated: { stanza: stamped(updated, room.jid.bareString, String(target.entry.id)), nick: target.entry.nick ?? "", at },
    });
    // Step 5: the command as received, a fresh non-archived stanza-id, to occupants and subscribers.
    await this.deps.muc.broadcastCommand(room.jid, event.stanza, event.from, event.nick);
  }

  /** The room entry (`get` waits for the archive writes queued before it, ADR 0002: a message just sent is found). */
  async #lookup(room: RoomView, targetId: string): Promise<Target | undefined> {
    const id = targetNumber(targetId);
    if (id === undefined) return undefined;
    const entry = await this.deps.mam.get(room.jid.bareString, id);
    if (entry === undefined || entry.kind !== EntryKind.room) return undefined;
    const message = this.#parse(entry);
    return message === undefined ? undefined : { entry, message };
  }

  /** §5.6: every MucSub copy of the room message (same id, in subscribers' archives) gets the same change. */
  async #updateCopies(room: RoomView, id: number, change: (m: Element) => Element): Promise<void> {
    const roomJid = room.jid.bareString;
    for (const copy of await this.deps.mam.copiesOf(id)) {
      if (copy.kind !== EntryKind.mucsub || copy.peer !== roomJid) continue;
      const wrapper = this.#parse(copy);
      const next = wrapper === undefined ? undefined : mapWrappedMessage(wrapper, change);
      if (next !== undefined) await this.deps.mam.updateStanza(copy.archive, id, next);
    }
  }

  /** `delete.allow_moderators`: owners, admins and server admins may delete any message (§7.1 step 3). */
  #mayModerate(room: RoomView, actor: Jid): boolean {
    if (!this.deps.allowModerators) return false;
    const affiliation = room.affiliation(actor.bareString);
    return affiliation === "owner" || affiliation === "admin" || this.deps.muc.isServerAdmin(actor);
  }

  #parse(entry: ArchiveEntry): Element | undefined {
    try {
      return parseXml(entry.stanza);
    } catch (err) {
      this.deps.log.error({ err, archive: entry.archive, id: entry.id }, "unreadable archive entry left alone");
      return undefined;
    }
  }

  /** The audit never changes the outcome: a failing listener is logged (§7.9 "webhooks never block"). */
  async #emit(event: RoomMessageCommand): Promise<void> {
    try {
      await this.deps.emit(event);
    } catch (err) {
      this.deps.log.error({ err, room: event.room.bareString, action: event.action }, "room.message-command hook failed");
    }
  }
}

/** The target's sender as a JID (stored bare JIDs always parse; undefined only for a corrupt row). */
function authorJid(target: Target): Jid | undefined {
  return tryParseJid(target.entry.peer);
}
