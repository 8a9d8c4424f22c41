/**
 * Presence (RFC 6121 §4): initial and updated available presence, unavailable presence, and the
 * broadcast to the user's own resources. Subscriptions and the roster broadcast live in the roster
 * module, which extends this one.
 */
import { defineModule } from "../../core/module.js";
import { Phase } from "../../core/hook-map.js";
import type { Session } from "../../core/session.js";
import { el, type Element } from "../../xml/element.js";

export const presenceModule = defineModule({
  name: "presence",

  setup(ctx) {
    const broadcastToOwnResources = async (session: Session, presence: Element) => {
      for (const other of ctx.sessions.resourcesOf(session.jid)) {
        if (!other.isAvailable && other !== session) continue;
        await ctx.router.route(presence.withAttrs({ to: other.jid.toString() }));
      }
    };

    ctx.hooks.on(
      "client.stanza-sent",
      async ({ session, stanza }) => {
        if (stanza.name !== "presence" || stanza.attrs["to"] !== undefined) return "continue";
        const type = stanza.attrs["type"];
        if (type === undefined) {
          // RFC 6121 §4.7.2.3: priority defaults to 0, range -128..127.
          const priority = Math.max(-128, Math.min(127, Number.parseInt(stanza.getChildText("priority") ?? "0", 10) || 0));
          session.setPresence(stanza, priority);
          await broadcastToOwnResources(session, stanza);
        } else if (type === "unavailable") {
          const wasAvailable = session.isAvailable;
          session.setPresence(undefined, 0);
          if (wasAvailable) await broadcastToOwnResources(session, stanza);
        }
        return "handled";
      },
      Phase.normal,
    );

    ctx.hooks.on("session.closed", async ({ session }) => {
      if (!session.isAvailable) return;
      // RFC 6121 §4.5.2: the server generates unavailable presence for a vanished session.
      const unavailable = el("presence", { type: "unavailable", from: session.jid.toString() });
      for (const other of ctx.sessions.resourcesOf(session.jid)) {
        if (other.isAvailable) await ctx.router.route(unavailable.withAttrs({ to: other.jid.toString() }));
      }
    });
  },
});
