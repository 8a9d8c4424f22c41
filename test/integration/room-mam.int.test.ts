// Who may query a room's archive (PROTOCOL §6.4 "Room archive access", §4 tenant guard, §2.6 anonymous, §5
// subscribers), in the ethora profile with admin-created rooms and App-prefixed users, over TCP and WebSocket;
// rooms with `mam` off, refusals without result messages (§6.6), and the audit hook of §6.8.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HistoryAccess } from "../../src/core/hook-map.js";
import { defineModule } from "../../src/core/module.js";
import { rawSession, type RawSession } from "../harness/raw-session.js";
import { xml, type TestClient } from "../harness/test-client.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { iqReply, iqGet, joined, nextId } from "./muc-helpers.js";
import { MAM2, outcome, post, queryIq, queryRoom, rawOutcome, rsmOf } from "./room-mam-helpers.js";

const SERVICE = "conference.localhost";
const OPEN = `65f0a1_open@${SERVICE}`;
const CLOSED = `65f0a1_closed@${SERVICE}`;
const NOMAM = `65f0a1_nomam@${SERVICE}`;
const BANNED = "auth/forbidden/You have been banned from this room";
const ONLY_MEMBERS = "auth/forbidden/Only members may query archives of this room";
const ANONYMOUS = "auth/forbidden/anonymous not allowed";
const WRONG_APP = "auth/forbidden/wrong app name";
const NO_MAM = "cancel/service-unavailable/";

type Requester = "owner" | "member" | "none" | "outcast" | "anonymous" | "admin" | "other-app" | "subscriber";
const USERS: Record<Exclude<Requester, "anonymous">, string> = {
  owner: "65f0a1_alice",
  member: "65f0a1_bob",
  none: "65f0a1_carol",
  outcast: "65f0a1_dave",
  admin: "admin",
  "other-app": "77aa00_mallory",
  subscriber: "65f0a1_erin",
};
const AFFILIATIONS = "owner=65f0a1_alice@localhost;member=65f0a1_bob@localhost;outcast=65f0a1_dave@localhost";

/** [room, requester, outcome]: the owner posted two messages in each room; nobody but the owner is joined. */
const MATRIX: [string, Requester, string][] = [
  [OPEN, "owner", "ok:2"],
  [OPEN, "member", "ok:2"],
  [OPEN, "none", "ok:2"],
  [OPEN, "outcast", BANNED],
  [OPEN, "anonymous", ANONYMOUS],
  [OPEN, "admin", "ok:2"],
  [OPEN, "other-app", WRONG_APP],
  [CLOSED, "owner", "ok:2"],
  [CLOSED, "member", "ok:2"],
  [CLOSED, "none", ONLY_MEMBERS],
  [CLOSED, "outcast", ONLY_MEMBERS],
  [CLOSED, "anonymous", ANONYMOUS],
  [CLOSED, "admin", "ok:2"],
  // mallory is an affiliated member of the closed room: the App check still comes first (§6.4).
  [CLOSED, "other-app", WRONG_APP],
  [CLOSED, "subscriber", "ok:2"],
  [NOMAM, "owner", NO_MAM],
  [NOMAM, "admin", NO_MAM],
  [NOMAM, "other-app", WRONG_APP],
  [NOMAM, "anonymous", ANONYMOUS],
];

