/**
 * The Ethora user block plugin (PROTOCOL §7.7): the `ns:deepx:muc:user:block` / `:unblock` / `:blocklist` IQs
 * over the `user-block` list of the blocking store (the XEP-0191 module keeps it, no store of its own), and the
 * server-side block filtering Extension (`block.filter_delivery`, §6.8). A module of its own, set up after the
 * MUC, MAM and profile modules it plugs into, so the XEP-0191 module keeps its early place and few dependencies.
 */
import { defineModule } from "../../core/module.js";
import { NS } from "../../xmpp/namespaces.js";
import { mamModule } from "../mam/mam.module.js";
import { mucModule } from "../muc/muc.module.js";
import { profilesModule } from "../profiles/profiles.module.js";
import { blockingModule } from "./blocking.module.js";
import { installUserBlockFilter } from "./user-block.filter.js";
import { BlockerIndex } from "./user-block.index.js";
import { registerUserBlockIqs } from "./user-block.iq.js";

export const userBlockModule = defineModule<void>({
  name: "user-block",
  // §7 preamble "Discovery": the custom namespaces of §0.3 are server features.
  features: [NS.userBlock, NS.userUnblock, NS.userBlocklist],

  setup(ctx) {
    const lists = ctx.use(blockingModule);
    registerUserBlockIqs(ctx, lists, ctx.use(profilesModule));
    if (ctx.config.block.filter_delivery) {
      installUserBlockFilter(ctx, { index: new BlockerIndex(), lists, muc: ctx.use(mucModule), mam: ctx.use(mamModule) });
    }
  },
});
