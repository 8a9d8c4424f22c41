/**
 * Throwaway measurement (issue #3 "memory per occupant and per idle room"): builds a server in process,
 * creates idle rooms through the admin command, joins fake sessions through the router, and fans one
 * message out to a 1,000-occupant room. Run: `node --expose-gc --import tsx scripts/muc-memory.ts`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { resolveConfig } from "../src/config/load-config.js";
import type { Session } from "../src/core/session.js";
import type { SharedStanza } from "../src/router/shared-stanza.js";
import { buildServer } from "../src/server.js";
import { el, type Element } from "../src/xml/element.js";
import { parseJid, type Jid } from "../src/xmpp/jid.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc");
const heap = () => {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
};

let delivered = 0;
let bytes = 0;
function fakeSession(id: number, jid: Jid): Session {
  return {
    id,
    jid,
    isAnonymous: false,
    boundAt: Date.now(),
    isAvailable: true,
    isHibernated: false,
    priority: 0,
    presence: undefined,
    remoteAddress: "127.0.0.1",
    setPresence() {},
    deliver() {
      delivered++;
    },
    deliverShared(shared: SharedStanza) {
      delivered++;
      bytes += shared.bytesFor(jid.toString(), "jabber:client").length;
    },
    close() {},
  };
}

const dir = mkdtempSync(join(tmpdir(), "muc-mem-"));
const config = resolveConfig(
  { hosts: ["localhost"], data_dir: dir, database: { url: "sqlite::memory:" }, log: { level: "silent" }, listeners: { c2s: { port: null }, c2s_tls: { port: null }, http: { port: null }, https: { port: null } } },
  {},
  dir,
);
const server = await buildServer(config, { logger: pino({ level: "silent" }) });
await server.start();
const create = server.modules.commands.get("create_room_with_opts");
if (create === undefined) throw new Error("no create_room_with_opts");

// 1. Idle rooms (temporary, so the measure is memory only, not the SQLite page cache).
const ROOMS = Number(process.env["ROOMS"] ?? 20_000);
const tA = performance.now();
const before = heap();
for (let i = 0; i < ROOMS; i++) await create.handler({ name: `65f0a1_idle${i}`, service: "conference.localhost", options: { persistent: "false", title: `Room ${i}` } });
const perRoom = (heap() - before) / ROOMS;
console.error("rooms phase ms", performance.now() - tA);

// 2. Occupants: fake sessions first (their own cost is not the room's), then the joins.
const OCCUPANTS = Number(process.env["OCCUPANTS"] ?? 2_000);
const sessions: Session[] = [];
for (let i = 0; i < OCCUPANTS; i++) {
  const s = fakeSession(i, parseJid(`65f0a1_u${i}@localhost/res${i}`));
  sessions.push(s);
  server.sessions.add(s);
}
const joinPresence = (s: Session, room: string): Element =>
  el("presence", { xmlns: "jabber:client", from: s.jid.toString(), to: `${room}/${s.jid.local}`, id: `join-${s.id}` }, el("x", { xmlns: "http://jabber.org/protocol/muc" }));
await create.handler({ name: "65f0a1_big", service: "conference.localhost", options: { persistent: "false", max_users: String(OCCUPANTS + 10) } });
const tB = performance.now();
const beforeJoin = heap();
for (const s of sessions) await server.router.route(joinPresence(s, "65f0a1_big@conference.localhost"), s);
const perOccupant = (heap() - beforeJoin) / OCCUPANTS;
console.error("join phase ms", performance.now() - tB);

// 3. Fan-out to 1,000 occupants.
await create.handler({ name: "65f0a1_fanout", service: "conference.localhost", options: { persistent: "false", mam: "false" } });
const members = sessions.slice(0, 1000);
for (const s of members) await server.router.route(joinPresence(s, "65f0a1_fanout@conference.localhost"), s);
const MESSAGES = 2000;
delivered = 0;
bytes = 0;
const sender = members[0] as Session;
const t0 = performance.now();
for (let i = 0; i < MESSAGES; i++) {
  const m = el(
    "message",
    { xmlns: "jabber:client", from: sender.jid.toString(), to: "65f0a1_fanout@conference.localhost", type: "groupchat", id: `m${i}` },
    el("data", { xmlns: "wss://chat.example.com/ws", senderFirstName: "A", fullName: "A B" }),
    el("body", null, "hello everyone, this is a message of ordinary length"),
  );
  // The admin API path (no origin) skips the rate limit, as send_message does.
  await server.router.route(m);
}
const ms = performance.now() - t0;

console.log(
  JSON.stringify(
    {
      idleRoomBytes: Math.round(perRoom),
      occupantBytes: Math.round(perOccupant),
      fanout: {
        occupants: members.length,
        messages: MESSAGES,
        msPerMessage: +(ms / MESSAGES).toFixed(3),
        deliveriesPerSecond: Math.round(delivered / (ms / 1000)),
        bytesPerDelivery: Math.round(bytes / delivered),
      },
    },
    null,
    2,
  ),
);
await server.stop();
rmSync(dir, { recursive: true, force: true });
