/**
 * XEP-0030 Service Discovery for the server host and for accounts' bare JIDs (disco to a full JID
 * is routed to that client): the host's features are exactly what the loaded modules declare, and
 * the host's items list its MUC service (PROTOCOL §1.2).
 */
import { defineModule, type IqRequest } from "../../core/module.js";
import { elementCodec } from "../../core/codec.js";
import { el, type Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { accountsModule } from "../accounts/accounts.module.js";

/** The server's identity (XEP-0030 §3.1, registry category "server", type "im"). */
export const SERVER_IDENTITY = { category: "server", type: "im", name: "rtc-server" } as const;
/** Name given to the MUC service item; the MUC service's own identity uses the same (§1.2). */
export const MUC_ITEM_NAME = "Chatrooms";

export const discoModule = defineModule({
  name: "disco",
  features: [NS.discoInfo, NS.discoItems],
  // XEP-0030 §3.1: every entity that answers disco#info advertises it; bare JIDs answer both.
  accountFeatures: [NS.discoInfo, NS.discoItems],

  setup(ctx) {
    const accounts = ctx.use(accountsModule);
    // Sorted once, at the first query: the lists are complete only after every module's setup.
    let hostFeatures: readonly string[] | undefined;
    let accountFeatures: readonly string[] | undefined;

    /** An account answers when it exists, or is the requester (anonymous accounts are not stored). */
    const checkAccount = async (iq: IqRequest) => {
      if (iq.to.bareString === iq.from.bareString) return;
      if (ctx.sessions.resourcesOf(iq.to).length > 0 || (await accounts.exists(iq.to))) return;
      throw new StanzaError("service-unavailable");
    };

    ctx.iq.handle("get", elementCodec("query", NS.discoInfo), async (query, iq) => {
      // XEP-0030 §3.2: only the entity's own info is known; any node is unknown here.
      if (query.attr("node") !== undefined) throw new StanzaError("item-not-found");
      if (iq.to.local === "") {
        hostFeatures ??= sorted(ctx.disco.hostFeatures());
        return infoResult(SERVER_IDENTITY, hostFeatures);
      }
      await checkAccount(iq);
      accountFeatures ??= sorted(ctx.disco.accountFeatures());
      return infoResult({ category: "account", type: "registered" }, accountFeatures);
    });

    ctx.iq.handle("get", elementCodec("query", NS.discoItems), async (query, iq) => {
      if (query.attr("node") !== undefined) throw new StanzaError("item-not-found");
      if (iq.to.local === "") return el("query", { xmlns: NS.discoItems }, hostItems(ctx.config.muc.service_hosts, iq.to));
      await checkAccount(iq);
      return el("query", { xmlns: NS.discoItems });
    });
  },
});

function infoResult(identity: { readonly category: string; readonly type: string; readonly name?: string }, features: readonly string[]): Element {
  return el(
    "query",
    { xmlns: NS.discoInfo },
    el("identity", { category: identity.category, type: identity.type, name: identity.name }),
    features.map((f) => el("feature", { var: f })),
  );
}

/** PROTOCOL §1.2: the host's items list its MUC service. */
function hostItems(serviceHosts: Readonly<Record<string, string>>, host: Jid): Element[] {
  const muc = serviceHosts[host.domain];
  return muc === undefined ? [] : [el("item", { jid: muc, name: MUC_ITEM_NAME })];
}

function sorted(list: readonly string[]): readonly string[] {
  return [...list].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
