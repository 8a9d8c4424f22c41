// The Ethora user block plugin over real sockets (PROTOCOL §7.7, §6.8): the three IQs (bytes, @xmpp/client over TCP
// and WebSocket), request rules and the size limit, and server-side block filtering of room messages, MucSub events
// (online and offline subscribers), 1:1 messages (online with carbons, offline), invitations and MAM results.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockingModule, BlockListName } from "../../src/modules/blocking/blocking.module.js";
import { mucsubModule } from "../../src/modules/mucsub/mucsub.module.js";
import { parseJid } from "../../src/xmpp/jid.js";
import { rawSession } from "../harness/raw-session.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient, type Transport, type XmlElement } from "../harness/test-client.js";
import { errorOf, groupchat, iqReply, joined, nextId } from "./muc-helpers.js";
import { hookProbe, isWrappedMessage, subscribe, wrapped } from "./mucsub-helpers.js";
import { bodies, queryRoom, rsmOf } from "./room-mam-helpers.js";
import { block, blocklist, NS_BLOCK, NS_BLOCKLIST, NS_UNBLOCK, queryOwn, sync, unblock, userBlockIq } from "./user-block-helpers.js";

const SERVICE = "conference.localhost";
const TRANSPORTS: Transport[] = ["tcp", "ws"];
const ROLES = ["b", "x", "c", "boff", "bmam", "xmam", "lim", "raw"] as const;
const probe = hookProbe();
let server: TestServer;
let roomSeq = 0;

beforeAll(async () => {
  const users = TRANSPORTS.flatMap((t) => ROLES.map((r) => `65f0a1_${r}_${t}`));
  server = await startTestServer({ users, config: { block: { max_items: 3 } }, modules: [probe.module] });
});
afterAll(() => server.stop());

const idle = () => server.server.modules.api(mucsubModule).idle();

async function createRoom(owner: string): Promise<string> {
  const name = `65f0a1_blk${++roomSeq}${Math.random().toString(36).slice(2, 6)}`;
  const reply = await server.api("create_room_with_opts", { name, service: SERVICE, options: { affiliations: `owner=${owner}@localhost` } });
  expect(reply.status).toBe(200);
  return `${name}@${SERVICE}`;
}

const nick = (c: TestClient) => parseJid(c.jid).local;
const chat = (to: string, body: string, id = nextId("chat")) => xml("message", { to, type: "chat", id }, xml("body", {}, body));
const withId = (id: string) => (s: XmlElement) => s.attrs.id === id || wrapped(s)?.attrs.id === id;

