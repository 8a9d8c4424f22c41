import SqliteDatabase from "better-sqlite3";
import { rmSync } from "node:fs";
import { EntryKind, type ArchiveEntry } from "../src/modules/mam/mam.types.js";
const schema = process.argv[2] ?? "A"; const pageSize = Number(process.argv[3] ?? 4096);
const N = 120000;
function entries(): ArchiveEntry[] {
  const out: ArchiveEntry[] = []; let id = Date.now() * 1000;
  for (let i = 0; out.length < N; i++) { id++; const a = `user${i % 1000}@bench.local`, b = `user${(i * 7 + 1) % 1000}@bench.local`;
    const stanza = `<message to="${b}" type="chat" id="m${i}" from="${a}/res"><body>${"x".repeat(100)} ${i}</body></message>`;
    out.push({ archive: a, id, peer: b, peerResource: "", nick: null, kind: EntryKind.chat, originId: `m${i}`, stanza });
    out.push({ archive: b, id, peer: a, peerResource: "res", nick: null, kind: EntryKind.chat, originId: `m${i}`, stanza }); }
  return out;
}
const cols = `archive text not null, id bigint not null, peer text not null, peer_resource text not null default '', nick text, kind smallint not null, origin_id text, stanza text not null`;
for (const batch of [150, 700, 4000]) {
  const path = "/tmp/mamx/e7.sqlite"; rmSync(path, { force: true }); rmSync(path + "-wal", { force: true }); rmSync(path + "-shm", { force: true });
  const db = new SqliteDatabase(path); db.pragma(`page_size = ${pageSize}`); db.pragma("journal_mode = WAL"); db.pragma("synchronous = NORMAL");
  if (schema === "A") { db.exec(`create table mam_messages (${cols}, constraint mam_messages_pk primary key (archive, id))`); db.exec(`create index p on mam_messages (archive, peer, id)`); db.exec(`create index i on mam_messages (id)`); }
  else if (schema === "B") { db.exec(`create table mam_messages (${cols})`); db.exec(`create unique index u on mam_messages (archive, id, peer)`); db.exec(`create index i on mam_messages (id)`); }
  else if (schema === "C") { db.exec(`create table mam_messages (${cols})`); db.exec(`create unique index u on mam_messages (archive, id, peer)`); }
  const one = db.prepare(`insert into mam_messages values (?,?,?,?,?,?,?,?) on conflict do nothing`);
  const all = entries();
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < all.length; i += batch) {
    const chunk = all.slice(i, i + batch);
    db.transaction(() => { for (const e of chunk) one.run(e.archive, e.id, e.peer, e.peerResource, e.nick, e.kind, e.originId, e.stanza); })();
  }
  const c = process.cpuUsage(c0); const cpu = (c.user + c.system) / 1e6;
  console.log("schema", schema, "page", pageSize, "batch", batch, "µs/row cpu", (cpu / N * 1e6).toFixed(1), "wall rows/s", Math.round(N / ((performance.now() - t0) / 1000)));
  db.close();
}
