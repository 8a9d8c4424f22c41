// The pinned-room job survives a restart and runs to completion (PROTOCOL §1.7), on SQLite and PostgreSQL:
// a job stored with a cursor half-way (as a stop between batches leaves it) resumes from that cursor.
import { afterAll, describe, expect, it } from "vitest";
import { appsModule } from "../../src/modules/apps/apps.module.js";
import { SqlAppStore } from "../../src/modules/apps/apps.store.js";
import { openDatabase, type SqlDialectName } from "../../src/storage/open-database.js";
import { backendsUnderTest } from "../harness/test-database.js";
import { restartableServer } from "../harness/restartable-server.js";

const SERVICE = "conference.localhost";
const APP = "65f0a1";
const USERS = Array.from({ length: 10 }, (_, i) => `${APP}_u${String(i).padStart(2, "0")}`);

describe.each<SqlDialectName>(backendsUnderTest())("pinned-room job across a restart on %s", (backend) => {
  const server = restartableServer(backend, { users: ["admin", ...USERS] });
  const withStore = async <T>(f: (store: SqlAppStore) => Promise<T>): Promise<T> => {
    const opened = await openDatabase(server.databaseUrl ?? "");
    try {
      return await f(new SqlAppStore(opened.db));
    } finally {
      await opened.close();
    }
  };

  afterAll(() => server.cleanup());

  it("resumes a stored job from its cursor and deletes it once done", async () => {
    const first = await server.start(true);
    const lobby = `${APP}_lobby@${SERVICE}`;
    await first.api("create_room_with_opts", { name: `${APP}_lobby`, service: SERVICE });
    await first.api("create_app", { appId: APP, name: "Acme" });
    await first.stop({ keepData: true });

    // What a stop between two batches leaves behind: the App pins the room, the job is at u04.
    await withStore(async (store) => {
      const [app] = await store.loadApps();
      if (app === undefined) throw new Error("the App was not stored");
      await store.saveApp({ ...app, pinnedRooms: [lobby] });
      await store.saveJob({ appId: APP, room: lobby, host: "localhost", after: `${APP}_u04`, createdAt: Date.now() });
    });

    const second = await server.start(false);
    try {
      await second.server.modules.api(appsModule).idle();
      const subscribers = (await second.api("get_subscribers", { name: `${APP}_lobby` })).body;
      expect(subscribers).toEqual(USERS.slice(5).map((u) => `${u}@localhost`));
      const members = ((await second.api("get_room_affiliations", { name: `${APP}_lobby` })).body as { jid: string }[]).map((a) => a.jid);
      expect(members).toEqual(USERS.slice(5).map((u) => `${u}@localhost`));
    } finally {
      await second.stop({ keepData: true });
    }
    expect(await withStore((store) => store.loadJobs())).toEqual([]);
  });
});
