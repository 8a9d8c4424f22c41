/**
 * XEP-0202 Entity Time for the server host: UTC, offset +00:00 (the server keeps no time zone).
 * Accounts' bare JIDs do not answer on their clients' behalf (RFC 6120 §10.3.3): service-unavailable.
 */
import { defineModule } from "../../core/module.js";
import { elementCodec } from "../../core/codec.js";
import { el, type Element } from "../../xml/element.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";

export const timeModule = defineModule({
  name: "time",
  features: [NS.time],

  setup(ctx) {
    ctx.iq.handle("get", elementCodec("time", NS.time), (_time, iq) => {
      if (iq.to.local !== "") throw new StanzaError("service-unavailable");
      return entityTime(Date.now());
    });
  },
});

/** XEP-0202 §3 with a XEP-0082 DateTime in UTC, whole seconds. */
export function entityTime(nowMs: number): Element {
  const utc = new Date(nowMs).toISOString().slice(0, 19) + "Z";
  return el("time", { xmlns: NS.time }, el("tzo", null, "+00:00"), el("utc", null, utc));
}
