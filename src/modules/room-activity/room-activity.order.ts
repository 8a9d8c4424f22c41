/**
 * Who `ns:room:last` lists and in which order (PROTOCOL §7.5 Decisions): affiliated users (outcasts included),
 * subscribers and current occupants, by bare JID; ordered by affiliation (owner, admin, member, none, outcast), then
 * `last_active` descending, then JID in code-point order; at most `room_last.max_items`.
 */
import { AFFILIATIONS, type Affiliation } from "../muc/affiliations.js";
import type { Activity } from "./room-activity.store.js";

export interface Candidate {
  readonly jid: string;
  readonly affiliation: Affiliation;
  /** Unix seconds, as the reply shows it (the order is the order a client sees). */
  readonly lastActive: number;
}

const RANK: ReadonlyMap<string, number> = new Map(AFFILIATIONS.map((a, i) => [a, i]));

/** Code-point order (UTF-16 `<` differs for characters above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const x = [...a];
  const y = [...b];
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = (x[i]!.codePointAt(0) ?? 0) - (y[i]!.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

export function compareCandidates(a: Candidate, b: Candidate): number {
  return (RANK.get(a.affiliation) ?? 0) - (RANK.get(b.affiliation) ?? 0) || b.lastActive - a.lastActive || compareCodePoints(a.jid, b.jid);
}

/** §7.5 `last_active` in Unix seconds: the latest message/join/leave, else the start of membership, else 0. */
export function lastActiveSeconds(activity: Activity | undefined, subscribedAt: number | undefined): number {
  const active = activity?.lastActive ?? 0;
  if (active > 0) return Math.floor(active / 1000);
  const since = activity !== undefined && activity.memberSince > 0 ? activity.memberSince : (subscribedAt ?? 0);
  return since > 0 ? Math.floor(since / 1000) : 0;
}

/** The first `max` candidates in §7.5 order. */
export function pickCandidates(candidates: Iterable<Candidate>, max: number): Candidate[] {
  return [...candidates].sort(compareCandidates).slice(0, max);
}
