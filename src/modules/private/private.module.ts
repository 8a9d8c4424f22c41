/**
 * Private XML storage (XEP-0049) exactly as PROTOCOL §9.5: an account stores and reads its own
 * elements, one per (name, namespace), replaced whole; Ethora keeps its per-room read state here
 * (`<chatjson xmlns="chatjson:store" value="…"/>`), which must come back byte for byte.
 */
import { defineModule, type IqRequest } from "../../core/module.js";
import { elementCodec } from "../../core/codec.js";
import { el, type Element } from "../../xml/element.js";
import { serialize } from "../../xml/serialize.js";
import { parseXml } from "../../xml/stream-parser.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { SqlPrivateStore, privateKey, privateMigrations } from "./private.store.js";

/** §9.1: the largest element stored (serialised bytes) and the most distinct elements per account. */
export const PRIVATE_MAX_ELEMENT_BYTES = 262_144;
export const PRIVATE_MAX_ELEMENTS = 100;

/** §9.5: children in these namespaces are refused (XEP-0049 §3: no namespace, or a reserved one). */
const REFUSED_NAMESPACES: ReadonlySet<string> = new Set([NS.client, NS.private]);

export const privateModule = defineModule({
  name: "private",
  features: [NS.private],
  accountFeatures: [NS.private],
  migrations: privateMigrations,

  setup(ctx) {
    const store = new SqlPrivateStore(ctx.db);

    ctx.iq.handle("get", elementCodec("query", NS.private), async (query, iq) => {
      const requested = requestedElements(query, iq);
      const stored = await store.get(iq.to.bare(), requested.map(keyOf));
      // §9.5: the stored element verbatim, or the requested element as sent.
      const items = requested.map((e) => {
        const xml = stored.get(privateKey(keyOf(e)));
        return xml === undefined ? e : parseXml(xml, PRIVATE_MAX_ELEMENT_BYTES * 2);
      });
      return el("query", { xmlns: NS.private }, items);
    });

    ctx.iq.handle("set", elementCodec("query", NS.private), async (query, iq) => {
      const elements = requestedElements(query, iq).map((e) => {
        const xml = serialize(e);
        if (Buffer.byteLength(xml) > PRIVATE_MAX_ELEMENT_BYTES) throw new StanzaError("not-acceptable", "The element is too big");
        return { ...keyOf(e), xml };
      });
      if ((await store.set(iq.to.bare(), elements, PRIVATE_MAX_ELEMENTS)) === "too-many") {
        throw new StanzaError("resource-constraint", `At most ${PRIVATE_MAX_ELEMENTS} private elements per account`);
      }
    });

    ctx.hooks.on("user.deleted", ({ user }) => store.delete(user));
  },
});

/** The query's child elements, after the checks shared by get and set. */
function requestedElements(query: Element, iq: IqRequest): Element[] {
  // §9.5: no `to`, or the own bare JID; anything else (another user, the host) is forbidden.
  if (iq.to.local === "" || iq.to.bareString !== iq.from.bareString) throw new StanzaError("forbidden");
  // Anonymous accounts vanish with their session: nothing is stored for them.
  if (iq.session?.isAnonymous === true) throw new StanzaError("not-allowed");
  const children = query.elements();
  if (children.length === 0) throw new StanzaError("bad-request", "No private data in the query");
  for (const c of children) if (REFUSED_NAMESPACES.has(c.ns)) throw new StanzaError("not-acceptable");
  return children;
}

function keyOf(e: Element): { ns: string; name: string } {
  return { ns: e.ns, name: e.name };
}
