// §7.6 user ban requests over real sockets: the authorization matrix (actor × target × type), validation
// errors with nothing stored, reply and list shapes at byte level, and get_list visibility; TCP and WebSocket.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawSession } from "../harness/raw-session.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient, type Transport } from "../harness/test-client.js";
import { banIq, listBans, NOT_ENOUGH, NS_BAN, SELF } from "./ban-helpers.js";
import { iqReply, nextId } from "./muc-helpers.js";

const H = "localhost";
const SERVICE = `conference.${H}`;
const ROOM = `65f0a1_matrix@${SERVICE}`;
const ACTORS = {
  owner: "65f0a1_owner",
  admin: "65f0a1_admin",
  member: "65f0a1_member",
  none: "65f0a1_none",
  outcast: "65f0a1_outcast",
  "server admin": "admin",
  "app owner": "65f0a1_65f0a1",
} as const;
type Actor = keyof typeof ACTORS;
const TARGETS = ["owner", "admin", "member", "none", "outcast", "self", "server admin", "app owner"] as const;
type Target = (typeof TARGETS)[number];
const TARGET_USERS: Record<Exclude<Target, "self">, string> = {
  owner: "65f0a1_towner",
  admin: "65f0a1_tadmin",
  member: "65f0a1_tmember",
  none: "65f0a1_tnone",
  outcast: "65f0a1_toutcast",
  "server admin": "admin2",
  "app owner": "65f0a1_boss",
};
const USERS = [...Object.values(ACTORS), ...Object.values(TARGET_USERS), "65f0a1_carol", "77aa00_zed", "legacyuser"];
const AFFILIATIONS = [
  "owner=65f0a1_owner",
  "owner=65f0a1_towner",
  "admin=65f0a1_admin",
  "admin=65f0a1_tadmin",
  "member=65f0a1_member",
  "member=65f0a1_tmember",
  "outcast=65f0a1_outcast",
  "outcast=65f0a1_toutcast",
]
  .map((a) => `${a}@${H}`)
  .join(";");

type Verdict = "ok" | "no" | "self";
// The §7.6 matrix, one row per (type, actor), one column per target in TARGETS order:
//                                       owner admin member none  outcast self    srv-admin app-owner
const MATRIX: [type: "room" | "all", actor: Actor, verdicts: Verdict[]][] = [
  ["room", "owner",        ["no", "ok", "ok", "ok", "ok", "self", "no", "ok"]],
  ["room", "admin",        ["no", "no", "ok", "ok", "ok", "self", "no", "ok"]],
  ["room", "member",       ["no", "no", "no", "no", "no", "self", "no", "no"]],
  ["room", "none",         ["no", "no", "no", "no", "no", "self", "no", "no"]],
  ["room", "outcast",      ["no", "no", "no", "no", "no", "self", "no", "no"]],
  ["room", "server admin", ["no", "ok", "ok", "ok", "ok", "self", "no", "ok"]],
  ["room", "app owner",    ["no", "no", "no", "no", "no", "self", "no", "no"]],
  ["all",  "owner",        ["no", "no", "no", "no", "no", "self", "no", "no"]],
  ["all",  "admin",        ["no", "no", "no", "no", "no", "self", "no", "no"]],
  ["all",  "member",       ["no", "no", "no", "no", "no", "self", "no", "no"]],
  ["all",  "none",         ["no", "no", "no", "no", "no", "self", "no", "no"]],
  ["all",  "outcast",      ["no", "no", "no", "no", "no", "self", "no", "no"]],
  ["all",  "server admin", ["ok", "ok", "ok", "ok", "ok", "self", "no", "no"]],
  ["all",  "app owner",    ["ok", "ok", "ok", "ok", "ok", "self", "no", "no"]],
];
const CASES = MATRIX.flatMap(([type, actor, verdicts]) => TARGETS.map((target, i) => [type, actor, target, verdicts[i] as Verdict] as const));

let server: TestServer;
const clients = new Map<Actor, TestClient>();

beforeAll(async () => {
  server = await startTestServer({
    users: USERS,
    config: { admins: [`admin@${H}`, `admin2@${H}`], auth: { mechanisms: ["PLAIN"] } },
  });
  expect((await server.api("create_app", { appId: "65f0a1", owners: [`65f0a1_boss@${H}`] })).status).toBe(200);
  expect((await server.api("create_room_with_opts", { name: "65f0a1_matrix", service: SERVICE, options: { affiliations: AFFILIATIONS } })).status).toBe(200);
  for (const [actor, user] of Object.entries(ACTORS) as [Actor, string][]) clients.set(actor, await server.connect(user, { transport: "tcp" }));
});
afterAll(() => server.stop());

const client = (actor: Actor) => clients.get(actor) as TestClient;

