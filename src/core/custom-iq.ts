/**
 * The Ethora custom IQs (PROTOCOL §7 preamble), registered in one place so every plugin follows the same
 * rules: sent without `to`, or to the sender's own bare JID, or to HOST; a `to` naming anyone else gets
 * `auth` / `forbidden`; the reply comes from the sender's bare JID; an IQ of the type a namespace does not
 * define gets `modify` / `bad-request` (not `service-unavailable`, which would mean "unknown namespace").
 */
import type { Jid } from "../xmpp/jid.js";
import { StanzaError } from "../xmpp/stanza-error.js";
import type { PayloadCodec } from "./codec.js";
import type { IqHandler, IqRequest, ModuleContext } from "./module.js";

export interface CustomIqHandlers<T> {
  readonly get?: IqHandler<T>;
  readonly set?: IqHandler<T>;
}

/** The requester as a local account, when the IQ is addressed as §7 allows; throws `forbidden` otherwise. */
export function customIqRequester(iq: IqRequest, hosts: ReadonlySet<string>): Jid {
  const requester = iq.from.bare();
  const to = iq.to;
  const toSelf = to.bareString === requester.bareString;
  const toHost = to.local === "" && to.resource === "" && hosts.has(to.domain);
  if (requester.local === "" || !hosts.has(requester.domain) || !(toSelf || toHost)) throw new StanzaError("forbidden");
  return requester;
}

export function handleCustomIq<T>(ctx: ModuleContext, codec: PayloadCodec<T>, handlers: CustomIqHandlers<T>): void {
  const hosts = new Set(ctx.hosts);
  for (const type of ["get", "set"] as const) {
    const handler = handlers[type];
    ctx.iq.handle(
      type,
      codec,
      (payload, iq) => {
        customIqRequester(iq, hosts);
        if (handler === undefined) throw new StanzaError("bad-request", `Wrong IQ type for ${codec.ns}`, { type: "modify" });
        return handler(payload, iq);
      },
      { replyFrom: "requester" },
    );
  }
}
