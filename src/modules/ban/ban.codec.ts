/**
 * The §7.6 wire format: `<query xmlns="ns:deepx:muc:user:ban" action=… user=… type=… room=… time=…
 * comment=…/>` decoded with every validation rule (each failure `modify` / `bad-request`), and the
 * replies: `<result status="success"/>` and the `get_list` items (attribute order user, type, room,
 * expires, comment, by, as PROTOCOL §7.6 shows).
 */
import type { PayloadCodec } from "../../core/codec.js";
import { el, type Element } from "../../xml/element.js";
import { parseJid, type Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import type { BanRecord, BanType } from "./ban.store.js";

export type BanAction = "ban" | "unban" | "get_list";

/** The payload with its raw attributes; `parseBanRequest` validates them once the requester is known. */
export const BanQueryCodec: PayloadCodec<Element> = { ns: NS.userBan, name: "query", decode: (e) => e };

export interface BanRequest {
  readonly action: BanAction;
  readonly type: BanType;
  /** Required for `type="room"`; not read for `type="all"`. */
  readonly room: Jid | undefined;
  /** Bare; required for ban and unban. */
  readonly user: Jid | undefined;
  /** Seconds; 0 = permanent. */
  readonly time: number;
  readonly comment: string;
}

export const MAX_COMMENT = 1024;
/** About 3,000 years: keeps now + time, in epoch milliseconds, an exact integer on both backends. Larger is refused. */
export const MAX_TIME_S = 100_000_000_000;

function badRequest(text: string): StanzaError {
  return new StanzaError("bad-request", text, { type: "modify" });
}

/** Validates a request (§7.6 Validation); a bare room localpart is resolved against `mucService`. */
export function parseBanRequest(query: Element, mucService: string | undefined): BanRequest {
  const action = query.attrs["action"];
  if (action !== "ban" && action !== "unban" && action !== "get_list") throw badRequest("Invalid action");
  const typeAttr = query.attrs["type"] ?? "room";
  if (typeAttr !== "room" && typeAttr !== "all") throw badRequest("Invalid type");
  const room = typeAttr === "room" ? parseRoom(query.attrs["room"], mucService) : undefined;
  const user = action === "get_list" ? undefined : parseUser(query.attrs["user"]);
  const time = parseTime(query.attrs["time"]);
  const comment = query.attrs["comment"] ?? "";
  if ([...comment].length > MAX_COMMENT) throw badRequest("Comment is too long");
  return { action, type: typeAttr, room, user, time, comment };
}

function parseRoom(raw: string | undefined, mucService: string | undefined): Jid {
  if (raw === undefined || raw === "") throw badRequest("Room is required");
  let jid: Jid;
  try {
    jid = raw.includes("@") ? parseJid(raw) : parseJid(`${raw}@${mucService ?? ""}`);
  } catch {
    throw badRequest("Invalid room");
  }
  if (jid.local === "" || jid.resource !== "") throw badRequest("Invalid room");
  return jid;
}

function parseUser(raw: string | undefined): Jid {
  if (raw === undefined || raw === "") throw badRequest("User is required");
  let jid: Jid;
  try {
    jid = parseJid(raw);
  } catch {
    throw badRequest("Invalid user");
  }
  if (jid.local === "") throw badRequest("Invalid user");
  return jid.bare();
}

function parseTime(raw: string | undefined): number {
  if (raw === undefined) return 0;
  if (!/^[0-9]+$/.test(raw)) throw badRequest("Invalid time");
  const time = Number(raw);
  if (time > MAX_TIME_S) throw badRequest("Invalid time");
  return time;
}

/** ban and unban: `<result status="success"/>` as the first child of `<query>`. */
export function successReply(): Element {
  return el("query", { xmlns: NS.userBan }, el("result", { status: "success" }));
}

/** get_list: one `<item>` per live ban, as stored order (oldest first); `room` only for `type="room"`. */
export function listReply(records: readonly BanRecord[]): Element {
  const query = el("query", { xmlns: NS.userBan });
  for (const r of records) {
    query.append(
      el("item", {
        user: r.user,
        type: r.type,
        room: r.type === "room" ? r.scope : undefined,
        expires: r.expiresAt === 0 ? 0 : Math.floor(r.expiresAt / 1000),
        comment: r.comment,
        by: r.by,
      }),
    );
  }
  return query;
}
