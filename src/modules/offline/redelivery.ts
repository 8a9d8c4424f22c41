/**
 * Marks stanzas that are routed a second time: offline messages handed to a session (PROTOCOL §9.4) and
 * unacknowledged messages re-routed when a session ends (§2.11). `message.routing` runs again for them,
 * so hooks that must act once per message (archiving, carbons, pushes) skip them with `isRedelivery`.
 * Keyed by element identity, so a client cannot forge the mark; a weak map of identities holds no
 * server state (elements never cross server instances), so it may live at module level.
 */
import type { Element } from "../../xml/element.js";
import type { OfflineRow } from "./offline.store.js";

// null: a re-routed live message; a row: an offline message taken from the queue, put back under its id if it fails.
const marks = new WeakMap<Element, OfflineRow | null>();

export function markRedelivery(stanza: Element, row: OfflineRow | undefined): Element {
  marks.set(stanza, row ?? null);
  return stanza;
}

/** True for a stanza that offline delivery or §2.11 re-routing sends again. */
export function isRedelivery(stanza: Element): boolean {
  return marks.has(stanza);
}

/** The queue row an offline message was taken from, if it was one. */
export function offlineRowOf(stanza: Element): OfflineRow | undefined {
  return marks.get(stanza) ?? undefined;
}
