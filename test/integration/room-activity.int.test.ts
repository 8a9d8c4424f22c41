// §7.5 room activity (`ns:room:last`) over real sockets: who is listed and in which order, the attributes (name and
// photo from the profile cache, role, ban_status, last_active), authorization as a table of cases, request errors
// with nothing stored changed, the max_items limit, and the cleanup on room destruction and account removal.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient, type Transport } from "../harness/test-client.js";
import { banIq } from "./ban-helpers.js";
import { groupchat, joined, leave, nextId } from "./muc-helpers.js";
import { subscribe } from "./mucsub-helpers.js";
import { activityProbe, nowSeconds, ONLY_MEMBERS, roomLast, seedLastActive, settled, storedRows, type RoomLastOutcome } from "./room-activity-helpers.js";

const H = "localhost";
const SERVICE = `conference.${H}`;
const MAX_ITEMS = 7;
const U = {
  owner: "65f0a1_owner",
  admin: "65f0a1_adm",
  member: "65f0a1_mem",
  outcast: "65f0a1_out",
  subscriber: "65f0a1_sub",
  occupant: "65f0a1_occ",
  stranger: "65f0a1_stranger",
  server: "admin",
} as const;
const full = (u: string) => `${u}@${H}`;
const BIG = Array.from({ length: 12 }, (_, i) => `65f0a1_big${String(i).padStart(2, "0")}`);
const { probe, module } = activityProbe();

let server: TestServer;
let startedAt: number;

beforeAll(async () => {
  startedAt = nowSeconds();
  server = await startTestServer({
    users: [...Object.values(U), ...BIG],
    config: { admins: [full(U.server)], auth: { mechanisms: ["PLAIN"] }, room_last: { max_items: MAX_ITEMS } },
    modules: [module],
  });
});
afterAll(() => server.stop());

/** Creates a room with owner, admin, member and outcast affiliations; `occupant` joins, `subscriber` subscribes. */
async function makeRoom(name: string, clients: Record<"owner" | "occupant" | "subscriber", TestClient>): Promise<string> {
  const affiliations = [`owner=${full(U.owner)}`, `admin=${full(U.admin)}`, `member=${full(U.member)}`, `outcast=${full(U.outcast)}`].join(";");
  expect((await server.api("create_room_with_opts", { name, service: SERVICE, options: { affiliations } })).status).toBe(200);
  const room = `${name}@${SERVICE}`;
  await joined(clients.occupant, `${room}/${U.occupant}`);
  expect((await subscribe(clients.subscriber, room, { nick: U.subscriber })).attrs.type).toBe("result");
  return room;
}

const RANK = ["owner", "admin", "member", "none", "outcast"];
/** §7.5 order, checked on the reply itself: affiliation, then last_active descending, then JID. */
function expectOrdered(items: Record<string, string>[]): void {
  for (let i = 1; i < items.length; i++) {
    const a = items[i - 1]!;
    const b = items[i]!;
    const key = (x: Record<string, string>) => [RANK.indexOf(x.role!), -Number(x.last_active), x.jid!] as const;
    const [ra, la, ja] = key(a);
    const [rb, lb, jb] = key(b);
    expect(ra < rb || (ra === rb && (la < lb || (la === lb && ja < jb))), `${a.jid} before ${b.jid}`).toBe(true);
  }
}

const byJid = (out: RoomLastOutcome) => new Map(out.items.map((i) => [i.jid, i]));