describe("§7.6 authorization matrix", () => {
  it.each(CASES)("type=%s: %s bans %s -> %s", async (type, actor, target, verdict) => {
    const user = target === "self" ? `${ACTORS[actor]}@${H}` : `${TARGET_USERS[target]}@${H}`;
    const scope = type === "room" ? { type, room: ROOM } : { type };
    const stored = async () => (await listBans(client("server admin"), scope)).filter((i) => i.user === user);

    const ban = await banIq(client(actor), { action: "ban", user, ...scope, comment: "matrix" });
    if (verdict === "ok") {
      expect(ban.ok, ban.stanza.toString()).toBe(true);
      expect(await stored()).toEqual([expect.objectContaining({ user, type, by: `${ACTORS[actor]}@${H}`, comment: "matrix" })]);
      expect((await banIq(client(actor), { action: "unban", user, ...scope })).ok).toBe(true);
      expect(await stored()).toEqual([]);
      return;
    }
    const text = verdict === "self" ? SELF : NOT_ENOUGH;
    expect({ error: ban.error, text: ban.text }).toEqual({ error: "auth/forbidden", text });
    expect(await stored()).toEqual([]);
    // Unban follows the same matrix.
    const unban = await banIq(client(actor), { action: "unban", user, ...scope });
    expect({ error: unban.error, text: unban.text }).toEqual({ error: "auth/forbidden", text });
  });

  it.each([
    ["owner", true],
    ["admin", true],
    ["member", false],
    ["none", false],
    ["outcast", false],
    ["server admin", true],
    ["app owner", false],
  ] as const)("get_list type=room by %s -> allowed %s", async (actor, allowed) => {
    const out = await banIq(client(actor), { action: "get_list", room: ROOM });
    expect(out.ok ? "ok" : `${out.error} ${out.text}`).toBe(allowed ? "ok" : `auth/forbidden ${NOT_ENOUGH}`);
  });

  it("get_list type=all: a server admin sees every entry, an App owner their App's, others are refused", async () => {
    const admin = client("server admin");
    const targets = [`65f0a1_carol@${H}`, `77aa00_zed@${H}`, `legacyuser@${H}`];
    for (const user of targets) expect((await banIq(admin, { action: "ban", type: "all", user, time: "3600" })).ok).toBe(true);
    const all = await listBans(admin, { type: "all" });
    expect(all.map((i) => i.user)).toEqual(targets);
    for (const item of all) expect(Object.keys(item)).toEqual(["user", "type", "expires", "comment", "by"]);
    expect((await listBans(client("app owner"), { type: "all" })).map((i) => i.user)).toEqual([`65f0a1_carol@${H}`]);
    const refused = await banIq(client("owner"), { action: "get_list", type: "all" });
    expect([refused.error, refused.text]).toEqual(["auth/forbidden", NOT_ENOUGH]);
    for (const user of targets) expect((await banIq(admin, { action: "unban", type: "all", user })).ok).toBe(true);
    expect(await listBans(admin, { type: "all" })).toEqual([]);
  });
});

