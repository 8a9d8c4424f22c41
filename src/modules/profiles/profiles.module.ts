/**
 * The profile cache of PROTOCOL §7.5 "Profile cache (Decision)": a display name and a photo URL per user, from
 * the vCard (FN; PHOTO/EXTVAL or URL) first, else from the latest `<data>` seen on the user's groupchat messages,
 * else the localpart (name) / none (photo). Read by room activity (§7.5), the block list (§7.7) and pushes.
 */
import { defineModule } from "../../core/module.js";
import type { Jid } from "../../xmpp/jid.js";
import { mucModule } from "../muc/muc.module.js";
import { vcardModule, type VcardProfile } from "../vcard/vcard.module.js";
import type { ProfilesApi, UserProfile } from "./profiles.api.js";
import { CachedProfileData } from "./profiles.cache.js";
import { dataHint } from "./profiles.data.js";
import type { DataProfile } from "./profiles.store.js";
import { SqlProfileStore, profilesMigrations } from "./profiles.store.js";

export type { ProfilesApi, UserProfile } from "./profiles.api.js";

/** Users whose `<data>` profile is kept in memory (two short strings each). */
const CACHE_LIMIT = 20_000;

/** §7.5 precedence: vCard, then `<data>`, then the localpart / none. */
export function resolveProfile(user: Jid, vcard: VcardProfile | undefined, data: DataProfile | undefined): UserProfile {
  const name = vcard?.fullName ?? (data !== undefined && data.name !== "" ? data.name : user.local || user.domain);
  const photo = vcard?.photoUrl ?? (data !== undefined && data.photo !== "" ? data.photo : undefined);
  return { name, photo };
}

export const profilesModule = defineModule<ProfilesApi>({
  name: "profiles",
  migrations: profilesMigrations,

  setup(ctx) {
    const vcards = ctx.use(vcardModule);
    const data = new CachedProfileData(new SqlProfileStore(ctx.db), CACHE_LIMIT);

    // §3.6 step 11: the sender's display name and photo are cached from its `<data>` element.
    ctx.use(mucModule).extend({
      async messageBroadcast(event) {
        const hint = dataHint(event.stanza);
        if (hint === undefined || event.from.local === "") return;
        await data.observe(event.from.bareString, hint);
      },
    });

    ctx.hooks.on("user.deleted", ({ user }) => data.delete(user.bareString));

    return {
      async profile(user) {
        const bare = user.bare();
        const [vcard, stored] = await Promise.all([vcards.profile(bare), data.get(bare.bareString)]);
        return resolveProfile(bare, vcard, stored);
      },
      async profiles(users) {
        const bares = users.map((u) => u.bare());
        const [vcardMap, dataMap] = await Promise.all([vcards.profiles(bares), data.getMany(bares.map((b) => b.bareString))]);
        const out = new Map<string, UserProfile>();
        for (const b of bares) out.set(b.bareString, resolveProfile(b, vcardMap.get(b.bareString), dataMap.get(b.bareString)));
        return out;
      },
    };
  },
});
