// The profile cache of PROTOCOL §7.5 over real sockets: vCard FN/photo first, else the latest `<data>` seen on the
// user's groupchat messages (any namespace), else the localpart; `<data>` only written when it changes; account
// removal forgets it.
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineModule } from "../../src/core/module.js";
import { profilesModule, type ProfilesApi } from "../../src/modules/profiles/profiles.module.js";
import type { Database } from "../../src/storage/database.js";
import { parseJid } from "../../src/xmpp/jid.js";
import { xml, type TestClient } from "../harness/test-client.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { groupchat, joined, nextId } from "./muc-helpers.js";

const probe: { api?: ProfilesApi; db?: Kysely<Database> } = {};
const probeModule = defineModule<void>({
  name: "profiles-probe",
  setup(ctx) {
    probe.api = ctx.use(profilesModule);
    probe.db = ctx.db;
  },
});

const APP = "65f0a1_";
const jid = (local: string) => parseJid(`${APP}${local}@localhost`);
const WS_NS = "wss://chat.example.com/ws";

describe.each(["tcp", "ws"] as const)("profile cache over %s", (transport) => {
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  const room = `${APP}profiles-${transport}@conference.localhost`;

  beforeAll(async () => {
    server = await startTestServer({ users: ["alice", "bob", "carol"].map((u) => APP + u), modules: [probeModule] });
    alice = await server.connect(APP + "alice", { transport });
    bob = await server.connect(APP + "bob", { transport });
    const name = room.split("@")[0];
    expect((await server.api("create_room_with_opts", { name, service: "conference.localhost", options: [] })).status).toBe(200);
    await joined(alice, `${room}/${APP}alice`);
    await joined(bob, `${room}/${APP}bob`);
  });
  afterAll(() => server.stop());

  /** Sends a groupchat with `<data>` and waits until it is fully processed: stanzas of a session are handled one at a
   * time (RFC 6120 §10.1), so the reply to a ping sent after it means its side effects (§3.6 step 11) are done. */
  async function say(client: TestClient, data: Record<string, string>): Promise<void> {
    await client.send(groupchat(room, "hi", nextId("p"), xml("data", { xmlns: WS_NS, ...data })));
    await client.iq(xml("iq", { type: "get", id: nextId("ping") }, xml("ping", { xmlns: "urn:xmpp:ping" })));
  }

  async function dataRow(local: string) {
    return probe.db!.selectFrom("profile_data").selectAll().where("jid", "=", `${APP}${local}@localhost`).executeTakeFirst();
  }

  it("falls back to the localpart and no photo when nothing is known", async () => {
    expect(await probe.api!.profile(jid("carol"))).toEqual({ name: APP + "carol", photo: undefined });
  });

  it("takes name and photo from <data> in any namespace, the latest non-empty value winning", async () => {
    await say(alice, { fullName: "Alice Smith", photoURL: "https://cdn/a1.png" });
    expect(await probe.api!.profile(jid("alice"))).toEqual({ name: "Alice Smith", photo: "https://cdn/a1.png" });
    await say(alice, { senderFirstName: "Ally", senderLastName: "", profileImage: "" });
    expect(await probe.api!.profile(jid("alice"))).toEqual({ name: "Ally", photo: "https://cdn/a1.png" });
    expect(await dataRow("alice")).toMatchObject({ data_name: "Ally", data_photo: "https://cdn/a1.png" });
  });

  it("does not rewrite the row for an unchanged <data>", async () => {
    await say(bob, { fullName: "Bob Jones" });
    expect((await dataRow("bob"))?.data_name).toBe("Bob Jones");
    // Tamper with the row behind the cache's back: only a write would put "Bob Jones" back.
    await probe.db!.updateTable("profile_data").set({ data_name: "untouched" }).where("jid", "=", `${APP}bob@localhost`).execute();
    await say(bob, { fullName: "Bob Jones", isSystemMessage: "false" });
    await say(bob, { senderFirstName: "Bob", senderLastName: "Jones" });
    expect((await dataRow("bob"))?.data_name).toBe("untouched");
    // A change writes the whole cached profile.
    await say(bob, { photo: "https://cdn/b.png" });
    expect(await dataRow("bob")).toMatchObject({ data_name: "Bob Jones", data_photo: "https://cdn/b.png" });
  });

  it("prefers the vCard FN and EXTVAL photo over <data>", async () => {
    const id = nextId("vc");
    await alice.send(
      xml("iq", { type: "set", id }, xml("vCard", { xmlns: "vcard-temp" }, xml("FN", {}, "Alice V."), xml("PHOTO", {}, xml("EXTVAL", {}, "https://cdn/v.png")))),
    );
    await alice.receive((s) => s.is("iq") && s.attrs.id === id && s.attrs.type === "result");
    const all = await probe.api!.profiles([jid("alice"), jid("bob"), jid("carol")]);
    expect(Object.fromEntries(all)).toEqual({
      [`${APP}alice@localhost`]: { name: "Alice V.", photo: "https://cdn/v.png" },
      [`${APP}bob@localhost`]: { name: "Bob Jones", photo: "https://cdn/b.png" },
      [`${APP}carol@localhost`]: { name: APP + "carol", photo: undefined },
    });
  });

  it("forgets the <data> profile when the account is removed", async () => {
    expect(await dataRow("bob")).toBeDefined();
    await bob.stop();
    const reply = await server.api("unregister", { user: APP + "bob", host: "localhost" });
    expect(reply.status).toBe(200);
    expect(await dataRow("bob")).toBeUndefined();
    expect(await probe.api!.profile(jid("bob"))).toEqual({ name: APP + "bob", photo: undefined });
  });
});
