/**
 * Room archives for readers (PROTOCOL §6.4–§6.6, §6.8, XEP-0313 §5): MAM queries addressed to a room's bare JID,
 * plugged into the MUC service as room IQs (docs/muc.md, extension points). Writing the archive is room-archive.ts
 * in the MUC module; paging and the result format are the MAM module's query code; access follows §6.4 with the
 * tenant guard of §4 and MucSub subscribers counted as members (§5). No tables of its own.
 */
import { defineModule } from "../../core/module.js";
import { mamModule } from "../mam/mam.module.js";
import { mucModule } from "../muc/muc.module.js";
import { mucsubModule } from "../mucsub/mucsub.module.js";
import { roomMamIqHandlers } from "./room-mam.iq.js";

export const roomMamModule = defineModule<void>({
  name: "room-mam",

  setup(ctx) {
    const muc = ctx.use(mucModule);
    muc.extend({
      iq: roomMamIqHandlers({
        mam: ctx.use(mamModule),
        muc,
        mucsub: ctx.use(mucsubModule),
        sessions: ctx.sessions,
        // §6.8: audited whatever the outcome; an auditor's failure never changes the answer.
        audit: async (access) => {
          try {
            await ctx.hooks.run("history.accessed", access);
          } catch (err) {
            ctx.log.error({ err, archive: access.archive.bareString }, "history.accessed hook failed");
          }
        },
      }),
    });
  },
});