describe("user block IQs on the wire (raw bytes)", () => {
  it("answers block with an empty result and the blocklist exactly as §7.7 shows", async () => {
    const { raw, jid } = await rawSession(server, "tcp", { user: "65f0a1_raw_tcp", resource: "res1" });
    raw.send(`<iq type="set" id="addToBlackList"><query xmlns="${NS_BLOCK}" user="65f0a1_x_tcp@localhost"/></iq>`);
    await raw.waitFor(`<iq type="result" id="addToBlackList" from="65f0a1_raw_tcp@localhost" to="${jid}"/>`);
    raw.send(`<iq type="get" id="blackList"><query xmlns="${NS_BLOCKLIST}"/></iq>`);
    const text = await raw.waitFor(/id="blackList"[\s\S]*?<\/iq>/);
    expect(/<iq type="result" id="blackList"[\s\S]*?<\/iq>/.exec(text)?.[0]).toMatch(
      new RegExp(`^<iq type="result" id="blackList" from="65f0a1_raw_tcp@localhost" to="${jid}"><query xmlns="${NS_BLOCKLIST}"><item user="65f0a1_x_tcp@localhost" date="\\d{10}" fullname="[^"]+"/></query></iq>$`),
    );
    raw.send(`<iq type="set" id="removeFromBlackList"><query xmlns="${NS_UNBLOCK}" user="65f0a1_x_tcp@localhost"/></iq>`);
    await raw.waitFor(`<iq type="result" id="removeFromBlackList" from="65f0a1_raw_tcp@localhost" to="${jid}"/>`);
    raw.send(`<iq type="get" id="blackList2"><query xmlns="${NS_BLOCKLIST}"/></iq>`);
    await raw.waitFor(`<iq type="result" id="blackList2" from="65f0a1_raw_tcp@localhost" to="${jid}"><query xmlns="${NS_BLOCKLIST}"/></iq>`);
    raw.close();
  });

  it("advertises the three namespaces in the server's disco#info", async () => {
    const c = await server.connect("65f0a1_raw_ws", { transport: "ws" });
    const info = await c.iq(xml("iq", { type: "get", to: "localhost" }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
    const features = info.getChild("query")?.getChildren("feature").map((f) => f.attrs.var) ?? [];
    expect(features).toEqual(expect.arrayContaining([NS_BLOCK, NS_UNBLOCK, NS_BLOCKLIST]));
  });
});

describe.each(TRANSPORTS)("user block over %s", (transport) => {
  const u = (role: (typeof ROLES)[number]) => `65f0a1_${role}_${transport}`;
  const bare = (role: (typeof ROLES)[number]) => `${u(role)}@localhost`;
  let b: TestClient;
  let b2: TestClient;
  let x: TestClient;
  let c: TestClient;

  beforeAll(async () => {
    b = await server.connect(u("b"), { transport, resource: "phone" });
    b2 = await server.connect(u("b"), { transport, resource: "desktop" });
    x = await server.connect(u("x"), { transport });
    c = await server.connect(u("c"), { transport });
    // B's second device has carbons on: a filtered 1:1 message must not leak as a <received/> copy.
    await b2.iq(xml("iq", { type: "set" }, xml("enable", { xmlns: "urn:xmpp:carbons:2" })));
  });

  describe("request rules", () => {
    type Case = [name: string, type: "get" | "set", ns: string, attrs: Record<string, string>, to: string | undefined, expected: string];
    const cases: Case[] = [
      ["block without user", "set", NS_BLOCK, {}, undefined, "modify/bad-request"],
      ["block with an empty user", "set", NS_BLOCK, { user: "" }, undefined, "modify/bad-request"],
      ["block with a malformed JID", "set", NS_BLOCK, { user: "a@b@c" }, undefined, "modify/bad-request"],
      ["block with a domain", "set", NS_BLOCK, { user: "localhost" }, undefined, "modify/bad-request"],
      ["block with a full JID", "set", NS_BLOCK, { user: "65f0a1_c_tcp@localhost/res" }, undefined, "modify/bad-request"],
      ["unblock without user", "set", NS_UNBLOCK, {}, undefined, "modify/bad-request"],
      ["block as get", "get", NS_BLOCK, { user: "65f0a1_c_tcp@localhost" }, undefined, "modify/bad-request"],
      ["blocklist as set", "set", NS_BLOCKLIST, {}, undefined, "modify/bad-request"],
      ["block addressed to another user", "set", NS_BLOCK, { user: "65f0a1_c_tcp@localhost" }, "65f0a1_c_tcp@localhost", "auth/forbidden"],
      ["blocklist addressed to another user", "get", NS_BLOCKLIST, {}, "65f0a1_c_tcp@localhost", "auth/forbidden"],
    ];
    it.each(cases)("%s: refused, nothing stored", async (_name, type, ns, attrs, to, expected) => {
      const before = await blocklist(b);
      const reply = await iqReply(b, userBlockIq(type, ns, attrs, to));
      const e = errorOf(reply);
      expect(`${e.type}/${e.condition}`).toBe(expected);
      expect(await blocklist(b)).toEqual(before);
    });

    it("refuses blocking oneself with modify/not-acceptable and the §7.7 text", async () => {
      const reply = await block(b, bare("b"));
      expect(errorOf(reply)).toEqual({ type: "modify", condition: "not-acceptable", text: "You cannot block yourself" });
      expect(await blocklist(b)).toEqual([]);
    });

    it("accepts `to` = own bare JID or HOST, and replies from the bare JID", async () => {
      for (const to of [bare("b"), "localhost"]) {
        const reply = await iqReply(b, userBlockIq("get", NS_BLOCKLIST, {}, to));
        expect([reply.attrs.type, reply.attrs.from, reply.attrs.to]).toEqual(["result", bare("b"), b.jid]);
      }
    });

    it("holds at most block.max_items entries: beyond, wait/resource-constraint; repeats and unblocks stay fine", async () => {
      const lim = await server.connect(u("lim"), { transport });
      for (const who of ["one", "two", "three"]) expect((await block(lim, `65f0a1_${who}@localhost`)).attrs.type).toBe("result");
      const full = await block(lim, "65f0a1_four@localhost");
      expect(errorOf(full)).toMatchObject({ type: "wait", condition: "resource-constraint" });
      expect((await block(lim, "65f0a1_two@localhost")).attrs.type).toBe("result"); // a repeat adds nothing
      const list = await blocklist(lim);
      expect(list.map(([user]) => user).sort()).toEqual(["65f0a1_one@localhost", "65f0a1_three@localhost", "65f0a1_two@localhost"]);
      // Ordered by date ascending.
      expect(list.map(([, date]) => Number(date))).toEqual(list.map(([, date]) => Number(date)).sort((p, q) => p - q));
      expect((await unblock(lim, "65f0a1_nobody@localhost")).attrs.type).toBe("result"); // absent: fine
      expect((await unblock(lim, "65f0a1_two@localhost")).attrs.type).toBe("result");
      expect((await block(lim, "65f0a1_four@localhost")).attrs.type).toBe("result");
      expect((await blocklist(lim)).map(([user]) => user).sort()).toEqual(["65f0a1_four@localhost", "65f0a1_one@localhost", "65f0a1_three@localhost"]);
    });
  });

  describe("filtering once B blocked X", () => {
    let room: string;
    let subRoom: string;

    beforeAll(async () => {
      room = await createRoom(u("x"));
      subRoom = await createRoom(u("x"));
      for (const client of [x, b, c]) await joined(client, `${room}/${nick(client)}`);
      await joined(x, `${subRoom}/${nick(x)}`);
      await joined(c, `${subRoom}/${nick(c)}`);
      expect((await subscribe(b, subRoom, { nick: u("b") })).attrs.type).toBe("result");
      // An offline subscriber who blocked X (blocked through the plugin's API: the user is never online here).
      await server.server.modules.api(blockingModule).block(parseJid(bare("boff")), BlockListName.userBlock, [bare("x")]);
      expect(await server.api("subscribe_room", { user: bare("boff"), nick: u("boff"), room: subRoom, nodes: "messages" })).toMatchObject({ status: 200 });
      const before = (await blocklist(b)).length;
      const date = Math.floor(Date.now() / 1000);
      expect((await block(b, bare("x"))).attrs.type).toBe("result");
      expect((await block(b, bare("x"))).attrs.type).toBe("result"); // a repeat changes nothing
      const list = await blocklist(b);
      expect(list).toHaveLength(before + 1);
      expect(list.find(([user]) => user === bare("x"))?.[1]).toMatch(new RegExp(`^(${date}|${date + 1}|${date + 2})$`));
    });

    it("keeps X's groupchat from B (joined) but not from C, and X still gets its own echo (§3.7)", async () => {
      const mx = nextId("mx");
      await x.send(groupchat(room, "from x", mx));
      await x.receive((s) => s.attrs.id === mx && s.attrs.type === "groupchat"); // X's echo
      await c.receive((s) => s.attrs.id === mx);
      const mc = nextId("mc");
      await c.send(groupchat(room, "from c", mc));
      await b.receive((s) => s.attrs.id === mc);
      await sync(x);
      await sync(b);
      expect(b.received.filter(withId(mx))).toEqual([]);
      expect(b2.received.filter(withId(mx))).toEqual([]);
    });

    it("still shows B the presences of X (member lists stay correct)", async () => {
      await x.send(xml("presence", { to: `${room}/${nick(x)}` }, xml("show", {}, "away")));
      const presence = await b.receive((s) => s.is("presence") && s.attrs.from === `${room}/${nick(x)}` && s.getChildText("show") === "away");
      expect(presence.attrs.type).toBeUndefined();
    });

    it("sends no MucSub event from X to B online and not joined, nor an offline copy, push or archive copy to an offline subscriber (§5.5)", async () => {
      const offlineBefore = probe.log.offline.length;
      const mx = nextId("smx");
      await x.send(groupchat(subRoom, "sub from x", mx));
      await sync(x);
      const mc = nextId("smc");
      await c.send(groupchat(subRoom, "sub from c", mc));
      await b.receive(isWrappedMessage(mc));
      await sync(c);
      await idle();
      await sync(b);
      expect(b.received.filter(withId(mx))).toEqual([]);
      // The offline subscriber: C's message is stored and pushed, X's is not.
      expect((await server.api("get_offline_count", { user: u("boff"), host: "localhost" })).body).toBe(1);
      const hooks = probe.log.offline.slice(offlineBefore).filter((h) => h.subscriber.bareString === bare("boff"));
      expect(hooks.map((h) => h.stanza.attrs["id"])).toEqual([mc]);
      const boff = await server.connect(u("boff"), { transport });
      await boff.receive(isWrappedMessage(mc));
      expect((await queryOwn(boff)).bodies).toEqual(["sub from c"]);
      await sync(boff);
      expect(boff.received.filter(withId(mx))).toEqual([]);
      await boff.stop();
    });

    it("drops X's 1:1 messages to B silently: no delivery, no carbon, no error to X, no archive copy for B (§7.7)", async () => {
      const types = ["chat", "normal", "headline"] as const;
      const ids = types.map(() => nextId("dm"));
      for (const [i, type] of types.entries()) await x.send(xml("message", { to: bare("b"), type, id: ids[i] as string }, xml("body", {}, `dm ${type}`)));
      const full = nextId("dmfull");
      await x.send(chat(b.jid, "to the full JID", full));
      await sync(x);
      const control = nextId("dmc");
      await c.send(chat(bare("b"), "from c", control));
      await b.receive((s) => s.attrs.id === control);
      await b2.receive((s) => s.attrs.id === control);
      await sync(b);
      await sync(b2);
      for (const id of [...ids, full]) {
        expect(b.received.filter((s) => s.toString().includes(id))).toEqual([]);
        expect(b2.received.filter((s) => s.toString().includes(id))).toEqual([]); // neither delivered nor carbon-copied
        expect(x.received.filter((s) => s.attrs.id === id)).toEqual([]); // no error bounced to X
      }
      // X's own archive keeps what X sent; B's has none of it.
      const own = await queryOwn(x, { with: bare("b") });
      expect(own.bodies).toEqual(expect.arrayContaining(["dm chat", "dm normal", "to the full JID"]));
      expect((await queryOwn(b, { with: bare("x") })).bodies).toEqual([]);
    });

    it("stores nothing offline for B when every B session is gone, while C's message is stored", async () => {
      const boffline = bare("boff");
      const count = (await server.api("get_offline_count", { user: u("boff"), host: "localhost" })).body as number;
      const id = nextId("off1");
      await x.send(chat(boffline, "while away", id));
      await sync(x);
      expect(x.received.filter((s) => s.attrs.id === id)).toEqual([]);
      expect((await server.api("get_offline_count", { user: u("boff"), host: "localhost" })).body).toBe(count);
      await c.send(chat(boffline, "from c while away"));
      await sync(c);
      expect((await server.api("get_offline_count", { user: u("boff"), host: "localhost" })).body).toBe(count + 1);
    });

    it("drops X's invitation to B, not X's invitation to C (§3.10)", async () => {
      const invite = (to: string) => xml("message", { to: room, id: nextId("inv") }, xml("x", { xmlns: "http://jabber.org/protocol/muc#user" }, xml("invite", { to })));
      await x.send(invite(bare("b")));
      await x.send(invite(bare("c")));
      await c.receive((s) => s.getChild("x", "http://jabber.org/protocol/muc#user")?.getChild("invite") !== undefined);
      await sync(x);
      await sync(b);
      expect(b.received.filter((s) => s.getChild("x", "http://jabber.org/protocol/muc#user")?.getChild("invite") !== undefined)).toEqual([]);
      expect(x.received.filter((s) => s.attrs.type === "error")).toEqual([]);
    });

    it("removes X's entries from B's room archive queries before paging and counting (§6.8)", async () => {
      const mamRoom = await createRoom(u("c"));
      const post = async (client: TestClient, body: string) => {
        const id = nextId("p");
        await client.send(groupchat(mamRoom, body, id));
        await client.receive((s) => s.attrs.id === id);
      };
      await joined(c, `${mamRoom}/${nick(c)}`);
      await joined(x, `${mamRoom}/${nick(x)}`);
      for (const [client, body] of [[c, "c1"], [x, "x1"], [c, "c2"], [x, "x2"], [c, "c3"]] as const) await post(client, body);
      const all = await queryRoom(c, mamRoom);
      expect(bodies(all)).toEqual(["c1", "x1", "c2", "x2", "c3"]);
      const mine = await queryRoom(b, mamRoom);
      expect(bodies(mine)).toEqual(["c1", "c2", "c3"]);
      expect(rsmOf(mine.fin)).toMatchObject({ count: "3", index: "0", complete: "true" });
      const last = await queryRoom(b, mamRoom, { max: 2, before: "" });
      expect(bodies(last)).toEqual(["c2", "c3"]);
      expect(rsmOf(last.fin)).toMatchObject({ count: "3", index: "1", complete: "false" });
      const older = await queryRoom(b, mamRoom, { max: 2, before: rsmOf(last.fin).first });
      expect(bodies(older)).toEqual(["c1"]);
      expect(rsmOf(older.fin)).toMatchObject({ count: "3", index: "0", complete: "true" });
      expect(rsmOf((await queryRoom(b, mamRoom, { with: bare("x") })).fin).count).toBe("0");
    });

    it("removes X's entries from B's own archive before paging and counting, keeping what B sent to X (§6.8)", async () => {
      const bm = await server.connect(u("bmam"), { transport });
      const xm = await server.connect(u("xmam"), { transport });
      for (const [from, to, body] of [[xm, bm, "x to b 1"], [bm, xm, "b to x"], [c, bm, "c to b"], [xm, bm, "x to b 2"]] as const) {
        const id = nextId("um");
        await from.send(chat(parseJid(to.jid).bareString, body, id));
        await to.receive((s) => s.attrs.id === id);
      }
      expect((await queryOwn(bm)).count).toBe("4");
      expect((await block(bm, bare("xmam"))).attrs.type).toBe("result");
      const after = await queryOwn(bm);
      expect(after.bodies).toEqual(["b to x", "c to b"]);
      expect(after.count).toBe("2");
      const page = await queryOwn(bm, { max: 1, before: "" });
      expect(page).toMatchObject({ bodies: ["c to b"], count: "2", index: "1", complete: "false" });
      expect((await queryOwn(bm, { with: bare("xmam") })).bodies).toEqual(["b to x"]);
      // Blocking is one-directional: X's archive still shows everything.
      expect((await queryOwn(xm, { with: bare("bmam") })).bodies).toEqual(["x to b 1", "b to x", "x to b 2"]);
      await Promise.all([bm.stop(), xm.stop()]);
    });

    it("restores delivery and history after unblock", async () => {
      expect((await unblock(b, bare("x"))).attrs.type).toBe("result");
      expect((await blocklist(b)).map(([user]) => user)).not.toContain(bare("x"));
      const mx = nextId("again");
      await x.send(groupchat(room, "back again", mx));
      await b.receive((s) => s.attrs.id === mx);
      const dm = nextId("dmagain");
      await x.send(chat(bare("b"), "hello again", dm));
      await b.receive((s) => s.attrs.id === dm);
      const smx = nextId("subagain");
      await x.send(groupchat(subRoom, "sub again", smx));
      await b.receive(isWrappedMessage(smx));
      expect(bodies(await queryRoom(b, room))).toContain("from x");
    });
  });
});
