/**
 * Helpers for the delete/edit integration tests (PROTOCOL §7.1, §7.2): command stanzas, a probe module that
 * records the `room.message-command` hook (the audit of §7.9) and lets a test wait for one outcome, and reads
 * of stored archive entries.
 */
import type { RoomMessageCommand } from "../../src/core/hook-map.js";
import { defineModule } from "../../src/core/module.js";
import { mamModule } from "../../src/modules/mam/mam.module.js";
import { xml, type TestClient, type XmlElement } from "../harness/test-client.js";
import type { TestServer } from "../harness/test-server.js";
import { nextId } from "./muc-helpers.js";

export const NS_SID = "urn:xmpp:sid:0";
export const NS_TMP = "urn:xmpp:mam:tmp";
export const NS_CORRECT = "urn:xmpp:message-correct:0";

/** A delete command (§7.1) with `<body>wow</body>` as clients send it, or no body when `body` is null. */
export function deleteCommand(room: string, target: string, id = nextId("del"), body: string | null = "wow"): XmlElement {
  return xml("message", { to: room, type: "groupchat", id }, body === null ? undefined : xml("body", {}, body), xml("delete", { id: target }));
}

export function editCommand(room: string, target: string, text: string | undefined, id = nextId("edit"), ...extra: XmlElement[]): XmlElement {
  return xml("message", { to: room, type: "groupchat", id }, xml("replace", text === undefined ? { id: target } : { id: target, text }), ...extra);
}

export interface CommandProbe {
  readonly log: RoomMessageCommand[];
  readonly module: ReturnType<typeof defineModule<void>>;
  /** Resolves with the first recorded event (past or future) for this target and actor. */
  next(target: string, actor: string, timeoutMs?: number): Promise<RoomMessageCommand>;
}

export function commandProbe(): CommandProbe {
  const log: RoomMessageCommand[] = [];
  const waiters = new Set<{ match: (e: RoomMessageCommand) => boolean; resolve: (e: RoomMessageCommand) => void }>();
  const module = defineModule<void>({
    name: "message-command-probe",
    setup(ctx) {
      ctx.hooks.on("room.message-command", (e) => {
        log.push(e);
        for (const w of waiters) if (w.match(e)) (waiters.delete(w), w.resolve(e));
      });
    },
  });
  const taken = new Set<RoomMessageCommand>();
  const next = (target: string, actor: string, timeoutMs = 5000) =>
    new Promise<RoomMessageCommand>((resolve, reject) => {
      const match = (e: RoomMessageCommand) => !taken.has(e) && e.targetStanzaId === target && e.actor.bareString === actor;
      const take = (e: RoomMessageCommand) => (taken.add(e), resolve(e));
      const found = log.find(match);
      if (found !== undefined) return take(found);
      const waiter = { match, resolve: (e: RoomMessageCommand) => (clearTimeout(timer), take(e)) };
      const timer = setTimeout(() => (waiters.delete(waiter), reject(new Error(`no room.message-command for ${target} by ${actor}`))), timeoutMs);
      waiters.add(waiter);
    });
  return { log, module, next };
}

/** The stored form of a room entry or a copy (§6.3: without the archive owner's stamps). */
export async function stored(server: TestServer, archive: string, id: string): Promise<string | undefined> {
  return (await server.server.modules.api(mamModule).get(archive, Number(id)))?.stanza;
}

/** How many entries an archive holds (a command must never add one). */
export async function archiveCount(server: TestServer, archive: string): Promise<number> {
  return (await server.server.modules.api(mamModule).query(archive, {}, { max: 0 })).count;
}

/**
 * Sends a chat state from `sender` and waits until every observer got it: whatever `sender` sent before has been
 * processed, and anything the room relayed from it before has reached the observers (one room, one order).
 */
export async function barrier(room: string, sender: TestClient, ...observers: TestClient[]): Promise<void> {
  const id = nextId("barrier");
  await sender.send(xml("message", { to: room, type: "groupchat", id }, xml("active", { xmlns: "http://jabber.org/protocol/chatstates" })));
  for (const c of [sender, ...observers]) await c.receive((s) => s.is("message") && s.attrs.id === id);
}

/** `<type>/<condition>/<text>` of an error reply. */
export function errorText(s: XmlElement): string {
  const e = s.getChild("error");
  return `${e?.attrs.type}/${e?.getChildElements()[0]?.name}/${e?.getChildText("text", "urn:ietf:params:xml:ns:xmpp-stanzas") ?? ""}`;
}
