// Offline messages survive a server restart (PROTOCOL §9.4), on SQLite (a file in the data dir) and PostgreSQL.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { offlineModule } from "../../src/modules/offline/offline.module.js";
import { parseJid } from "../../src/xmpp/jid.js";
import { backendsUnderTest, postgresTestUrl } from "../harness/test-database.js";
import { startTestServer } from "../harness/test-server.js";
import { xml } from "../harness/test-client.js";

async function dropSchemaOf(databaseUrl: string): Promise<void> {
  const schema = new URL(databaseUrl).searchParams.get("schema");
  if (schema === null || !/^[a-z0-9_]+$/.test(schema)) return;
  const pool = new pg.Pool({ connectionString: postgresTestUrl(), max: 1 });
  await pool.query(`drop schema if exists ${schema} cascade`).finally(() => pool.end());
}

describe.each(backendsUnderTest())("offline queue across a restart on %s", (backend) => {
  it("delivers after the restart what was stored before it, in order, with the original stamps", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rtc-offline-restart-"));
    const first = await startTestServer({ users: ["alice", "bob"], dataDir, ...(backend === "postgres" ? { database: "postgres" as const } : {}) });
    const databaseUrl = first.databaseUrl;
    try {
      const alice = await first.connect("alice");
      for (const n of [1, 2]) await alice.send(xml("message", { to: "bob@localhost", type: "chat", id: `r${n}` }, xml("body", {}, `before restart ${n}`)));
      const ping = xml("iq", { type: "get", id: "sync", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" }));
      await alice.send(ping);
      await alice.receive((s) => s.is("iq") && s.attrs.id === "sync");
      const before = await first.api("get_offline_count", { user: "bob", host: "localhost" });
      expect(before.body).toBe(2);
      const stamps = (await first.server.modules.api(offlineModule).list(parseJid("bob@localhost"))).map((r) => new Date(r.storedAt).toISOString());
      if (backend === "sqlite") expect(databaseUrl).toBe(`sqlite:${join(dataDir, "rtc.sqlite")}`);
      await first.stop({ keepData: true });

      const second = await startTestServer({ dataDir, databaseUrl });
      try {
        expect((await second.api("get_offline_count", { user: "bob", host: "localhost" })).body).toBe(2);
        const bob = await second.connect("bob");
        const last = await bob.receive((s) => s.is("message") && s.attrs.id === "r2");
        const messages = bob.received.filter((s) => s.is("message"));
        expect(messages.map((s) => s.getChildText("body"))).toEqual(["before restart 1", "before restart 2"]);
        expect(last.getChild("delay", "urn:xmpp:delay")?.attrs.from).toBe("localhost");
        expect(messages.map((s) => s.getChild("delay", "urn:xmpp:delay")?.attrs.stamp)).toEqual(stamps);
        expect((await second.api("get_offline_count", { user: "bob", host: "localhost" })).body).toBe(0);
      } finally {
        await second.stop({ keepData: true });
      }
    } finally {
      if (backend === "postgres") await dropSchemaOf(databaseUrl);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
