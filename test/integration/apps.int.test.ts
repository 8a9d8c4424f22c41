// Apps and pinned rooms (PROTOCOL §1.7, §8.6) over real sockets: the App commands and their errors; the
// pinned-room invariant on account creation (admin-API register and JWT first login, before the account
// is usable); the background job for rooms pinned later; never-downgrade rules, exclusions, unpinning.
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appsModule } from "../../src/modules/apps/apps.module.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import type { Transport } from "../harness/test-client.js";
import { groupchat, joined, nextId } from "./muc-helpers.js";
import { change, hookProbe, isWrappedMessage, listSubscriptions, NODE, subscribe, subscriptionsOf, wrapped } from "./mucsub-helpers.js";

const SERVICE = "conference.localhost";
const JWT_KEY = "apps-test-key-0123456789abcdef0123456789";
let seq = 0;

describe.each<Transport>(["tcp", "ws"])("Apps and pinned rooms over %s", (transport) => {
  let server: TestServer;
  const probe = hookProbe();
  const app = () => `a${(++seq).toString(16).padStart(5, "0")}${transport === "ws" ? "e" : "d"}`;
  const idle = () => server.server.modules.api(appsModule).idle();
  const affiliations = async (room: string) =>
    Object.fromEntries(((await server.api("get_room_affiliations", { name: room })).body as { jid: string; affiliation: string }[]).map((a) => [a.jid, a.affiliation]));
  const subscriptions = async (user: string) => (await server.api("get_user_subscriptions", { user, host: "localhost" })).body;

  async function room(appId: string, name: string, options: Record<string, unknown> = {}): Promise<string> {
    expect((await server.api("create_room_with_opts", { name: `${appId}_${name}`, service: SERVICE, options })).status).toBe(200);
    return `${appId}_${name}@${SERVICE}`;
  }

  beforeAll(async () => {
    server = await startTestServer({ users: ["admin"], config: { auth: { jwt: { key: JWT_KEY } } }, modules: [probe.module] });
  });
  afterAll(() => server.stop());

  it("create_app, list_apps, delete_app, and the errors of set_app_pinned_rooms (§8.6)", async () => {
    const id = app();
    const lobby = await room(id, "lobby");
    expect(await server.api("create_app", { appId: "a_b" })).toMatchObject({ status: 400 });
    expect(await server.api("create_app", { appId: "a@b" })).toMatchObject({ status: 400 });
    expect(await server.api("create_app", { appId: id, name: "Acme", owners: [`${id}_boss@localhost`] })).toMatchObject({ status: 200, body: 0 });
    // An upsert: the name changes, the owners stay.
    expect((await server.api("create_app", { appId: id, name: "Acme 2" })).status).toBe(200);
    expect(await server.api("set_app_pinned_rooms", { appId: id, rooms: [`${id}_missing`] })).toMatchObject({ status: 400, body: "Room doesn't exists" });
    const foreign = await room(app(), "elsewhere");
    expect(await server.api("set_app_pinned_rooms", { appId: id, rooms: [foreign] })).toMatchObject({ status: 400, body: "Room does not belong to app" });
    expect((await server.api("set_app_pinned_rooms", { appId: id, rooms: `${id}_lobby` })).status).toBe(200);
    const listed = ((await server.api("list_apps")).body as { appId: string }[]).find((a) => a.appId === id);
    expect(listed).toMatchObject({ appId: id, name: "Acme 2", owners: [`${id}_boss@localhost`], pinnedRooms: [lobby] });
    expect(typeof (listed as { createdAt?: unknown }).createdAt).toBe("number");
    // set_app_pinned_rooms creates a missing App.
    const other = app();
    const otherLobby = await room(other, "lobby");
    expect((await server.api("set_app_pinned_rooms", { appId: other, rooms: [otherLobby] })).status).toBe(200);
    expect(((await server.api("list_apps")).body as { appId: string; name: string }[]).find((a) => a.appId === other)).toMatchObject({ name: "", owners: [], pinnedRooms: [otherLobby] });
    expect(await server.api("delete_app", { appId: id })).toMatchObject({ status: 200, body: 0 });
    expect(((await server.api("list_apps")).body as { appId: string }[]).map((a) => a.appId)).not.toContain(id);
  });

  it("register_bulk puts each account it creates in the pinned rooms too, and skips the ones that existed", async () => {
    const id = app();
    const lobby = await room(id, "bulklobby");
    await server.api("set_app_pinned_rooms", { appId: id, rooms: [lobby] });
    await idle();
    expect(await server.api("register_bulk", { host: "localhost", prefix: `${id}_bulk`, from: 1, to: 2, password: "p" })).toMatchObject({ status: 200, body: 2 });
    expect(await server.api("register_bulk", { host: "localhost", prefix: `${id}_bulk`, from: 2, to: 3, password: "p" })).toMatchObject({ status: 200, body: 1 });
    const members = await affiliations(lobby);
    expect([1, 2, 3].map((n) => members[`${id}_bulk${n}@localhost`])).toEqual(["member", "member", "member"]);
  });

  it("makes a new account a member and subscriber of every pinned room before register returns (§1.7 New accounts)", async () => {
    const id = app();
    const lobby = await room(id, "lobby", { members_only: "true" });
    const news = await room(id, "news");
    await server.api("set_app_pinned_rooms", { appId: id, rooms: [lobby, news] });
    await idle();
    const joinedBefore = probe.log.joined.length;
    expect((await server.api("register", { user: `${id}_alice`, host: "localhost", password: "secret" })).status).toBe(200);
    // No waiting: the invariant holds when register has answered.
    expect((await affiliations(lobby))[`${id}_alice@localhost`]).toBe("member");
    expect((await affiliations(news))[`${id}_alice@localhost`]).toBe("member");
    expect(await subscriptions(`${id}_alice`)).toEqual(
      [lobby, news].sort().map((roomjid) => ({ roomjid, usernick: `${id}_alice`, nodes: [NODE("messages")] })),
    );
    expect(probe.log.joined.slice(joinedBefore).map(change).sort()).toEqual([[lobby, `${id}_alice@localhost`, "pinned"], [news, `${id}_alice@localhost`, "pinned"]].sort());

    // The client sees it: listed at the service, and room messages arrive wrapped without joining.
    const alice = await server.connect(`${id}_alice`, { transport, password: "secret" });
    expect(subscriptionsOf(await listSubscriptions(alice, SERVICE)).map(([r]) => r)).toEqual([lobby, news].sort());
    const msg = nextId("pinned");
    await server.api("send_message", { type: "groupchat", from: "admin@localhost", to: lobby, subject: "", body: "welcome" });
    const admin = await server.connect("admin", { transport });
    await joined(admin, `${news}/admin`);
    await admin.send(groupchat(news, "news!", msg));
    expect(wrapped(await alice.receive(isWrappedMessage(msg)))?.getChildText("body")).toBe("news!");
    await alice.receive((s) => s.attrs.from === lobby && s.toString().includes("welcome"));

    // Excluded: the system account, bots and widget visitors.
    for (const user of [`${id}_${id}`, `${id}_helper-bot`, `${id}_widget-0123abcd`]) {
      expect((await server.api("register", { user, host: "localhost", password: "secret" })).status).toBe(200);
      expect(await subscriptions(user)).toEqual([]);
      expect((await affiliations(lobby))[`${user}@localhost`]).toBeUndefined();
    }
    // Another App's user gets nothing.
    await server.api("register", { user: `${app()}_bob`, host: "localhost", password: "secret" });
    expect(Object.keys(await affiliations(lobby))).toEqual([`${id}_alice@localhost`]);
  });

  it("applies the pinned rooms at a JWT first login, before the session is usable (§1.7, §2.4)", async () => {
    const id = app();
    const lobby = await room(id, "lobby");
    await server.api("set_app_pinned_rooms", { appId: id, rooms: [lobby] });
    const user = `${id}_jwt`;
    const token = await new SignJWT({ jid: `${user}@localhost` }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(new TextEncoder().encode(JWT_KEY));
    const client = await server.connect(user, { transport, password: token });
    expect(subscriptionsOf(await listSubscriptions(client, SERVICE))).toEqual([[lobby, user, [NODE("messages")]]]);
    expect((await affiliations(lobby))[`${user}@localhost`]).toBe("member");
  });

  it("brings existing users into a room pinned later, in the background, never downgrading (§1.7)", async () => {
    const id = app();
    const users = ["u1", "u2", "u3", "owner", "banned", "subbed", "some-bot"].map((u) => `${id}_${u}`);
    for (const u of users) await server.api("register", { user: u, host: "localhost", password: "secret" });
    const lobby = await room(id, "lobby", { affiliations: `owner=${id}_owner@localhost;outcast=${id}_banned@localhost` });
    await server.api("subscribe_room", { user: `${id}_subbed@localhost`, nick: "Custom", room: lobby, nodes: "presence" });
    const joinedBefore = probe.log.joined.length;
    expect((await server.api("set_app_pinned_rooms", { appId: id, rooms: [lobby] })).status).toBe(200);
    await idle();
    const aff = await affiliations(lobby);
    expect(aff).toEqual({
      [`${id}_u1@localhost`]: "member",
      [`${id}_u2@localhost`]: "member",
      [`${id}_u3@localhost`]: "member",
      [`${id}_owner@localhost`]: "owner",
      [`${id}_banned@localhost`]: "outcast",
      [`${id}_subbed@localhost`]: "member",
    });
    expect((await server.api("get_subscribers", { name: lobby })).body).toEqual(
      [`${id}_owner@localhost`, `${id}_subbed@localhost`, `${id}_u1@localhost`, `${id}_u2@localhost`, `${id}_u3@localhost`].sort(),
    );
    // An existing subscription keeps its nick and nodes; `messages` is added.
    expect(await subscriptions(`${id}_subbed`)).toEqual([{ roomjid: lobby, usernick: "Custom", nodes: [NODE("presence"), NODE("messages")] }]);
    // One member.join per membership created: u1–u3 (none before); owner and subbed were members already.
    expect(
      probe.log.joined
        .slice(joinedBefore)
        .map(change)
        .filter(([r]) => r === lobby)
        .sort(),
    ).toEqual([`${id}_u1`, `${id}_u2`, `${id}_u3`].map((u) => [lobby, `${u}@localhost`, "pinned"]));
  });

  it("changes nothing already applied when a room is unpinned or the App deleted, and a user who unsubscribes stays unsubscribed", async () => {
    const id = app();
    const lobby = await room(id, "lobby");
    await server.api("set_app_pinned_rooms", { appId: id, rooms: [lobby] });
    await server.api("register", { user: `${id}_carol`, host: "localhost", password: "secret" });
    const carol = await server.connect(`${id}_carol`, { transport, password: "secret" });
    await server.api("set_app_pinned_rooms", { appId: id, rooms: [] });
    expect((await affiliations(lobby))[`${id}_carol@localhost`]).toBe("member");
    expect((await server.api("get_subscribers", { name: lobby })).body).toEqual([`${id}_carol@localhost`]);
    // Decision: enforced only at creation and pin addition; re-pinning does re-apply.
    await server.api("unsubscribe_room", { user: `${id}_carol@localhost`, room: lobby });
    await carol.stop();
    expect((await server.api("get_subscribers", { name: lobby })).body).toEqual([]);
    await server.api("delete_app", { appId: id });
    expect((await affiliations(lobby))[`${id}_carol@localhost`]).toBe("member");
    await server.api("set_app_pinned_rooms", { appId: id, rooms: [lobby] });
    await idle();
    expect((await server.api("get_subscribers", { name: lobby })).body).toEqual([`${id}_carol@localhost`]);
  });

  it("apply_app_pinned_rooms re-runs the job for every pinned room (operator backfill)", async () => {
    const id = app();
    const lobby = await room(id, "lobby");
    await server.api("register", { user: `${id}_dave`, host: "localhost", password: "secret" });
    await server.api("set_app_pinned_rooms", { appId: id, rooms: [lobby] });
    await idle();
    const dave = await server.connect(`${id}_dave`, { transport, password: "secret" });
    await subscribe(dave, lobby, { nodes: [] });
    expect(await subscriptions(`${id}_dave`)).toEqual([{ roomjid: lobby, usernick: `${id}_dave`, nodes: [] }]);
    expect(await server.api("apply_app_pinned_rooms", { appId: id })).toMatchObject({ status: 200, body: 0 });
    await idle();
    expect(await subscriptions(`${id}_dave`)).toEqual([{ roomjid: lobby, usernick: `${id}_dave`, nodes: [NODE("messages")] }]);
  });
});

describe("apps.pinned_exclude: each exclusion can be turned off", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { apps: { pinned_exclude: ["widget"] } } });
  });
  afterAll(() => server.stop());

  it("includes the system account and bots when they are not excluded; widget visitors stay out", async () => {
    await server.api("create_room_with_opts", { name: "65f0a1_lobby", service: SERVICE });
    await server.api("set_app_pinned_rooms", { appId: "65f0a1", rooms: ["65f0a1_lobby"] });
    for (const user of ["65f0a1_65f0a1", "65f0a1_x-bot", "65f0a1_widget-1"]) await server.api("register", { user, host: "localhost", password: "secret" });
    expect((await server.api("get_subscribers", { name: "65f0a1_lobby" })).body).toEqual(["65f0a1_65f0a1@localhost", "65f0a1_x-bot@localhost"]);
  });
});
