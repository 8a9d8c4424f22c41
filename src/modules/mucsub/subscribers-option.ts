/**
 * The `subscribers` option of `create_room_with_opts` (PROTOCOL §8.5): `"jid=Nick=node1=node2;…"`, the
 * older `"jid:Nick:node1:node2,…"`, or a JSON array of `{jid, nick, nodes}`. Nodes are URNs or short
 * names; unknown ones are ignored (§5.2); a missing nick is the localpart (§5.2 Decision).
 */
import { CommandError } from "../../core/admin-command.js";
import { parseJid, type Jid } from "../../xmpp/jid.js";
import { knownNodes, nodesFromArgument, type NodeName } from "./mucsub.nodes.js";

export interface SubscriberOption {
  readonly jid: Jid;
  readonly nick: string;
  readonly nodes: NodeName[];
}

const INVALID = "Invalid value for that option";

export function parseSubscribersOption(value: string): SubscriberOption[] {
  const text = value.trim();
  if (text === "") return [];
  if (text.startsWith("[")) return fromJson(text);
  const current = text.includes("=");
  const out: SubscriberOption[] = [];
  for (const raw of text.split(current ? ";" : ",")) {
    const entry = raw.trim();
    if (entry === "") continue;
    const [jid = "", nick = "", ...rest] = entry.split(current ? "=" : ":");
    // Old-format URNs were split on ":" too: only the short names among the pieces are nodes.
    const nodes = current ? knownNodes(rest) : knownNodes(rest.filter((p) => !["urn", "xmpp", "mucsub", "nodes"].includes(p)));
    out.push(option(jid.trim(), nick.trim(), nodes));
  }
  return out;
}

function fromJson(text: string): SubscriberOption[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CommandError(400, INVALID);
  }
  if (!Array.isArray(parsed)) throw new CommandError(400, INVALID);
  return parsed.map((entry: unknown) => {
    const e = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    const nodes = nodesFromArgument(e["nodes"]);
    if (typeof e["jid"] !== "string" || nodes === undefined) throw new CommandError(400, INVALID);
    return option(e["jid"], typeof e["nick"] === "string" ? e["nick"] : "", nodes);
  });
}

function option(jid: string, nick: string, nodes: NodeName[]): SubscriberOption {
  let parsed: Jid;
  try {
    parsed = parseJid(jid).bare();
  } catch {
    throw new CommandError(400, INVALID);
  }
  if (parsed.local === "") throw new CommandError(400, INVALID);
  return { jid: parsed, nick: nick === "" ? parsed.local : nick, nodes };
}
