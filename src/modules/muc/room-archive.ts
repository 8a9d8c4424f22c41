/**
 * Room archives through the MAM module (PROTOCOL §6.2–§6.3, §3.14): every message §3.8 classes as
 * archived is queued as a room entry (archive = the room's bare JID, id = its stanza-id, the sender's
 * real bare JID and nick kept), stored as broadcast minus the room's own stamps, which the archive adds
 * back when it is read (§6.6). A destroyed room's archive goes unless `muc.keep_archive_on_destroy`.
 */
import { Element } from "../../xml/element.js";
import { serialize } from "../../xml/serialize.js";
import { NS } from "../../xmpp/namespaces.js";
import { EntryKind, type ArchiveEntry, type MamApi } from "../mam/mam.module.js";
import type { MucExtension, RoomMessageEvent } from "./muc-extensions.js";

export function roomArchiveEntry(event: RoomMessageEvent): ArchiveEntry {
  const out = event.stanza;
  const stamps = event.archived ? 2 : 1;
  const unstamped = new Element(out.name, out.ns, out.attrs, out.children.slice(stamps));
  const originId = out.getChild("origin-id", NS.sid)?.attrs["id"] ?? out.attrs["id"] ?? null;
  return {
    archive: event.room.jid.bareString,
    id: event.id,
    peer: event.from.bareString,
    peerResource: "",
    nick: event.nick,
    kind: EntryKind.room,
    originId,
    stanza: serialize(unstamped, NS.client),
  };
}

export function mamArchiver(mam: MamApi): MucExtension {
  return {
    archive: (event) => mam.archive(roomArchiveEntry(event)),
    async roomDestroyed(room, info) {
      if (!info.keepArchive) await mam.deleteArchive(room.jid.bareString);
    },
  };
}
