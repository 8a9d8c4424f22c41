/**
 * XEP-0199 XMPP Ping, client-to-server (§4.2), per PROTOCOL §2.10: pings to a served host, with no
 * `to`, or to the sender's own bare JID get an empty result from the addressed entity. Pings to a
 * full JID are the client's business (the router delivers them); pings to the MUC service are the
 * MUC service's.
 */
import { defineModule } from "../../core/module.js";
import { elementCodec } from "../../core/codec.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";

export const pingModule = defineModule({
  name: "ping",
  features: [NS.ping],

  setup(ctx) {
    ctx.iq.handle("get", elementCodec("ping", NS.ping), (_ping, iq) => {
      if (iq.to.local === "" || iq.to.bareString === iq.from.bareString) return;
      // Decision: XEP-0199 defines no ping to another account's bare JID, and §2.10 lists only the
      // own one; the server does not answer for other accounts (RFC 6120 §10.3.3, as for any IQ
      // namespace it does not handle on an account's behalf).
      throw new StanzaError("service-unavailable");
    });
  },
});
