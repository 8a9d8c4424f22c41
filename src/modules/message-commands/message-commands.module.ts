/**
 * The Ethora message commands (PROTOCOL §7.1 delete, §7.2 edit): groupchat messages carrying `<delete id>` or
 * `<replace id>` are consumed at §3.6 step 6 (after sender, voice, ban and rate limit), change the room archive
 * entry and its MucSub copies in place, are audited through the `room.message-command` hook, and, when applied,
 * are broadcast as non-archived room messages (docs/plugins/message-delete-edit.md). No tables of its own.
 */
import { defineModule } from "../../core/module.js";
import { mamModule } from "../mam/mam.module.js";
import { mucModule } from "../muc/muc.module.js";
import { MessageCommands } from "./message-commands.handler.js";

export { isMessageCommand, parseMessageCommand, type MessageCommand } from "./message-commands.codec.js";

export const messageCommandsModule = defineModule<void>({
  name: "message-commands",

  setup(ctx) {
    const muc = ctx.use(mucModule);
    const commands = new MessageCommands({
      mam: ctx.use(mamModule),
      muc,
      allowModerators: ctx.config.delete.allow_moderators,
      emit: (event) => ctx.hooks.run("room.message-command", event),
      log: ctx.log,
    });
    muc.extend({ beforeGroupchat: (event) => commands.handle(event) });
  },
});
