// Persistent rooms survive a restart with their configuration, subject and affiliations; temporary rooms and
// occupants do not (PROTOCOL §3.2, §3.5, §3.11). On SQLite (a data dir) and PostgreSQL (a schema).
import { afterAll, describe, expect, it } from "vitest";
import type { SqlDialectName } from "../../src/storage/open-database.js";
import { backendsUnderTest } from "../harness/test-database.js";
import { restartableServer } from "../harness/restartable-server.js";
import { xml } from "../harness/test-client.js";
import { adminQuery, errorOf, iqReply, iqSet, join, joined, nextId, submitForm } from "./muc-helpers.js";

const SERVICE = "conference.localhost";
const USERS = ["admin", "65f0a1_alice", "65f0a1_bob"];

describe.each<SqlDialectName>(backendsUnderTest())("persistent rooms across a restart on %s", (backend) => {
  const server = restartableServer(backend, { users: USERS, config: { auth: { mechanisms: ["PLAIN"] } } });

  afterAll(() => server.cleanup());

  it("keeps configuration, subject and affiliations of persistent rooms; drops temporary rooms and occupants", async () => {
    const first = await server.start(true);
    await first.api("create_room_with_opts", {
      name: "65f0a1_kept",
      service: SERVICE,
      options: { title: "Kept", members_only: "true", max_users: "42", affiliations: "owner=65f0a1_alice@localhost;member=65f0a1_bob@localhost" },
    });
    await first.api("create_room_with_opts", { name: "65f0a1_temp", service: SERVICE, options: { persistent: "false" } });
    await first.api("create_room_with_opts", { name: "65f0a1_gone", service: SERVICE });
    await first.api("destroy_room", { name: "65f0a1_gone", service: SERVICE });
    const alice = await first.connect("65f0a1_alice");
    const admin = await first.connect("admin");
    const kept = `65f0a1_kept@${SERVICE}`;
    await joined(alice, `${kept}/65f0a1_alice`);
    await joined(admin, `65f0a1_byjoin@${SERVICE}/admin`);
    await joined(alice, `65f0a1_temp@${SERVICE}/65f0a1_alice`);
    const subjectId = nextId("subj");
    await alice.send(xml("message", { to: kept, type: "groupchat", id: subjectId }, xml("subject", {}, "Persisted topic")));
    await alice.receive((s) => s.attrs.id === subjectId);
    expect((await iqReply(alice, iqSet(kept, adminQuery(xml("item", { jid: "65f0a1_bob@localhost", affiliation: "outcast" }, xml("reason", {}, "rude")))))).attrs.type).toBe("result");
    expect((await iqReply(alice, iqSet(kept, submitForm({ "muc#roomconfig_roomdesc": "Described" })))).attrs.type).toBe("result");
    const optionsBefore = (await first.api("get_room_options", { name: "65f0a1_kept" })).body;
    const affiliationsBefore = (await first.api("get_room_affiliations", { name: "65f0a1_kept" })).body;
    await first.stop({ keepData: true });

    const second = await server.start(false);
    try {
      expect((await second.api("get_room_options", { name: "65f0a1_kept" })).body).toEqual(optionsBefore);
      expect(optionsBefore).toMatchObject({ title: "Kept", description: "Described", members_only: "true", max_users: "42" });
      expect((await second.api("get_room_affiliations", { name: "65f0a1_kept" })).body).toEqual(affiliationsBefore);
      expect((await second.api("get_room_options", { name: "65f0a1_byjoin" })).body).toMatchObject({ persistent: "true" });
      expect((await second.api("get_room_affiliations", { name: "65f0a1_byjoin" })).body).toEqual([
        { username: "admin", domain: "localhost", jid: "admin@localhost", affiliation: "owner", reason: "" },
      ]);
      expect((await second.api("get_room_options", { name: "65f0a1_temp" })).body).toEqual({});
      expect((await second.api("get_room_options", { name: "65f0a1_gone" })).body).toEqual({});
      expect((await second.api("get_room_occupants_number", { name: "65f0a1_kept" })).body).toBe(0);
      const alice2 = await second.connect("65f0a1_alice");
      await joined(alice2, `${kept}/65f0a1_alice`);
      const subject = await alice2.receive((s) => s.is("message") && s.attrs.from === kept);
      expect(subject.getChildText("subject")).toBe("Persisted topic");
      const bob = await second.connect("65f0a1_bob");
      expect(errorOf(await join(bob, `${kept}/65f0a1_bob`)).text).toBe("You have been banned from this room");
    } finally {
      await second.stop({ keepData: true });
    }
  });
});
