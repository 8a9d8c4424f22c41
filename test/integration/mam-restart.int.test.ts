// The archive survives a graceful restart and ids keep increasing (PROTOCOL §6.1), on SQLite (a file in the data
// dir) and PostgreSQL: the write-behind queue is flushed on stop (ADR 0002).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { EntryKind, mamModule } from "../../src/modules/mam/mam.module.js";
import { backendsUnderTest, postgresTestUrl } from "../harness/test-database.js";
import { startTestServer } from "../harness/test-server.js";
import { xml, type TestClient, type XmlElement } from "../harness/test-client.js";

const MAM2 = "urn:xmpp:mam:2";

async function dropSchemaOf(databaseUrl: string): Promise<void> {
  const schema = new URL(databaseUrl).searchParams.get("schema");
  if (schema === null || !/^[a-z0-9_]+$/.test(schema)) return;
  const pool = new pg.Pool({ connectionString: postgresTestUrl(), max: 1 });
  await pool.query(`drop schema if exists ${schema} cascade`).finally(() => pool.end());
}

/** Every entry of the client's archive, oldest first: [id, body]. */
async function archiveOf(client: TestClient): Promise<[string, string][]> {
  const start = client.received.length;
  await client.iq(xml("iq", { type: "set" }, xml("query", { xmlns: MAM2, queryid: "all" }, xml("set", { xmlns: "http://jabber.org/protocol/rsm" }, xml("max", {}, "250")))));
  return client.received
    .slice(start)
    .filter((s) => s.is("message") && s.getChild("result", MAM2) !== undefined)
    .map((s) => {
      const result = s.getChild("result", MAM2) as XmlElement;
      const message = result.getChild("forwarded", "urn:xmpp:forward:0")?.getChild("message") as XmlElement;
      return [result.attrs.id as string, message.getChildText("body") ?? ""];
    });
}

describe.each(backendsUnderTest())("MAM across a restart on %s", (backend) => {
  it("keeps every entry routed before a graceful stop, and allocates ids above the highest stored one", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rtc-mam-restart-"));
    const first = await startTestServer({ users: ["alice", "bob"], dataDir, ...(backend === "postgres" ? { database: "postgres" as const } : {}) });
    const databaseUrl = first.databaseUrl;
    // An entry an hour in the future: ids after the restart must still be above it (observe(max id)).
    const future = (Date.now() + 3_600_000) * 1000;
    try {
      if (backend === "sqlite") expect(databaseUrl).toBe(`sqlite:${join(dataDir, "rtc.sqlite")}`);
      const alice = await first.connect("alice");
      const bob = await first.connect("bob");
      for (let i = 1; i <= 20; i++) await alice.send(xml("message", { to: "bob@localhost", type: "chat", id: `r${i}` }, xml("body", {}, `before ${i}`)));
      await bob.receive((s) => s.is("message") && s.attrs.id === "r20");
      await first.server.modules.api(mamModule).archive({
        archive: "alice@localhost", id: future, peer: "bob@localhost", peerResource: "", nick: null, kind: EntryKind.chat, originId: null,
        stanza: '<message to="bob@localhost" type="chat"><body>from the future</body></message>',
      });
      // No query before the stop: what is still queued must be written by the stop itself.
      await first.stop({ keepData: true });

      const second = await startTestServer({ dataDir, databaseUrl });
      try {
        const bob2 = await second.connect("bob");
        const alice2 = await second.connect("alice");
        const bobs = await archiveOf(bob2);
        expect(bobs.map(([, body]) => body)).toEqual(Array.from({ length: 20 }, (_, i) => `before ${i + 1}`));
        const alices = await archiveOf(alice2);
        expect(alices.slice(0, 20)).toEqual(bobs);
        expect(alices[20]).toEqual([String(future), "from the future"]);

        await alice2.send(xml("message", { to: "bob@localhost", type: "chat", id: "after" }, xml("body", {}, "after restart")));
        const live = await bob2.receive((s) => s.is("message") && s.attrs.id === "after");
        const newId = Number(live.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.id);
        expect(newId).toBeGreaterThan(future);
      } finally {
        await second.stop({ keepData: true });
      }
    } finally {
      if (backend === "postgres") await dropSchemaOf(databaseUrl);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
