/**
 * Message Carbons (XEP-0280, PROTOCOL §9.3): per-session enable/disable, `<sent/>` copies of what a
 * session sends to the user's other carbons-enabled resources, `<received/>` copies of what one
 * resource receives to the others that did not get the message themselves.
 */
import { elementCodec } from "../../core/codec.js";
import { Phase, type HookResult } from "../../core/hook-map.js";
import { defineModule, type IqRequest } from "../../core/module.js";
import type { Session } from "../../core/session.js";
import type { Element } from "../../xml/element.js";
import { tryParseJid, type Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { isRedelivery } from "../offline/redelivery.js";
import { carbonCopy, isCarbonsEligible, withoutPrivate } from "./carbons.codec.js";

export interface CarbonsApi {
  isEnabled(session: Session): boolean;
}

export const carbonsModule = defineModule<CarbonsApi>({
  name: "carbons",
  features: [NS.carbons],

  setup(ctx) {
    const enabled = new WeakMap<Session, boolean>();
    const hosts = new Set(ctx.hosts);
    // message.routing payloads whose `<private/>` was removed (XEP-0280 §10): no received copies for them.
    const privatePayloads = new WeakSet<object>();

    /** XEP-0280 §4/§5: only the session itself, addressing its own account (no `to`) or its server. */
    const toggle = (on: boolean) => (_payload: Element, iq: IqRequest) => {
      const session = iq.session;
      if (session === undefined) throw new StanzaError("not-allowed");
      if (iq.to.bareString !== session.jid.bareString && iq.to.toString() !== session.jid.domain) {
        throw new StanzaError("not-allowed");
      }
      enabled.set(session, on);
    };
    ctx.iq.handle("set", elementCodec("enable", NS.carbons), toggle(true));
    ctx.iq.handle("set", elementCodec("disable", NS.carbons), toggle(false));

    /** Whether any available session of the user other than `except` has carbons on: the cheap test first. */
    const anyEnabled = (user: Jid, except: Session | undefined) => {
      for (const s of ctx.sessions.resourcesOf(user)) if (s !== except && s.isAvailable && enabled.get(s) === true) return true;
      return false;
    };
    /** Routes a copy to each of the user's available carbons-enabled sessions that `accept` lets through. */
    const copyTo = async (user: Jid, kind: "sent" | "received", stanza: Element, accept: (s: Session) => boolean) => {
      for (const s of [...ctx.sessions.resourcesOf(user)]) {
        if (enabled.get(s) !== true || !s.isAvailable || !accept(s)) continue;
        await ctx.router.route(carbonCopy(kind, user, s.jid, stanza));
      }
    };

    // XEP-0280 §8: what a session sends goes, as `<sent/>`, to the user's other carbons-enabled resources.
    ctx.hooks.on(
      "client.stanza-sent",
      async ({ session, stanza }): Promise<HookResult> => {
        if (stanza.name !== "message" || !anyEnabled(session.jid, session) || !isCarbonsEligible(stanza)) return "continue";
        const to = tryParseJid(stanza.attrs["to"]);
        // A message to the user's own account reaches those resources anyway.
        if (to === undefined || to.bareString === session.jid.bareString) return "continue";
        await copyTo(session.jid.bare(), "sent", stanza, (s) => s !== session);
        return "continue";
      },
      Phase.observe,
    );

    // XEP-0280 §10: `<private/>` is removed before delivery. Normal phase: the observers below see the result.
    ctx.hooks.on("message.routing", (payload) => {
      if (payload.stanza.getChild("private", NS.carbons) === undefined) return;
      privatePayloads.add(payload);
      payload.stanza = withoutPrivate(payload.stanza);
    });

    // XEP-0280 §7: the resources that do not get the message themselves get `<received/>` (observe: after
    // archiving has stamped it). §9.3: a full JID with a session reaches that session only; anything else
    // reaches every available session with priority ≥ 0, so only negative-priority ones need a copy.
    ctx.hooks.on(
      "message.routing",
      async (payload) => {
        const { from, to, stanza } = payload;
        if (!anyEnabled(to, undefined) || privatePayloads.has(payload) || !isCarbonsEligible(stanza) || isRedelivery(stanza)) return;
        // §6: nothing sent by a MUC room or service (other domains are local services), nor to oneself.
        if (!hosts.has(from.domain) || from.bareString === to.bareString) return;
        const exact = to.resource === "" ? undefined : ctx.sessions.get(to);
        await copyTo(to.bare(), "received", stanza, exact === undefined ? (s) => s.priority < 0 : (s) => s !== exact);
      },
      Phase.observe,
    );

    return { isEnabled: (session) => enabled.get(session) === true };
  },
});
