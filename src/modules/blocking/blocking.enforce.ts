/**
 * Enforcement of XEP-0191 block lists (§3.3) on the stanza pipeline:
 * - outbound: a client's stanza to a JID it has blocked is refused with `<not-acceptable/>` and
 *   `<blocked xmlns="urn:xmpp:blocking:errors"/>`, type cancel (the XEP's example);
 * - inbound: messages from a blocked JID bounce with service-unavailable, IQ get/set too, presence
 *   (notifications, subscriptions, probes) is dropped without an answer, anything else is dropped.
 * Checks are answered from memory (blocking.cache.ts); the usual empty list costs one Map lookup.
 */
import type { ModuleContext } from "../../core/module.js";
import { Phase, type HookResult } from "../../core/hook-map.js";
import type { Session } from "../../core/session.js";
import { el, type Element } from "../../xml/element.js";
import { tryParseJid, type Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import type { BlockLists } from "./blocking.lists.js";
import { isMatchedBy } from "./blocking.match.js";
import { BlockListName } from "./blocking.store.js";

const LIST = BlockListName.xep0191;

/** §3.3 "Error: JID is blocked". */
export function blockedError(): StanzaError {
  return new StanzaError("not-acceptable", undefined, { type: "cancel", appCondition: el("blocked", { xmlns: NS.blockingErrors }) });
}

/** `isExempt`: presence the blocking module sends itself on block/unblock (blocking.presence.ts). */
export function enforceBlocklists(ctx: ModuleContext, lists: BlockLists, isExempt: (stanza: Element) => boolean): void {
  const hosts = new Set(ctx.hosts);
  /** The server's own address is never blocked: a user who blocks their own domain keeps disco, ping… */
  const isServer = (jid: Jid) => jid.local === "" && jid.resource === "" && hosts.has(jid.domain);
  const isLocalAccount = (jid: Jid) => jid.local !== "" && hosts.has(jid.domain);

  // §3.3: "the user's server MUST NOT route the stanza to the JID but instead MUST return" the error.
  ctx.hooks.on(
    "client.stanza-sent",
    ({ session, stanza }) => {
      const to = stanza.attrs["to"];
      if (to === undefined) return "continue";
      const items = lists.items(session.jid, LIST);
      if (items instanceof Promise) return items.then((set) => refuseIfBlocked(set, session, to));
      return refuseIfBlocked(items, session, to);
    },
    Phase.guard,
  );

  function refuseIfBlocked(items: ReadonlySet<string>, session: Session, to: string): HookResult {
    if (items.size === 0) return "continue";
    const target = tryParseJid(to);
    if (target === undefined || target.bareString === session.jid.bareString || isServer(target)) return "continue";
    if (isMatchedBy(items, target)) throw blockedError();
    return "continue";
  }

  // §3.3 inbound messages: "the server SHOULD return an error, which SHOULD be service-unavailable".
  // message.routing runs once per chat/normal/headline message, before offline storage and archiving.
  ctx.hooks.on(
    "message.routing",
    ({ from, to }) => {
      if (isServer(from)) return "continue";
      const blocked = lists.check(to, from, LIST);
      if (blocked instanceof Promise) return blocked.then(bounceIfBlocked);
      return bounceIfBlocked(blocked);
    },
    Phase.guard,
  );

  // §3.3 inbound presence: "MUST NOT respond and MUST NOT return an error". Runs before the
  // subscription state machine, so subscription requests and probes from a blocked JID vanish too.
  // Presence the server sends on behalf of a local user to a JID that user blocked (broadcasts) is
  // dropped as well: the client-side refusal above only sees what the client itself sends.
  ctx.hooks.on(
    "presence.inbound",
    ({ from, to, stanza }) => {
      if (isServer(from) || isExempt(stanza)) return "continue";
      const inbound = lists.check(to, from, LIST);
      const outbound = isLocalAccount(from) ? lists.check(from, to, LIST) : false;
      if (inbound instanceof Promise || outbound instanceof Promise) {
        return Promise.all([inbound, outbound]).then(([a, b]): HookResult => (a || b ? "handled" : "continue"));
      }
      return inbound || outbound ? "handled" : "continue";
    },
    Phase.guard,
  );

  // Everything else that reaches a session (IQs to full JIDs, error and groupchat messages, presence
  // delivered without presence.inbound). chat/normal/headline were decided in message.routing.
  ctx.hooks.on(
    "stanza.delivering",
    ({ to: session, stanza }) => {
      if (stanza.name === "message" && !isErrorOrGroupchat(stanza)) return "continue";
      const from = stanza.attrs["from"];
      if (from === undefined) return "continue";
      const items = lists.items(session.jid, LIST);
      if (items instanceof Promise) return items.then((set) => filterDelivery(set, session, stanza, from));
      return filterDelivery(items, session, stanza, from);
    },
    Phase.guard,
  );

  function filterDelivery(items: ReadonlySet<string>, session: Session, stanza: Element, fromAttr: string): HookResult {
    if (items.size === 0) return "continue";
    const from = tryParseJid(fromAttr);
    if (from === undefined || from.bareString === session.jid.bareString || isServer(from)) return "continue";
    if (!isMatchedBy(items, from)) return "continue";
    const type = stanza.attrs["type"];
    // §3.3: IQ get/set MUST get an error (service-unavailable); other IQ types are dropped silently.
    if (stanza.name === "iq" && (type === "get" || type === "set")) throw new StanzaError("service-unavailable");
    return "handled";
  }

  // Load the lists when a session starts, so its first stanzas are checked from memory.
  ctx.hooks.on("session.bound", ({ session }) => {
    lists.warm(session.jid).catch((err: unknown) => ctx.log.warn({ err, user: session.jid.bareString }, "could not load the block list"));
  });
}

function bounceIfBlocked(blocked: boolean): HookResult {
  if (blocked) throw new StanzaError("service-unavailable");
  return "continue";
}

function isErrorOrGroupchat(message: Element): boolean {
  const type = message.attrs["type"];
  return type === "error" || type === "groupchat";
}