describe("discovery", () => {
  it("advertises ns:deepx:muc:user:ban in the host's disco#info (§7 preamble)", async () => {
    const reply = await iqReply(client("member"), xml("iq", { type: "get", to: H, id: nextId("disco") }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
    expect((reply.getChild("query")?.getChildren("feature") ?? []).map((f) => f.attrs.var)).toContain(NS_BAN);
  });
});

describe.each<Transport>(["tcp", "ws"])("§7.6 requests over %s", (transport) => {
  const room = `65f0a1_shape${transport}@${SERVICE}`;
  let owner: TestClient;

  beforeAll(async () => {
    const name = room.split("@")[0] as string;
    const affiliations = `owner=65f0a1_owner@${H};member=65f0a1_tmember@${H}`;
    expect((await server.api("create_room_with_opts", { name, service: SERVICE, options: { affiliations } })).status).toBe(200);
    owner = await server.connect("65f0a1_owner", { transport });
  });

  const snapshot = async () => [await listBans(owner, { room }), await listBans(client("server admin"), { type: "all" })];

  it.each([
    ["no action", "set", { user: "65f0a1_tnone@localhost", room: "ROOM" }, "modify/bad-request"],
    ["unknown action", "set", { action: "kick", user: "65f0a1_tnone@localhost", room: "ROOM" }, "modify/bad-request"],
    ["unknown type", "set", { action: "ban", type: "global", user: "65f0a1_tnone@localhost", room: "ROOM" }, "modify/bad-request"],
    ["type=room without room", "set", { action: "ban", user: "65f0a1_tnone@localhost" }, "modify/bad-request"],
    ["unknown room JID", "set", { action: "ban", user: "65f0a1_tnone@localhost", room: `65f0a1_nosuch@${SERVICE}` }, "cancel/item-not-found"],
    ["unknown room localpart", "set", { action: "ban", user: "65f0a1_tnone@localhost", room: "65f0a1_nosuch" }, "cancel/item-not-found"],
    ["room on no MUC service", "set", { action: "ban", user: "65f0a1_tnone@localhost", room: "65f0a1_x@elsewhere.example" }, "cancel/item-not-found"],
    ["ban without user", "set", { action: "ban", room: "ROOM" }, "modify/bad-request"],
    ["unban without user", "set", { action: "unban", room: "ROOM" }, "modify/bad-request"],
    ["malformed user", "set", { action: "ban", user: "a@b@", room: "ROOM" }, "modify/bad-request"],
    ["user without localpart", "set", { action: "ban", user: "localhost", room: "ROOM" }, "modify/bad-request"],
    ["negative time", "set", { action: "ban", user: "65f0a1_tnone@localhost", room: "ROOM", time: "-1" }, "modify/bad-request"],
    ["fractional time", "set", { action: "ban", user: "65f0a1_tnone@localhost", room: "ROOM", time: "1.5" }, "modify/bad-request"],
    ["non-numeric time", "set", { action: "ban", user: "65f0a1_tnone@localhost", room: "ROOM", time: "soon" }, "modify/bad-request"],
    ["comment over 1024 characters", "set", { action: "ban", user: "65f0a1_tnone@localhost", room: "ROOM", comment: "x".repeat(1025) }, "modify/bad-request"],
    ["ban as an IQ get", "get", { action: "ban", user: "65f0a1_tnone@localhost", room: "ROOM" }, "modify/bad-request"],
  ] as const)("%s -> %s, nothing stored", async (_label, type, attrs, expected) => {
    const before = await snapshot();
    const resolved = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, v === "ROOM" ? room : v]));
    const out = await banIq(owner, resolved, type);
    expect(out.error).toBe(expected);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a request addressed to another user (§7 preamble), nothing stored", async () => {
    const before = await snapshot();
    const out = await banIq(owner, { action: "ban", user: `65f0a1_tnone@${H}`, room }, "set", `65f0a1_admin@${H}`);
    expect(out.error).toBe("auth/forbidden");
    expect(await snapshot()).toEqual(before);
  });

  it("strips the user's resource, resolves a room localpart, accepts get_list as IQ get, unbans twice", async () => {
    const name = room.split("@")[0] as string;
    expect((await banIq(owner, { action: "ban", user: `65F0A1_TNONE@${H}/phone`, room: name, comment: "y".repeat(1024) })).ok).toBe(true);
    const items = (await banIq(owner, { action: "get_list", room: name }, "get")).stanza.getChild("query")?.getChildren("item") ?? [];
    expect(items.map((i) => [i.attrs.user, i.attrs.room, i.attrs.expires])).toEqual([[`65f0a1_tnone@${H}`, room, "0"]]);
    expect((await banIq(owner, { action: "unban", user: `65f0a1_tnone@${H}`, room })).ok).toBe(true);
    expect((await banIq(owner, { action: "unban", user: `65f0a1_tnone@${H}`, room })).ok).toBe(true);
    expect(await listBans(owner, { room })).toEqual([]);
  });

  it("replies and lists exactly as §7.6 shows (byte level)", async () => {
    const { raw, jid } = await rawSession(server, transport, { user: "65f0a1_owner", resource: "res1" });
    const me = `65f0a1_owner@${H}`;
    const open = transport === "ws" ? `<iq xmlns="jabber:client"` : "<iq";
    const reply = (id: string) => raw.waitFor(new RegExp(`<iq [^>]*id="${id}"[\\s\\S]*?</iq>|<iq [^>]*id="${id}"[^>]*/>`)).then((t) => new RegExp(`<iq [^>]*id="${id}"[\\s\\S]*?</iq>`).exec(t)?.[0]);
    const before = Date.now();
    raw.send(`<iq type="set" id="ban"><query xmlns="ns:deepx:muc:user:ban" action="ban" user="65f0a1_tmember@${H}" type="room" room="${room}" time="2592000" comment="Spam &amp; eggs"/></iq>`);
    expect(await reply("ban")).toBe(`${open} type="result" id="ban" from="${me}" to="${jid}"><query xmlns="ns:deepx:muc:user:ban"><result status="success"/></query></iq>`);
    const after = Date.now();
    raw.send(`<iq type="set" id="ban2"><query xmlns="ns:deepx:muc:user:ban" action="ban" user="65f0a1_tnone@${H}" room="${room}"/></iq>`);
    await reply("ban2");
    raw.send(`<iq type="set" id="getBannedUserListOfRoom"><query xmlns="ns:deepx:muc:user:ban" action="get_list" type="room" room="${room}"/></iq>`);
    const list = (await reply("getBannedUserListOfRoom")) ?? "";
    const expires = Number(/expires="(\d+)"/.exec(list)?.[1]);
    expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 2592000);
    expect(expires).toBeLessThanOrEqual(Math.floor(after / 1000) + 2592000);
    expect(list).toBe(
      `${open} type="result" id="getBannedUserListOfRoom" from="${me}" to="${jid}"><query xmlns="ns:deepx:muc:user:ban">` +
        `<item user="65f0a1_tmember@${H}" type="room" room="${room}" expires="${expires}" comment="Spam &amp; eggs" by="${me}"/>` +
        `<item user="65f0a1_tnone@${H}" type="room" room="${room}" expires="0" comment="" by="${me}"/>` +
        `</query></iq>`,
    );
    raw.close();
    for (const user of ["65f0a1_tmember", "65f0a1_tnone"]) expect((await banIq(owner, { action: "unban", user: `${user}@${H}`, room })).ok).toBe(true);
  });
});
