/**
 * The MucSub event nodes (PROTOCOL §5.1) and their spellings: full URNs on the wire, short names in
 * the admin API (§8.4) and in the store. Unknown nodes are ignored (§5.2 "Nodes").
 */

export const NODE_PREFIX = "urn:xmpp:mucsub:nodes:";

/** §5.1, in the order listed there (also the order of listings). */
export const NODES = ["messages", "presence", "affiliations", "subscribers", "config", "subject", "system"] as const;
export type NodeName = (typeof NODES)[number];

const KNOWN: ReadonlySet<string> = new Set(NODES);

export function isNodeName(value: string): value is NodeName {
  return KNOWN.has(value);
}

export function nodeUrn(node: NodeName): string {
  return NODE_PREFIX + node;
}

/** A node as clients send it (`urn:xmpp:mucsub:nodes:messages`) or as the API allows (`messages`); undefined when unknown. */
export function nodeFromString(value: string): NodeName | undefined {
  const trimmed = value.trim();
  const short = trimmed.startsWith(NODE_PREFIX) ? trimmed.slice(NODE_PREFIX.length) : trimmed;
  return isNodeName(short) ? short : undefined;
}

/** Known nodes in first-seen order, duplicates and unknown names dropped. */
export function knownNodes(values: Iterable<string>): NodeName[] {
  const out: NodeName[] = [];
  for (const v of values) {
    const node = nodeFromString(v);
    if (node !== undefined && !out.includes(node)) out.push(node);
  }
  return out;
}

/** The store's spelling: short names joined with commas ("" for the empty set). */
export function nodesToText(nodes: readonly NodeName[]): string {
  return nodes.join(",");
}

export function nodesFromText(text: string): NodeName[] {
  return text === "" ? [] : knownNodes(text.split(","));
}

/** §8.4: `nodes` is a comma-separated string or a JSON array, of URNs or short names. */
export function nodesFromArgument(value: unknown): NodeName[] | undefined {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return knownNodes(value.split(","));
  if (Array.isArray(value) && value.every((v): v is string => typeof v === "string")) return knownNodes(value);
  return undefined;
}