describe.each(["tcp", "ws"] as const)("ns:room:last over %s", (transport: Transport) => {
  const c = {} as Record<"owner" | "occupant" | "subscriber" | "member", TestClient>;
  let room: string;

  beforeAll(async () => {
    c.owner = await server.connect(U.owner, { transport });
    c.occupant = await server.connect(U.occupant, { transport });
    c.subscriber = await server.connect(U.subscriber, { transport });
    c.member = await server.connect(U.member, { transport });
    room = await makeRoom(`65f0a1_act-${transport}`, c);
  });
  afterAll(async () => {
    for (const client of Object.values(c)) await client.stop();
  });

  it("lists affiliated users (outcasts too), subscribers and occupants, in §7.5 order, with every attribute", async () => {
    const out = await roomLast(c.owner, { room });
    expect(out.ok, out.stanza.toString()).toBe(true);
    // Positional: `<query>` is the first child and holds only `<activity>` elements.
    const query = out.stanza.getChildElements()[0]!;
    expect([query.name, query.attrs.xmlns]).toEqual(["query", "ns:room:last"]);
    expect(new Set(query.getChildElements().map((e) => e.name))).toEqual(new Set(["activity"]));
    expect(out.items.map((i) => [i.jid, i.role])).toEqual([
      [full(U.owner), "owner"],
      [full(U.admin), "admin"],
      [full(U.member), "member"],
      ...[[full(U.occupant), "none"], [full(U.subscriber), "none"]].sort((a, b) => {
        const la = Number(byJid(out).get(a[0]!)!.last_active);
        const lb = Number(byJid(out).get(b[0]!)!.last_active);
        return lb - la || (a[0]! < b[0]! ? -1 : 1);
      }),
      [full(U.outcast), "outcast"],
    ]);
    expectOrdered(out.items);
    for (const a of query.getChildElements()) {
      expect(Object.keys(a.attrs)).toEqual(["jid", "name", "role", "ban_status", "last_active", "profile"]);
    }
    expect(byJid(out).get(full(U.owner))).toMatchObject({ name: U.owner, ban_status: "clear", profile: "none" });
    expect(byJid(out).get(full(U.outcast))).toMatchObject({ name: U.outcast, ban_status: "clear", profile: "none", last_active: "0" });
  });

  it("last_active: membership start for members who never showed up, join time for occupants, 0 for outcasts", async () => {
    const items = byJid(await roomLast(c.owner, { room }));
    const now = nowSeconds();
    for (const u of [U.owner, U.admin, U.member, U.subscriber, U.occupant]) {
      const t = Number(items.get(full(u))!.last_active);
      expect(t, u).toBeGreaterThanOrEqual(startedAt);
      expect(t, u).toBeLessThanOrEqual(now);
    }
    expect(items.get(full(U.outcast))!.last_active).toBe("0");
  });

  it("last_active follows a groupchat message, a join and a leave", async () => {
    const old = 1_000_000; // 1970, in ms: anything newer proves the update
    const lastOf = async (u: string) => Number(byJid(await roomLast(c.owner, { room })).get(full(u))!.last_active);

    await seedLastActive(probe, room, full(U.occupant), old);
    expect(await lastOf(U.occupant)).toBe(1_000);
    const t0 = nowSeconds();
    await c.occupant.send(groupchat(room, "hello"));
    await settled(c.occupant);
    expect(await lastOf(U.occupant)).toBeGreaterThanOrEqual(t0);

    // A member (listed whether joined or not) joins, then leaves.
    await seedLastActive(probe, room, full(U.member), old);
    expect(await lastOf(U.member)).toBe(1_000);
    const t1 = nowSeconds();
    await joined(c.member, `${room}/${U.member}`);
    expect(await lastOf(U.member)).toBeGreaterThanOrEqual(t1);

    await seedLastActive(probe, room, full(U.member), old);
    const t2 = nowSeconds();
    await leave(c.member, `${room}/${U.member}`);
    expect(await lastOf(U.member)).toBeGreaterThanOrEqual(t2);

    // A subscriber's message (sent without joining, §5.7) counts too.
    await seedLastActive(probe, room, full(U.subscriber), old);
    const t3 = nowSeconds();
    await c.subscriber.send(groupchat(room, "from afar"));
    await settled(c.subscriber);
    expect(await lastOf(U.subscriber)).toBeGreaterThanOrEqual(t3);
  });

  it("names and photos come from the vCard, else <data> (any namespace), else the localpart / none", async () => {
    const vcardId = nextId("vc");
    await c.member.send(
      xml("iq", { type: "set", id: vcardId }, xml("vCard", { xmlns: "vcard-temp" }, xml("FN", {}, "Mem Vcard"), xml("URL", {}, "https://cdn/mem.png"))),
    );
    await c.member.receive((s) => s.is("iq") && s.attrs.id === vcardId && s.attrs.type === "result");
    await joined(c.member, `${room}/${U.member}`);
    // The vCard wins over the member's own <data>.
    await c.member.send(groupchat(room, "hi", nextId(), xml("data", { xmlns: "wss://chat.example.com/ws", fullName: "Mem Data", photo: "https://cdn/d.png" })));
    await c.occupant.send(
      groupchat(room, "hi", nextId(), xml("data", { xmlns: "wss://chat.example.com/ws", senderFirstName: "Occ", senderLastName: "Upant", profileImage: "https://cdn/o.png" })),
    );
    await c.subscriber.send(groupchat(room, "hi", nextId(), xml("data", { fullName: "Sub Scriber" })));
    await Promise.all([settled(c.member), settled(c.occupant), settled(c.subscriber)]);

    const items = byJid(await roomLast(c.owner, { room }));
    const view = (u: string) => [items.get(full(u))!.name, items.get(full(u))!.profile];
    expect(view(U.member)).toEqual(["Mem Vcard", "https://cdn/mem.png"]);
    expect(view(U.occupant)).toEqual(["Occ Upant", "https://cdn/o.png"]);
    expect(view(U.subscriber)).toEqual(["Sub Scriber", "none"]);
    expect(view(U.owner)).toEqual([U.owner, "none"]);
    expect(view(U.outcast)).toEqual([U.outcast, "none"]);
  });

  it("accepts a bare room localpart, resolved against the MUC service", async () => {
    const byLocal = await roomLast(c.owner, { room: room.split("@")[0]! });
    expect(byLocal.ok).toBe(true);
    expect(byLocal.items.map((i) => i.jid)).toEqual((await roomLast(c.owner, { room })).items.map((i) => i.jid));
  });
});