describe("room archive access, ethora profile", () => {
  let server: TestServer;
  const clients = new Map<Requester, TestClient>();
  let anonymous: RawSession;
  const accesses: HistoryAccess[] = [];
  const probe = defineModule({
    name: "history-probe",
    setup(ctx) {
      ctx.hooks.on("history.accessed", (access) => void accesses.push(access));
    },
  });

  beforeAll(async () => {
    server = await startTestServer({
      users: Object.values(USERS),
      config: { auth: { mechanisms: ["PLAIN"], anonymous: true } },
      modules: [probe],
    });
    const create = async (name: string, options: Record<string, string>) =>
      expect((await server.api("create_room_with_opts", { name, service: SERVICE, options: { affiliations: AFFILIATIONS, ...options } })).status).toBe(200);
    await create("65f0a1_open", {});
    await create("65f0a1_closed", { members_only: "true", affiliations: `${AFFILIATIONS};member=77aa00_mallory@localhost` });
    await create("65f0a1_nomam", { mam: "false" });
    // §8.5: an admin subscription skips the membership check, so erin is a subscriber with no affiliation.
    const sub = await server.api("subscribe_room", { user: "65f0a1_erin@localhost", nick: "65f0a1_erin", room: CLOSED, nodes: "urn:xmpp:mucsub:nodes:messages" });
    expect(sub.status).toBe(200);
    for (const [requester, user] of Object.entries(USERS) as [Requester, string][]) {
      clients.set(requester, await server.connect(user, { transport: requester === "member" || requester === "subscriber" ? "ws" : "tcp" }));
    }
    anonymous = await rawSession(server, "tcp", "anonymous");
    const alice = clients.get("owner") as TestClient;
    for (const room of [OPEN, CLOSED, NOMAM]) {
      await joined(alice, `${room}/65f0a1_alice`);
      await post(alice, room, `first in ${room}`);
      await post(alice, room, `second in ${room}`);
    }
  });
  afterAll(async () => {
    anonymous.raw.close();
    await server.stop();
  });

  it.each(MATRIX)("%s queried by %s: %s", async (room, requester, expected) => {
    const result = requester === "anonymous" ? await rawOutcome(anonymous.raw, room) : await outcome(clients.get(requester) as TestClient, room);
    expect(result).toBe(expected);
  });

  it("returns the room's entries to a non-occupant, oldest first, from the room JID", async () => {
    const carol = clients.get("none") as TestClient;
    const reply = await queryRoom(carol, OPEN);
    expect(reply.results.map((r) => [r.attrs.from, r.attrs.to])).toEqual([[OPEN, carol.jid], [OPEN, carol.jid]]);
    const inner = reply.results.map((r) => r.getChild("result", MAM2)?.getChild("forwarded", "urn:xmpp:forward:0")?.getChild("message"));
    expect(inner.map((m) => [m?.attrs.from, m?.getChildText("body")])).toEqual([[`${OPEN}/65f0a1_alice`, `first in ${OPEN}`], [`${OPEN}/65f0a1_alice`, `second in ${OPEN}`]]);
    expect(rsmOf(reply.fin)).toMatchObject({ complete: "true", index: "0", count: "2" });
  });

  it("answers a query sent right behind the join presence, before the join completed", async () => {
    const bob = clients.get("member") as TestClient;
    const start = bob.received.length;
    const join = xml("presence", { to: `${CLOSED}/65f0a1_bob`, id: nextId("join") }, xml("x", { xmlns: "http://jabber.org/protocol/muc" }));
    const query = queryIq(CLOSED);
    await bob.send(join);
    const reply = await iqReply(bob, query);
    expect(reply.attrs.type).toBe("result");
    expect(bob.received.slice(start).filter((s) => s.is("message") && s.getChild("result", MAM2) !== undefined)).toHaveLength(2);
  });

  it("refuses unknown rooms, mam:tmp queries and malformed ids with the IQ error alone", async () => {
    const alice = clients.get("owner") as TestClient;
    expect(await outcome(alice, `65f0a1_missing@${SERVICE}`)).toBe("cancel/item-not-found/Conference room does not exist");
    expect(await outcome(alice, OPEN, { ns: "urn:xmpp:mam:tmp" })).toBe("cancel/service-unavailable/");
    expect(await outcome(alice, OPEN, { before: "12abc" })).toMatch(/^modify\/bad-request\//);
    expect(await outcome(alice, OPEN, { after: "-1" })).toMatch(/^modify\/bad-request\//);
  });

  it("advertises MAM in disco#info only for rooms that keep an archive (§3.12)", async () => {
    const carol = clients.get("none") as TestClient;
    const features = async (room: string) =>
      ((await iqReply(carol, iqGet(room, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })))).getChild("query")?.getChildren("feature") ?? []).map((f) => f.attrs.var);
    expect(await features(OPEN)).toEqual(expect.arrayContaining([MAM2, "urn:xmpp:mam:1"]));
    expect(await features(NOMAM)).not.toContain(MAM2);
    expect(await features(NOMAM)).not.toContain("urn:xmpp:mam:1");
  });

  it("audits completed and refused queries through history.accessed (§6.8)", async () => {
    const bob = clients.get("member") as TestClient;
    const carol = clients.get("none") as TestClient;
    accesses.length = 0;
    await queryRoom(bob, OPEN, { max: 1, before: "", queryid: "audit-1" });
    await queryRoom(carol, CLOSED, { max: 5, after: "17", queryid: "audit-2" });
    expect(accesses.map((a) => ({ ...a, requester: a.requester.toString(), archive: a.archive.toString() }))).toEqual([
      {
        outcome: "completed", requester: bob.jid, archive: OPEN, archiveType: "room", queryId: "audit-1",
        max: 1, before: "", after: undefined, returned: 1, count: 2, complete: false, error: undefined,
      },
      {
        outcome: "refused", requester: carol.jid, archive: CLOSED, archiveType: "room", queryId: "audit-2",
        max: 5, before: undefined, after: "17", returned: 0, count: undefined, complete: undefined,
        error: { condition: "forbidden", text: "Only members may query archives of this room" },
      },
    ]);
  });
});
