/** Helpers for the §7.5 room activity tests: the `ns:room:last` IQ, its outcome, and a probe on the server's store. */
import type { Kysely } from "kysely";
import { defineModule } from "../../src/core/module.js";
import { roomActivityModule, type RoomActivityApi } from "../../src/modules/room-activity/room-activity.module.js";
import type { Database } from "../../src/storage/database.js";
import { xml, type TestClient, type XmlElement } from "../harness/test-client.js";
import { errorOf, iqReply, nextId } from "./muc-helpers.js";

export const NS_ROOM_LAST = "ns:room:last";
export const ONLY_MEMBERS = "Only members may query this room";

export interface RoomLastOutcome {
  readonly ok: boolean;
  /** `type/condition` for errors. */
  readonly error: string | undefined;
  readonly text: string | null | undefined;
  /** The `<activity>` attributes, in reply order. */
  readonly items: Record<string, string>[];
  readonly stanza: XmlElement;
}

export async function roomLast(client: TestClient, attrs: Record<string, string>, options: { type?: "get" | "set"; to?: string } = {}): Promise<RoomLastOutcome> {
  const iqAttrs = { type: options.type ?? "get", id: nextId("last"), ...(options.to === undefined ? {} : { to: options.to }) };
  const reply = await iqReply(client, xml("iq", iqAttrs, xml("query", { xmlns: NS_ROOM_LAST, ...attrs })));
  if (reply.attrs.type !== "result") {
    const e = errorOf(reply);
    return { ok: false, error: `${e.type}/${e.condition}`, text: e.text, items: [], stanza: reply };
  }
  const items = (reply.getChild("query", NS_ROOM_LAST)?.getChildElements() ?? []).map((c) => ({ ...c.attrs }) as Record<string, string>);
  return { ok: true, error: undefined, text: undefined, items, stanza: reply };
}

/** Waits until everything `client` sent so far was processed: a session's stanzas are handled in order (RFC 6120 §10.1). */
export async function settled(client: TestClient): Promise<void> {
  await client.iq(xml("iq", { type: "get", id: nextId("ping") }, xml("ping", { xmlns: "urn:xmpp:ping" })));
}

/** A test module that exposes the database and room activity's flush. */
export function activityProbe(): { probe: { db?: Kysely<Database>; api?: RoomActivityApi }; module: ReturnType<typeof defineModule<void>> } {
  const probe: { db?: Kysely<Database>; api?: RoomActivityApi } = {};
  const module = defineModule<void>({
    name: "room-activity-probe",
    setup(ctx) {
      probe.db = ctx.db;
      probe.api = ctx.use(roomActivityModule);
    },
  });
  return { probe, module };
}

/** Every stored activity row of a room, flushed first, sorted by user. */
export async function storedRows(probe: { db?: Kysely<Database>; api?: RoomActivityApi }, room: string): Promise<[string, number, number][]> {
  await probe.api!.flush();
  const rows = await probe.db!.selectFrom("room_activity").selectAll().where("room", "=", room).execute();
  return rows.map((r) => [r.jid, Number(r.last_active), Number(r.member_since)] as [string, number, number]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** Sets a user's stored last_active (after a flush, so nothing pending overrides it). */
export async function seedLastActive(probe: { db?: Kysely<Database>; api?: RoomActivityApi }, room: string, user: string, ms: number): Promise<void> {
  await probe.api!.flush();
  await probe.db!
    .insertInto("room_activity")
    .values({ room, jid: user, last_active: ms, member_since: 0 })
    .onConflict((oc) => oc.columns(["room", "jid"]).doUpdateSet({ last_active: ms }))
    .execute();
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
