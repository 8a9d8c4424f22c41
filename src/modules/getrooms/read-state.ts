/**
 * The client's read markers (PROTOCOL §9.5): the `value` attribute of `<chatjson xmlns="chatjson:store"/>` in
 * private storage, a JSON object mapping room JID to an epoch-milliseconds string. The server otherwise treats
 * the blob as opaque; here it is only read, for the `unread` counts of §7.3. Anything malformed reads as "no marker".
 */
import { parseXml } from "../../xml/stream-parser.js";
import { tryParseJid } from "../../xmpp/jid.js";

export const READ_STATE_KEY = { ns: "chatjson:store", name: "chatjson" } as const;

/** Room bare JID (normalised) → marker in epoch milliseconds. */
export type ReadMarkers = ReadonlyMap<string, number>;

/** Reads the markers from the stored element's XML; an empty map when there is none or it is malformed. */
export function readMarkersFromXml(xml: string | undefined): ReadMarkers {
  if (xml === undefined) return new Map();
  let value: string | undefined;
  try {
    value = parseXml(xml).attrs["value"];
  } catch {
    return new Map();
  }
  return readMarkersFromJson(value);
}

export function readMarkersFromJson(json: string | undefined): ReadMarkers {
  const out = new Map<string, number>();
  if (json === undefined) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return out;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return out;
  for (const [key, raw] of Object.entries(parsed as Record<string, unknown>)) {
    const ms = markerValue(raw);
    const room = tryParseJid(key);
    if (ms === undefined || room === undefined) continue;
    // Two spellings of one room: the later marker wins (the client read at least that far).
    const k = room.bareString;
    out.set(k, Math.max(ms, out.get(k) ?? 0));
  }
  return out;
}

/** An epoch-milliseconds value as string or number; µs values (above 10^14, as §6.1 reads ids) are scaled down. */
function markerValue(raw: unknown): number | undefined {
  const text = typeof raw === "string" ? raw.trim() : typeof raw === "number" ? String(raw) : undefined;
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) return undefined;
  const n = Math.floor(Number(text));
  if (!Number.isSafeInteger(n)) return undefined;
  return n > 1e14 ? Math.floor(n / 1000) : n;
}

/**
 * The exclusive lower bound, as an archive id (µs, §6.1), of the messages that count as unread: those newer than
 * the marker (a message in the marker's own millisecond counts as read), or, without a marker, those from the
 * moment membership began on.
 */
export function unreadAfterId(marker: number | undefined, memberSince: number): number {
  return marker !== undefined ? marker * 1000 + 999 : memberSince * 1000 - 1;
}
