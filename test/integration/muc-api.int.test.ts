// The room commands of the admin API (PROTOCOL §8.3–§8.5) with ejabberd's bodies, and the three kinds of
// room the product makes with them (§1.6): private 1:1 (`a-b`, `-e2ee`), group (members-only), public.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient } from "../harness/test-client.js";
import { errorOf, groupchat, iqGet, iqReply, item, join, joined, nextId, NS_MUC_USER, statusCodes } from "./muc-helpers.js";

const SERVICE = "conference.localhost";

describe("MUC admin API (ethora profile)", () => {
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  let carol: TestClient;
  let seq = 0;
  const fresh = () => `65f0a1_api${++seq}${Math.random().toString(36).slice(2, 6)}`;

  beforeAll(async () => {
    server = await startTestServer({ users: ["admin", "65f0a1_alice", "65f0a1_bob", "65f0a1_carol"], config: { auth: { mechanisms: ["PLAIN"] } } });
    [alice, bob, carol] = (await Promise.all(["65f0a1_alice", "65f0a1_bob", "65f0a1_carol"].map((u) => server.connect(u)))) as [TestClient, TestClient, TestClient];
  });
  afterAll(() => server.stop());

  it("creates a room from the typical backend call and reports every option as a string", async () => {
    const name = fresh();
    const reply = await server.api("create_room_with_opts", {
      name,
      service: SERVICE,
      host: "localhost",
      options: [
        { name: "title", value: "Lobby" },
        { name: "persistent", value: "true" },
        { name: "mam", value: "true" },
        { name: "allow_subscription", value: "true" },
        { name: "members_only", value: "true" },
        { name: "affiliations", value: "owner=65f0a1_alice@localhost" },
      ],
    });
    expect([reply.status, reply.text]).toEqual([200, "0"]);
    const options = await server.api("get_room_options", { name, service: SERVICE });
    expect(options.body).toMatchObject({ title: "Lobby", persistent: "true", members_only: "true", mam: "true", e2ee: "false", room_thumbnail: "none", max_users: "1000" });
    expect(Object.keys(options.body as object)).toHaveLength(21);
    expect((await server.api("get_room_affiliations", { name, service: SERVICE })).body).toEqual([
      { username: "65f0a1_alice", domain: "localhost", jid: "65f0a1_alice@localhost", affiliation: "owner", reason: "" },
    ]);
    const again = await server.api("create_room_with_opts", { name, service: SERVICE });
    expect([again.status, again.body]).toEqual([400, "Room already exists"]);
  });

  it("accepts options as an object, the room alias and a room JID, the older affiliations format, and ignores boolean ejabberd options", async () => {
    const name = fresh();
    const reply = await server.api("create_room_with_opts", {
      room: `${name}@${SERVICE}`,
      options: { public: "false", allowpm: "moderators", logging: "true", captcha_protected: false, affiliations: "owner:65f0a1_alice@localhost,member:65f0a1_bob@localhost" },
    });
    expect(reply.status).toBe(200);
    expect((await server.api("get_room_options", { room: name })).body).toMatchObject({ public: "false", allow_private_messages: "moderators" });
    expect(((await server.api("get_room_affiliations", { room: name })).body as { affiliation: string }[]).map((a) => a.affiliation)).toEqual(["owner", "member"]);
  });

  it("refuses bad options and missing arguments with 400 and ejabberd's bodies", async () => {
    const bad = await server.api("create_room_with_opts", { name: fresh(), service: SERVICE, options: [{ name: "max_users", value: "lots" }] });
    expect([bad.status, bad.body]).toEqual([400, "Invalid value for that option"]);
    const unknown = await server.api("create_room_with_opts", { name: fresh(), service: SERVICE, options: [{ name: "presence_broadcast", value: "[moderator]" }] });
    expect(unknown.status).toBe(400);
    const missing = await server.api("create_room_with_opts", { service: SERVICE });
    expect([missing.status, missing.body]).toEqual([400, "Request have missing argument: name"]);
    for (const command of ["destroy_room", "change_room_option", "set_room_affiliation", "get_room_affiliations", "get_room_occupants", "get_room_occupants_number"]) {
      const r = await server.api(command, { name: "65f0a1_nowhere", service: SERVICE, option: "title", value: "x", affiliation: "member", jid: "a@localhost" });
      expect([command, r.status, r.body]).toEqual([command, 400, "Room doesn't exists"]);
    }
    expect((await server.api("get_room_options", { name: "65f0a1_nowhere", service: SERVICE })).body).toEqual({});
  });

  it("changes one option like an owner submit (104), and refuses invalid values", async () => {
    const name = fresh();
    await server.api("create_room_with_opts", { name, service: SERVICE });
    const room = `${name}@${SERVICE}`;
    await joined(alice, `${room}/65f0a1_alice`);
    expect((await server.api("change_room_option", { name, service: SERVICE, option: "title", value: "Renamed" })).text).toBe("0");
    const notice = await alice.receive((s) => s.is("message") && s.attrs.from === room && statusCodes(s).includes("104"));
    expect(notice.attrs.type).toBe("groupchat");
    expect((await server.api("get_room_options", { name })).body).toMatchObject({ title: "Renamed" });
    expect((await server.api("change_room_option", { name, option: "max_users", value: "-1" })).status).toBe(400);
    expect((await server.api("change_room_option", { name, option: "allowpm", value: "participants" })).status).toBe(200);
    expect((await server.api("get_room_options", { name })).body).toMatchObject({ allow_private_messages: "participants" });
  });

  it("sets affiliations with all §3.11 effects, by jid or user+host", async () => {
    const name = fresh();
    await server.api("create_room_with_opts", { name, service: SERVICE });
    const room = `${name}@${SERVICE}`;
    await joined(alice, `${room}/65f0a1_alice`);
    await joined(bob, `${room}/65f0a1_bob`);
    expect((await server.api("set_room_affiliation", { name, service: SERVICE, user: "65f0a1_bob", host: "localhost", affiliation: "outcast" })).text).toBe("0");
    const banned = await bob.receive((s) => s.attrs.type === "unavailable" && s.attrs.from === `${room}/65f0a1_bob`);
    expect(statusCodes(banned)).toEqual(["110", "301"]);
    expect((await server.api("set_room_affiliation", { name, jid: "65f0a1_carol@localhost", affiliation: "member" })).status).toBe(200);
    const notice = await alice.receive((s) => s.is("message") && s.attrs.from === room && s.getChild("x", NS_MUC_USER)?.getChild("item")?.attrs.jid === "65f0a1_carol@localhost");
    expect(notice.getChild("x", NS_MUC_USER)?.getChild("item")?.attrs.affiliation).toBe("member");
    expect((await server.api("set_room_affiliation", { name, jid: "65f0a1_carol@localhost", affiliation: "king" })).status).toBe(400);
    expect(((await server.api("get_room_affiliations", { name })).body as { jid: string }[]).map((a) => a.jid)).toEqual(["65f0a1_bob@localhost", "65f0a1_carol@localhost"]);
  });

  it("reports occupants per session, distinct nicks, and every room of a service", async () => {
    const name = fresh();
    await server.api("create_room_with_opts", { name, service: SERVICE });
    const room = `${name}@${SERVICE}`;
    const alice2 = await server.connect("65f0a1_alice");
    await joined(alice, `${room}/65f0a1_alice`);
    await joined(alice2, `${room}/65f0a1_alice`);
    await joined(carol, `${room}/65f0a1_carol`);
    const occupants = (await server.api("get_room_occupants", { name })).body as { jid: string; nick: string; role: string }[];
    expect(occupants.map((o) => o.jid).sort()).toEqual([alice.jid, alice2.jid, carol.jid].sort());
    expect(occupants.every((o) => o.role === "participant")).toBe(true);
    expect((await server.api("get_room_occupants_number", { name })).body).toBe(2);
    const online = (await server.api("muc_online_rooms", { service: SERVICE })).body as string[];
    expect(online).toContain(room);
    expect(online).toEqual([...online].sort());
    expect((await server.api("muc_online_rooms", { service: "global" })).body).toEqual(online);
    expect((await server.api("muc_online_rooms", { host: "localhost" })).body).toEqual(online);
    await alice2.stop();
  });

  it("destroys a room from the API: occupants get <destroy/>, the room is gone", async () => {
    const name = fresh();
    await server.api("create_room_with_opts", { name, service: SERVICE });
    const room = `${name}@${SERVICE}`;
    await joined(carol, `${room}/65f0a1_carol`);
    expect((await server.api("destroy_room", { name, service: SERVICE })).text).toBe("0");
    const gone = await carol.receive((s) => s.attrs.type === "unavailable" && s.attrs.from === `${room}/65f0a1_carol`);
    expect(gone.getChild("x", NS_MUC_USER)?.getChild("destroy")).toBeDefined();
    expect((await server.api("get_room_options", { name })).body).toEqual({});
    expect((await server.api("destroy_room", { name })).body).toBe("Room doesn't exists");
  });

  it("drops a deleted account's affiliations in every room (§8.5 unregister)", async () => {
    const name = fresh();
    await server.register("65f0a1_temp");
    await server.api("create_room_with_opts", { name, service: SERVICE, options: { affiliations: "member=65f0a1_temp@localhost;owner=65f0a1_alice@localhost" } });
    await server.api("unregister", { user: "65f0a1_temp", host: "localhost" });
    expect(((await server.api("get_room_affiliations", { name })).body as { jid: string }[]).map((a) => a.jid)).toEqual(["65f0a1_alice@localhost"]);
  });

  describe("room kinds (PROTOCOL §1.6)", () => {
    it("runs a private 1:1 room: two members, -e2ee sets e2ee, payloads pass through, others stay out", async () => {
      const name = "65f0a1_alice-65f0a1_bob-e2ee";
      await server.api("create_room_with_opts", {
        name,
        service: SERVICE,
        options: { members_only: "true", public: "false", affiliations: "member=65f0a1_alice@localhost;member=65f0a1_bob@localhost" },
      });
      expect((await server.api("get_room_options", { name })).body).toMatchObject({ e2ee: "true", members_only: "true" });
      const room = `${name}@${SERVICE}`;
      await joined(alice, `${room}/65f0a1_alice`);
      await joined(bob, `${room}/65f0a1_bob`);
      const id = nextId();
      const encrypted = xml("encrypted", { xmlns: "eu.siacs.conversations.axolotl" }, xml("header", { sid: "1" }), xml("payload", {}, "BASE64=="));
      await alice.send(groupchat(room, undefined, id, encrypted, xml("store", { xmlns: "urn:xmpp:hints" })));
      const copy = await bob.receive((s) => s.attrs.id === id);
      expect(copy.getChild("encrypted")?.toString()).toBe(encrypted.toString());
      expect(errorOf(await join(carol, `${room}/65f0a1_carol`)).condition).toBe("registration-required");
      expect((await server.api("get_room_options", { name: "65f0a1_alice-65f0a1_bob" })).body).toEqual({});
    });

    it("runs a group room (members-only) and a public room (open, listed)", async () => {
      const group = fresh();
      await server.api("create_room_with_opts", { name: group, service: SERVICE, options: { members_only: "true", public: "false", affiliations: "owner=65f0a1_alice@localhost;member=65f0a1_bob@localhost" } });
      const pub = fresh();
      await server.api("create_room_with_opts", { name: pub, service: SERVICE, options: { title: "Town square" } });
      expect(item(await joined(bob, `${group}@${SERVICE}/65f0a1_bob`))).toMatchObject({ affiliation: "member", role: "participant" });
      expect(errorOf(await join(carol, `${group}@${SERVICE}/65f0a1_carol`)).text).toBe("Membership is required to enter this room");
      expect(item(await joined(carol, `${pub}@${SERVICE}/65f0a1_carol`))).toMatchObject({ affiliation: "none", role: "participant" });
      const items = await iqReply(carol, iqGet(SERVICE, xml("query", { xmlns: "http://jabber.org/protocol/disco#items" })));
      const listed = items.getChild("query")?.getChildren("item").map((i) => i.attrs.jid) ?? [];
      expect(listed).toContain(`${pub}@${SERVICE}`);
      expect(listed).not.toContain(`${group}@${SERVICE}`);
    });
  });
});