describe("ns:room:last authorization, errors, bans, limits, cleanup (tcp)", () => {
  const c = {} as Record<keyof typeof U, TestClient>;
  let room: string;

  beforeAll(async () => {
    for (const [k, u] of Object.entries(U) as [keyof typeof U, string][]) c[k] = await server.connect(u, { transport: "tcp" });
    room = await makeRoom("65f0a1_rules", c);
  });

  // §7.5 Authorization: occupants, room members (affiliated member or subscriber, not outcast) and server admins.
  it.each([
    ["owner", true],
    ["admin", true],
    ["member", true],
    ["subscriber", true],
    ["occupant", true],
    ["server", true],
    ["outcast", false],
    ["stranger", false],
  ] as const)("%s may query: %s", async (who, allowed) => {
    const before = await storedRows(probe, room);
    const out = await roomLast(c[who], { room });
    if (allowed) {
      expect(out.ok, out.stanza.toString()).toBe(true);
      expect(out.items.length).toBe(6);
    } else {
      expect({ error: out.error, text: out.text }).toEqual({ error: "auth/forbidden", text: ONLY_MEMBERS });
    }
    expect(await storedRows(probe, room)).toEqual(before);
  });

  it.each([
    ["no room attribute", {}, {}, "modify/bad-request"],
    ["an empty room attribute", { room: "" }, {}, "modify/bad-request"],
    ["a malformed room JID", { room: "a@b@c" }, {}, "modify/bad-request"],
    ["an unknown room", { room: `65f0a1_nowhere@${SERVICE}` }, {}, "cancel/item-not-found"],
    ["an unknown room localpart", { room: "65f0a1_nowhere" }, {}, "cancel/item-not-found"],
    ["an IQ set", { room: "@ROOM" }, { type: "set" as const }, "modify/bad-request"],
    ["a `to` naming another user", { room: "@ROOM" }, { to: full(U.member) }, "auth/forbidden"],
  ])("refuses %s with nothing stored changed", async (_label, attrs: Record<string, string>, options, expected) => {
    const before = await storedRows(probe, room);
    const resolved = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, v === "@ROOM" ? room : v]));
    const out = await roomLast(c.owner, resolved, options);
    expect(out.error, out.stanza.toString()).toBe(expected);
    expect(await storedRows(probe, room)).toEqual(before);
  });

  it("accepts `to` = own bare JID or the host, replying from the requester's bare JID", async () => {
    for (const to of [full(U.owner), H]) {
      const out = await roomLast(c.owner, { room }, { to });
      expect(out.ok).toBe(true);
      expect(out.stanza.attrs.from).toBe(full(U.owner));
    }
  });

  it("ban_status is banned under a live §7.6 ban (room or all), clear otherwise and after unban", async () => {
    const status = async () => new Map((await roomLast(c.owner, { room })).items.map((i) => [i.jid, i.ban_status]));
    expect((await banIq(c.owner, { action: "ban", user: full(U.member), type: "room", room })).ok).toBe(true);
    expect((await banIq(c.server, { action: "ban", user: full(U.subscriber), type: "all" })).ok).toBe(true);
    expect((await banIq(c.owner, { action: "ban", user: full(U.occupant), type: "room", room: `65f0a1_act-tcp@${SERVICE}` })).ok).toBe(true);
    const banned = await status();
    expect(banned.get(full(U.member))).toBe("banned");
    expect(banned.get(full(U.subscriber))).toBe("banned");
    // A ban in another room does not apply here.
    expect(banned.get(full(U.occupant))).toBe("clear");
    expect(banned.get(full(U.owner))).toBe("clear");
    expect((await banIq(c.owner, { action: "unban", user: full(U.member), type: "room", room })).ok).toBe(true);
    expect((await banIq(c.server, { action: "unban", user: full(U.subscriber), type: "all" })).ok).toBe(true);
    expect((await banIq(c.owner, { action: "unban", user: full(U.occupant), type: "room", room: `65f0a1_act-tcp@${SERVICE}` })).ok).toBe(true);
    expect([...(await status()).values()]).toEqual(Array(6).fill("clear"));
  });

  it("orders by affiliation, then last_active, then JID, and stops at room_last.max_items", async () => {
    const name = "65f0a1_big";
    const affiliations = [`owner=${full(BIG[0]!)}`, ...BIG.slice(1).map((u) => `member=${full(u)}`)].join(";");
    expect((await server.api("create_room_with_opts", { name, service: SERVICE, options: { affiliations } })).status).toBe(200);
    const big = `${name}@${SERVICE}`;
    // Known activity times: member i was last active at 1000 + (i % 4) seconds (ties broken by JID).
    for (let i = 1; i < BIG.length; i++) await seedLastActive(probe, big, full(BIG[i]!), (1_000 + (i % 4)) * 1_000);
    const out = await roomLast(c.server, { room: big });
    const expected = [
      [full(BIG[0]!), "owner"],
      ...BIG.slice(1)
        .map((u, j) => [full(u), 1_000 + ((j + 1) % 4)] as const)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .map(([jid]) => [jid, "member"]),
    ].slice(0, MAX_ITEMS);
    expect(out.items.map((i) => [i.jid, i.role])).toEqual(expected);
    expect(out.items[1]!.last_active).toBe("1003");
  });

  it("forgets a destroyed room's activity and a removed account's", async () => {
    const name = "65f0a1_gone";
    expect((await server.api("create_room_with_opts", { name, service: SERVICE, options: { affiliations: `owner=${full(U.owner)}` } })).status).toBe(200);
    const gone = `${name}@${SERVICE}`;
    await joined(c.stranger, `${gone}/${U.stranger}`);
    await c.stranger.send(groupchat(gone, "bye"));
    await settled(c.stranger);
    expect((await storedRows(probe, gone)).map((r) => r[0])).toContain(full(U.stranger));
    expect((await server.api("destroy_room", { name, service: SERVICE })).status).toBe(200);
    expect(await storedRows(probe, gone)).toEqual([]);

    expect((await storedRows(probe, room)).map((r) => r[0])).toContain(full(U.occupant));
    await c.occupant.stop();
    expect((await server.api("unregister", { user: U.occupant, host: H })).status).toBe(200);
    expect((await storedRows(probe, room)).map((r) => r[0])).not.toContain(full(U.occupant));
    expect((await roomLast(c.owner, { room })).items.map((i) => i.jid)).not.toContain(full(U.occupant));
  });
});
