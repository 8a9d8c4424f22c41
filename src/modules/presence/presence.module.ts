/**
 * Presence (RFC 6121 §4): initial, updated and unavailable presence with the broadcast to the
 * account's own resources and to its subscribers, probes and their answers, directed presence and
 * the unavailable presence owed to its recipients, and the generated unavailable presence when a
 * session ends (PROTOCOL §2.10). Subscriptions are the roster module's (RFC 6121 §3).
 */
import { Phase, type HookResult } from "../../core/hook-map.js";
import { defineModule } from "../../core/module.js";
import type { Session } from "../../core/session.js";
import { el, type Element } from "../../xml/element.js";
import { tryParseJid, type Jid } from "../../xmpp/jid.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { rosterModule } from "../roster/roster.module.js";
import { isSubscriptionType } from "../roster/roster.state.js";
import { PresenceBroadcaster } from "./presence.broadcast.js";
import { DirectedPresence } from "./presence.directed.js";
import { SqlPresenceStore, presenceMigrations, type LastUnavailable } from "./presence.store.js";

export type { LastUnavailable };

export interface PresenceApi {
  /**
   * When the account's last available session went unavailable (epoch ms) and the `<status/>` text
   * it gave, for XEP-0012 last activity; undefined when it never happened. Says nothing about
   * whether the account is online now: ask the session directory for that.
   */
  lastUnavailable(user: Jid): Promise<LastUnavailable | undefined>;
}

/** Presence types a client may address to someone besides the subscription ones (RFC 6121 §4.7.1). */
const DIRECTED_TYPES = new Set(["unavailable", "error", "probe"]);

export const presenceModule = defineModule<PresenceApi>({
  name: "presence",
  migrations: presenceMigrations,

  setup(ctx) {
    const roster = ctx.use(rosterModule);
    const store = new SqlPresenceStore(ctx.db);
    const directed = new DirectedPresence();
    const broadcaster = new PresenceBroadcaster({ router: ctx.router, sessions: ctx.sessions, roster, store, directed, log: ctx.log });

    /** A client's presence: broadcast (no `to`) or directed; subscription stanzas are the roster's. */
    const outbound = async (session: Session, stanza: Element): Promise<HookResult> => {
      const type = stanza.attrs["type"];
      const to = stanza.attrs["to"];
      if (to === undefined) {
        if (type === undefined) await broadcaster.available(session, stanza);
        else if (type === "unavailable") await broadcaster.unavailable(session, stanza, false);
        // Any other type without an addressee means nothing to the server: dropped.
        return "handled";
      }
      if (isSubscriptionType(type)) return "continue";
      if (type !== undefined && !DIRECTED_TYPES.has(type)) throw new StanzaError("bad-request", "Unknown presence type");
      const target = tryParseJid(to);
      if (target !== undefined) directed.note(session, target, type);
      return "continue"; // directed presence: routed like any stanza (§4.6.2)
    };
    // Synchronous for everything but presence: this hook sees every stanza clients send.
    ctx.hooks.on("client.stanza-sent", ({ session, stanza }) => (stanza.name === "presence" ? outbound(session, stanza) : "continue"));

    // §4.3.2: probes are answered by the server for the probed account, never delivered.
    ctx.hooks.on("presence.inbound", ({ from, to, stanza }) => {
      if (stanza.attrs["type"] !== "probe") return "continue";
      return broadcaster.answerProbe(from, to).then(() => "handled" as const);
    });

    // RFC 6121 §4.5.2, PROTOCOL §2.10: a session that ends without unavailable presence sends one.
    // Observe phase: services that track the session themselves (MUC leaves, PROTOCOL §3.5) go first
    // and then ignore the directed unavailable presence as coming from a session no longer joined.
    ctx.hooks.on(
      "session.closed",
      async ({ session }) => {
        if (!session.isAvailable && !directed.hasRecipients(session)) return;
        await broadcaster.unavailable(session, el("presence", { type: "unavailable", from: session.jid.toString() }), true);
      },
      Phase.observe,
    );

    ctx.hooks.on("user.deleted", ({ user }) => store.delete(user));

    return { lastUnavailable: (user) => store.lastUnavailable(user.bare()) };
  },
});
