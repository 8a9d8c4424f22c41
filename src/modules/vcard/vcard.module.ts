/**
 * vcard-temp (XEP-0054) per PROTOCOL §9.6: anyone may read an account's vCard, only the owner may
 * set it; the vCard feeds the profile cache of §7.5 (an API for other modules) and the XEP-0153
 * photo hash the server puts into the owner's available presence.
 */
import { Phase } from "../../core/hook-map.js";
import type { HookHandler } from "../../core/hook-map.js";
import { defineModule, type IqRequest, type ModuleContext } from "../../core/module.js";
import { elementCodec } from "../../core/codec.js";
import { el, type Element } from "../../xml/element.js";
import { serialize } from "../../xml/serialize.js";
import { parseXml } from "../../xml/stream-parser.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { accountsModule } from "../accounts/accounts.module.js";
import { CachedVcards } from "./vcard.cache.js";
import { summarizeVcard, withPhotoUpdate, type VcardProfile } from "./vcard.profile.js";
import { SqlVcardStore, vcardMigrations } from "./vcard.store.js";

export type { VcardProfile };

export interface VcardApi {
  /** SHA-1 (hex) of the account's vCard PHOTO/BINVAL (XEP-0153), or null when it has none. */
  photoHash(user: Jid): Promise<string | null>;
  /** Display data from the account's vCard (PROTOCOL §7.5); `{}` when it has none. */
  profile(user: Jid): Promise<VcardProfile>;
  /** Profiles of many accounts at once, keyed by bare JID; accounts without a vCard are left out. */
  profiles(users: readonly Jid[]): Promise<Map<string, VcardProfile>>;
}

/** Largest vCard accepted, serialised (bytes); larger sets get not-acceptable. */
export const VCARD_MAX_BYTES = 262_144;
/** Summaries kept in memory (profile data and photo state only, never the photo itself). */
const CACHE_LIMIT = 10_000;

export const vcardModule = defineModule<VcardApi>({
  name: "vcard",
  features: [NS.vcard],
  accountFeatures: [NS.vcard],
  migrations: vcardMigrations,

  setup(ctx) {
    const vcards = new CachedVcards(new SqlVcardStore(ctx.db), CACHE_LIMIT);
    const accounts = ctx.use(accountsModule);

    ctx.iq.handle("get", elementCodec("vCard", NS.vcard), async (_vcard, iq) => {
      if (iq.to.local === "") return el("vCard", { xmlns: NS.vcard }, el("FN", null, "rtc-server"));
      const user = iq.to.bare();
      // §9.6: an unknown account gets service-unavailable (the requester itself always exists).
      const known = user.bareString === iq.from.bareString || ctx.sessions.resourcesOf(user).length > 0 || (await accounts.exists(user));
      if (!known) throw new StanzaError("service-unavailable");
      const xml = await vcards.store.xml(user);
      return xml === undefined ? el("vCard", { xmlns: NS.vcard }) : parseXml(xml, VCARD_MAX_BYTES * 2);
    });

    ctx.iq.handle("set", elementCodec("vCard", NS.vcard), async (vcard, iq) => {
      const xml = checkedVcardXml(vcard, iq);
      await vcards.set(iq.to.bare(), xml, summarizeVcard(vcard));
    });

    // XEP-0153 §4.1: the owner's broadcast available presence carries the server's photo hash. Guard
    // phase, so that the presence module's broadcast (phase normal) sends the rewritten stanza.
    ctx.hooks.on("client.stanza-sent", photoHashHook(vcards, ctx), Phase.guard);

    ctx.hooks.on("user.deleted", ({ user }) => vcards.delete(user));

    return {
      async photoHash(user) {
        const { photo } = await vcards.summary(user.bare());
        return photo.kind === "hash" ? photo.sha1 : null;
      },
      async profile(user) {
        return (await vcards.summary(user.bare())).profile;
      },
      profiles: (users) => vcards.profiles(users),
    };
  },
});

/** The serialised vCard of a set, after §9.6's rules: own vCard only, not anonymous, not too big. */
function checkedVcardXml(vcard: Element, iq: IqRequest): string {
  if (iq.to.local === "" || iq.to.bareString !== iq.from.bareString) throw new StanzaError("forbidden");
  // Anonymous accounts vanish with their session: nothing is stored for them.
  if (iq.session?.isAnonymous === true) throw new StanzaError("not-allowed");
  const xml = serialize(vcard);
  if (Buffer.byteLength(xml) > VCARD_MAX_BYTES) throw new StanzaError("not-acceptable", "The vCard is too big");
  return xml;
}

function photoHashHook(vcards: CachedVcards, ctx: ModuleContext): HookHandler<"client.stanza-sent"> {
  return (payload) => {
    const { stanza, session } = payload;
    // Only the broadcast available presence (no type, no `to`), as ejabberd's mod_vcard_xupdate.
    if (stanza.name !== "presence" || stanza.attrs["type"] !== undefined || stanza.attrs["to"] !== undefined) return "continue";
    return vcards.summary(session.jid.bare()).then(
      (summary) => {
        payload.stanza = withPhotoUpdate(stanza, summary.photo);
        return "continue" as const;
      },
      // The avatar hash is an extra: a storage failure must not stop the presence.
      (err: unknown) => {
        ctx.log.error({ err }, "could not read the vCard photo state");
        return "continue" as const;
      },
    );
  };
}
