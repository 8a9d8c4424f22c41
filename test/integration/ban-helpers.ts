/** Helpers for the §7.6 ban tests: the IQ, its outcome, and the list as a server admin sees it. */
import type { TestClient, XmlElement } from "../harness/test-client.js";
import { xml } from "../harness/test-client.js";
import { errorOf, iqReply, nextId } from "./muc-helpers.js";

export const NS_BAN = "ns:deepx:muc:user:ban";
export const BANNED = "You are banned in this room!";
export const NOT_ENOUGH = "Not enough privileges to ban this user";
export const SELF = "You cannot ban yourself";

export interface Outcome {
  readonly ok: boolean;
  /** `type/condition` for errors. */
  readonly error: string | undefined;
  readonly text: string | null | undefined;
  readonly stanza: XmlElement;
}

export async function banIq(client: TestClient, attrs: Record<string, string>, type: "get" | "set" = "set", to?: string): Promise<Outcome> {
  const iq = xml("iq", { type, id: nextId("ban"), ...(to === undefined ? {} : { to }) }, xml("query", { xmlns: NS_BAN, ...attrs }));
  const reply = await iqReply(client, iq);
  if (reply.attrs.type === "result") return { ok: true, error: undefined, text: undefined, stanza: reply };
  const e = errorOf(reply);
  return { ok: false, error: `${e.type}/${e.condition}`, text: e.text, stanza: reply };
}

/** The `<item>` attributes of a get_list reply. */
export async function listBans(client: TestClient, attrs: Record<string, string>): Promise<Record<string, string>[]> {
  const out = await banIq(client, { action: "get_list", ...attrs });
  if (!out.ok) throw new Error(`get_list failed: ${out.stanza.toString()}`);
  return (out.stanza.getChild("query", NS_BAN)?.getChildren("item") ?? []).map((i) => ({ ...i.attrs }) as Record<string, string>);
}
