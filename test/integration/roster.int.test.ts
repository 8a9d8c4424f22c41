// Roster management (RFC 6121 §2) and presence subscriptions (§3) over real sockets with @xmpp/client.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Transport } from "../harness/test-client.js";
import { xml } from "../harness/test-client.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import {
  ROSTER,
  isPush,
  presenceOf,
  presences,
  pushOf,
  pushes,
  reset,
  rosterGet,
  rosterSet,
  sendPresence,
  settle,
  subscribe,
} from "./roster.helpers.js";

const USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank", "ivan", "judy", "kate"];

describe.each([
  { profile: "standard", transport: "tcp" },
  { profile: "ethora", transport: "ws" },
] as const)("roster and subscriptions ($profile profile, $transport)", ({ profile, transport }) => {
  let server: TestServer;
  let d: string;
  const jid = (user: string) => `${user}@${d}`;
  const connect = (user: string, options: { resource?: string; presence?: boolean } = {}) => server.connect(user, { transport, ...options });

  beforeAll(async () => {
    server = await startTestServer({ profile, users: USERS });
    d = server.domain;
  });
  afterAll(() => server.stop());

  it("returns an empty roster, then the item a set added (§2.1.3, §2.3)", async () => {
    const alice = await connect("alice");
    expect(await rosterGet(alice)).toEqual([]);
    const reply = await rosterSet(alice, { jid: jid("bob"), name: "Bob ☆" }, ["Friends", "Work"]);
    expect(reply.attrs["type"]).toBe("result");
    expect(reply.getChild("query", ROSTER)).toBeUndefined();
    expect(await rosterGet(alice)).toEqual([{ jid: jid("bob"), name: "Bob ☆", subscription: "none", ask: undefined, groups: ["Friends", "Work"] }]);
    // An update replaces name and groups.
    await rosterSet(alice, { jid: jid("bob") }, ["Family"]);
    expect(await rosterGet(alice)).toEqual([{ jid: jid("bob"), name: undefined, subscription: "none", ask: undefined, groups: ["Family"] }]);
    await alice.stop();
  });

  it("pushes changes to the interested resources only, from the bare JID, with fresh ids (§2.1.6)", async () => {
    const c1 = await connect("carol", { resource: "one" });
    const c2 = await connect("carol", { resource: "two" });
    const c3 = await connect("carol", { resource: "three" });
    await rosterGet(c1);
    await rosterGet(c3);
    await rosterSet(c1, { jid: jid("dave"), name: "D" });
    await rosterSet(c1, { jid: jid("erin") });
    await settle(d, c1, c2, c3);
    for (const c of [c1, c3]) {
      const got = c.received.filter(isPush);
      expect(got.map((p) => p.attrs["from"])).toEqual([jid("carol"), jid("carol")]);
      expect(got[0]?.attrs["to"]).toBe(c.jid);
      expect(pushes(c).map((i) => [i.jid, i.name, i.subscription])).toEqual([
        [jid("dave"), "D", "none"],
        [jid("erin"), undefined, "none"],
      ]);
    }
    const ids = [...c1.received, ...c3.received].filter(isPush).map((p) => p.attrs["id"]);
    expect(new Set(ids).size).toBe(4);
    expect(c2.received.filter(isPush)).toEqual([]);
    // Removal is pushed as subscription="remove".
    await rosterSet(c3, { jid: jid("dave"), subscription: "remove" });
    await c1.receive(pushOf(jid("dave"), { subscription: "remove" }));
    expect((await rosterGet(c2)).map((i) => i.jid)).toEqual([jid("erin")]);
    await Promise.all([c1.stop(), c2.stop(), c3.stop()]);
  });

  it("refuses malformed roster sets and other users' rosters (§2.1.5, §2.3.3, §2.5.3)", async () => {
    const alice = await connect("alice", { resource: "errors" });
    const set = (...items: ReturnType<typeof xml>[]) => alice.iq(xml("iq", { type: "set" }, xml("query", { xmlns: ROSTER }, ...items)));
    await expect(set(xml("item", { jid: jid("bob") }), xml("item", { jid: jid("carol") }))).rejects.toMatchObject({ condition: "bad-request" });
    await expect(set(xml("item", { jid: "bad@@" }))).rejects.toMatchObject({ condition: "jid-malformed" });
    await expect(set(xml("item", { jid: jid("bob"), name: "x".repeat(1024) }))).rejects.toMatchObject({ condition: "not-acceptable" });
    await expect(set(xml("item", { jid: jid("bob") }, xml("group", {}, "")))).rejects.toMatchObject({ condition: "not-acceptable" });
    await expect(set(xml("item", { jid: jid("bob") }, xml("group", {}, "g"), xml("group", {}, "g")))).rejects.toMatchObject({ condition: "bad-request" });
    await expect(set(xml("item", { jid: jid("nobody"), subscription: "remove" }))).rejects.toMatchObject({ condition: "item-not-found" });
    const other = xml("iq", { type: "set", to: jid("bob") }, xml("query", { xmlns: ROSTER }, xml("item", { jid: jid("alice") })));
    await expect(alice.iq(other)).rejects.toMatchObject({ condition: "forbidden" });
    await expect(alice.iq(xml("iq", { type: "get", to: jid("bob") }, xml("query", { xmlns: ROSTER })))).rejects.toMatchObject({ condition: "forbidden" });
    // Nothing of the above reached the roster; a get addressed to the own bare JID works.
    const own = await alice.iq(xml("iq", { type: "get", to: jid("alice") }, xml("query", { xmlns: ROSTER, ver: "" })));
    expect(own.getChild("query", ROSTER)?.getChildren("item").map((i) => i.attrs["jid"])).not.toContain(jid("carol"));
    await alice.stop();
  });

  it("runs the whole handshake with both online: none → to/from → both (§3.1, §A)", async () => {
    const f = await connect("frank");
    const g = await connect("gina");
    await rosterGet(f);
    await rosterGet(g);
    await f.receive(presenceOf(jid("frank")));
    reset(f, g);

    // Request: stamped with bare JIDs, the requester sees ask="subscribe" (§3.1.2).
    await sendPresence(f, { to: `${jid("gina")}/whatever`, type: "subscribe", id: "sub1" });
    const request = await g.receive(presenceOf(jid("frank"), "subscribe"));
    expect(request.attrs).toMatchObject({ from: jid("frank"), to: jid("gina"), id: "sub1" });
    await f.receive(pushOf(jid("gina"), { subscription: "none", ask: "subscribe" }));
    await settle(d, f, g);
    expect(pushes(g)).toEqual([]); // a pending request is not a roster item (§3.1.3)
    expect(await rosterGet(g)).toEqual([]);

    // Approval (§3.1.5, §3.1.6): pushes on both sides, and the requester gets the contact's presence.
    await sendPresence(g, { to: jid("frank"), type: "subscribed" });
    await g.receive(pushOf(jid("frank"), { subscription: "from", ask: undefined }));
    await f.receive(presenceOf(jid("gina"), "subscribed"));
    await f.receive(pushOf(jid("gina"), { subscription: "to", ask: undefined }));
    const seen = await f.receive(presenceOf(jid("gina")));
    expect(seen.attrs["from"]).toBe(g.jid);
    expect((await rosterGet(f)).map((i) => [i.jid, i.subscription, i.ask])).toEqual([[jid("gina"), "to", undefined]]);
    expect((await rosterGet(g)).map((i) => [i.jid, i.subscription, i.ask])).toEqual([[jid("frank"), "from", undefined]]);

    // The other direction makes it "both" on each side.
    reset(f, g);
    await sendPresence(g, { to: jid("frank"), type: "subscribe" });
    await f.receive(presenceOf(jid("gina"), "subscribe"));
    await g.receive(pushOf(jid("frank"), { subscription: "from", ask: "subscribe" }));
    await sendPresence(f, { to: jid("gina"), type: "subscribed" });
    await f.receive(pushOf(jid("gina"), { subscription: "both" }));
    await g.receive(pushOf(jid("frank"), { subscription: "both", ask: undefined }));
    await g.receive(presenceOf(jid("frank")));
    expect((await rosterGet(f))[0]?.subscription).toBe("both");
    expect((await rosterGet(g))[0]?.subscription).toBe("both");

    // A repeated request from a subscribed contact is not shown to the user (§3.1.3, A.3.1).
    reset(f, g);
    await sendPresence(g, { to: jid("frank"), type: "subscribe" });
    await settle(d, g, f);
    expect(presences(f, jid("gina"), "subscribe")).toEqual([]);
    await Promise.all([f.stop(), g.stop()]);
  });

  it("keeps a request for an offline contact and delivers it to every resource that becomes available (§3.1.3)", async () => {
    const h = await connect("hank");
    await rosterGet(h);
    await sendPresence(h, { to: jid("ivan"), type: "subscribe" }, xml("status", {}, "it's Hank"));
    await h.receive(pushOf(jid("ivan"), { ask: "subscribe" }));

    const i1 = await connect("ivan", { resource: "one" });
    const got = await i1.receive(presenceOf(jid("hank"), "subscribe"));
    expect(got.attrs["to"]).toBe(i1.jid);
    expect(got.getChildText("status")).toBe("it's Hank");
    expect(await rosterGet(i1)).toEqual([]);

    // A session that is bound but not available does not get it; once available, it does.
    const i2 = await connect("ivan", { resource: "two", presence: false });
    await settle(d, i2);
    expect(presences(i2, jid("hank"), "subscribe")).toEqual([]);
    await sendPresence(i2, {});
    await i2.receive(presenceOf(jid("hank"), "subscribe"));

    // Denial (§3.2): the requester learns it, and the request is not delivered any more.
    await sendPresence(i2, { to: jid("hank"), type: "unsubscribed" });
    await h.receive(presenceOf(jid("ivan"), "unsubscribed"));
    await h.receive(pushOf(jid("ivan"), { subscription: "none", ask: undefined }));
    const i3 = await connect("ivan", { resource: "three" });
    await settle(d, i3);
    expect(presences(i3, jid("hank"), "subscribe")).toEqual([]);
    expect((await rosterGet(h)).map((i) => [i.subscription, i.ask])).toEqual([["none", undefined]]);
    await Promise.all([h.stop(), i1.stop(), i2.stop(), i3.stop()]);
  });

  it("cancels with unsubscribe and unsubscribed, with unavailable presence to the side that stops seeing (§3.2, §3.3)", async () => {
    await subscribe(server, "judy", "kate");
    await subscribe(server, "kate", "judy");
    const j = await connect("judy");
    const k = await connect("kate");
    await rosterGet(j);
    await rosterGet(k);
    await j.receive(presenceOf(jid("kate")));
    await k.receive(presenceOf(jid("judy")));
    reset(j, k);

    // Judy stops receiving Kate's presence: Both → From for Judy, Both → To for Kate.
    await sendPresence(j, { to: jid("kate"), type: "unsubscribe" });
    await j.receive(pushOf(jid("kate"), { subscription: "from" }));
    await k.receive(presenceOf(jid("judy"), "unsubscribe"));
    await k.receive(pushOf(jid("judy"), { subscription: "to" }));
    expect((await j.receive(presenceOf(jid("kate"), "unavailable"))).attrs["from"]).toBe(k.jid);

    // Judy cancels Kate's subscription to her: From → None for Judy, To → None for Kate.
    reset(j, k);
    await sendPresence(j, { to: jid("kate"), type: "unsubscribed" });
    await j.receive(pushOf(jid("kate"), { subscription: "none" }));
    await k.receive(presenceOf(jid("judy"), "unsubscribed"));
    await k.receive(pushOf(jid("judy"), { subscription: "none" }));
    expect((await k.receive(presenceOf(jid("judy"), "unavailable"))).attrs["from"]).toBe(j.jid);
    expect((await rosterGet(j)).map((i) => i.subscription)).toEqual(["none"]);
    expect((await rosterGet(k)).map((i) => i.subscription)).toEqual(["none"]);
    await Promise.all([j.stop(), k.stop()]);
  });

  it("removing an item cancels the subscriptions both ways (§2.5.2)", async () => {
    await subscribe(server, "dave", "erin");
    await subscribe(server, "erin", "dave");
    const dv = await connect("dave");
    const er = await connect("erin");
    await rosterGet(dv);
    await rosterGet(er);
    await er.receive(presenceOf(jid("dave")));
    reset(dv, er);
    await rosterSet(dv, { jid: jid("erin"), subscription: "remove" });
    await dv.receive(pushOf(jid("erin"), { subscription: "remove" }));
    await er.receive(presenceOf(jid("dave"), "unsubscribed"));
    await er.receive(presenceOf(jid("dave"), "unsubscribe"));
    await er.receive(presenceOf(jid("dave"), "unavailable"));
    await er.receive(pushOf(jid("dave"), { subscription: "none" }));
    expect(await rosterGet(dv)).toEqual([]);
    expect((await rosterGet(er)).map((i) => [i.jid, i.subscription, i.ask])).toEqual([[jid("dave"), "none", undefined]]);
    await Promise.all([dv.stop(), er.stop()]);
  });

  it("answers a request to a missing account with unsubscribed, and does not route an unrequested approval (§8.5.1, §3.1.5)", async () => {
    const c = await connect("carol", { resource: "edge" });
    await rosterGet(c);
    await sendPresence(c, { to: jid("ghost"), type: "subscribe" });
    await c.receive(presenceOf(jid("ghost"), "unsubscribed"));
    await c.receive(pushOf(jid("ghost"), { subscription: "none", ask: undefined }));

    const g = await connect("gina", { resource: "edge" });
    await sendPresence(c, { to: jid("gina"), type: "subscribed" });
    await settle(d, c, g);
    expect(presences(g, jid("carol"), "subscribed")).toEqual([]);
    expect((await rosterGet(g)).map((i) => i.jid)).not.toContain(jid("carol"));
    await Promise.all([c.stop(), g.stop()]);
  });
});
