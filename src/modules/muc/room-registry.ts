/**
 * Every existing room of the node, by bare JID, and their persistence (PROTOCOL §3.2 `persistent`):
 * persistent rooms are written through to the store and preloaded at start; temporary rooms live in
 * memory only and vanish with their last occupant (§3.5).
 */
import type { Logger } from "pino";
import type { RoomOptions } from "../../config/config.types.js";
import { Jid } from "../../xmpp/jid.js";
import { isAffiliation, type Affiliation } from "./affiliations.js";
import { configFromJson, configToJson, initialConfig, type RoomConfig } from "./room-config.js";
import { Room } from "./room.js";
import type { SqlMucStore, StoredRoom } from "./muc.store.js";

export class RoomRegistry {
  readonly #rooms = new Map<string, Room>();

  constructor(
    private readonly store: SqlMucStore,
    private readonly defaults: RoomOptions,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  get(jid: Jid): Room | undefined {
    return this.#rooms.get(jid.bareString);
  }

  get size(): number {
    return this.#rooms.size;
  }

  /** Rooms of one service (or all), in no particular order. */
  *all(service?: string): IterableIterator<Room> {
    for (const room of this.#rooms.values()) if (service === undefined || room.service === service) yield room;
  }

  /** A new room with the default options (§3.2), not yet registered. */
  build(jid: Jid, config?: RoomConfig): Room {
    return new Room(jid.bare(), config ?? initialConfig(this.defaults, jid.local), this.now());
  }

  /** Registers a room at once (so concurrent joins see it) and writes it when persistent. */
  async add(room: Room): Promise<void> {
    if (this.#rooms.has(room.jid.bareString)) throw new Error(`room ${room.jid.bareString} exists`);
    this.#rooms.set(room.jid.bareString, room);
    if (room.config.persistent) await this.store.saveRoom(toStored(room));
  }

  /** Unregisters the room; deletes it from the store when it was persistent. */
  async remove(room: Room): Promise<void> {
    if (this.#rooms.get(room.jid.bareString) === room) this.#rooms.delete(room.jid.bareString);
    room.destroyed = true;
    if (room.config.persistent) await this.store.deleteRoom(room.service, room.name);
  }

  /** After a configuration change: writes, creates (became persistent) or deletes (became temporary). */
  async saveConfig(room: Room, wasPersistent: boolean): Promise<void> {
    if (room.destroyed) return;
    if (room.config.persistent && !wasPersistent) await this.store.saveRoom(toStored(room));
    else if (!room.config.persistent && wasPersistent) await this.store.deleteRoom(room.service, room.name);
    else if (room.config.persistent) await this.store.saveOptions(room.service, room.name, configToJson(room.config));
  }

  async saveAffiliation(room: Room, bare: string, affiliation: Affiliation, reason: string): Promise<void> {
    if (room.config.persistent && !room.destroyed) await this.store.setAffiliation(room.service, room.name, bare, affiliation, reason);
  }

  async saveSubject(room: Room): Promise<void> {
    if (room.config.persistent && !room.destroyed) await this.store.saveSubject(room.service, room.name, room.subject, room.subjectAuthor);
  }

  /** Loads the stored rooms of the served MUC services. */
  async load(services: ReadonlySet<string>): Promise<number> {
    let loaded = 0;
    for (const stored of await this.store.loadAll()) {
      if (!services.has(stored.service)) continue;
      const jid = new Jid(stored.name, stored.service);
      const room = new Room(jid, configFromJson(stored.options, initialConfig(this.defaults, stored.name)), stored.createdAt);
      room.config.persistent = true;
      room.subject = stored.subject;
      room.subjectAuthor = stored.subjectAuthor;
      for (const a of stored.affiliations) {
        if (isAffiliation(a.affiliation)) room.affiliations.set(a.jid, a.affiliation, a.reason);
        else this.log.warn({ room: jid.bareString, affiliation: a.affiliation }, "unknown stored affiliation ignored");
      }
      this.#rooms.set(jid.bareString, room);
      loaded++;
    }
    return loaded;
  }

  /** Drops a deleted account's affiliations in every room (memory and store). */
  async removeUser(bare: string): Promise<void> {
    for (const room of this.#rooms.values()) room.affiliations.set(bare, "none");
    await this.store.deleteUserAffiliations(bare);
  }
}

function toStored(room: Room): StoredRoom {
  return {
    service: room.service,
    name: room.name,
    options: configToJson(room.config),
    subject: room.subject,
    subjectAuthor: room.subjectAuthor,
    createdAt: room.createdAt,
    affiliations: room.affiliations.list().map((a) => ({ jid: a.jid, affiliation: a.affiliation, reason: a.reason })),
  };
}
