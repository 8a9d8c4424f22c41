// XEP-0357 push per device (PROTOCOL §7.13) and pushes to hibernated sessions (§2.11 Decision), in the
// standard profile with stream resumption, over TCP and WebSocket. The push service is a client session
// (`svc@localhost/app`) that answers the notification IQs with a result or an error.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushModule } from "../../src/modules/push/push.module.js";
import { parseJid } from "../../src/xmpp/jid.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient, type XmlElement } from "../harness/test-client.js";
import { errorOf, iqReply, nextId } from "./muc-helpers.js";
import { outboxDrained, rawSmSession, startReceiver, until, type Receiver } from "./push-helpers.js";

const NS_PUSH = "urn:xmpp:push:0";
const NS_PUBSUB = "http://jabber.org/protocol/pubsub";
const NS_DATA = "jabber:x:data";
const TRANSPORTS = ["tcp", "ws"] as const;

let server: TestServer;
let receiver: Receiver;

interface IqCallee {
  iqCallee: { set(ns: string, name: string, handler: (ctx: { stanza: XmlElement }) => unknown): void };
}

const bare = (user: string) => `${user}@localhost`;
const chat = (to: string, body: string) => xml("message", { to, type: "chat", id: nextId("chat") }, xml("body", {}, body));
const registrations = (user: string) => server.server.modules.api(pushModule).registrations(parseJid(bare(user)));

function enable(client: TestClient, jid: string, node: string | undefined, secret?: string): Promise<XmlElement> {
  const attrs: Record<string, string> = { xmlns: NS_PUSH, jid };
  if (node !== undefined) attrs["node"] = node;
  const form =
    secret === undefined
      ? undefined
      : xml(
          "x",
          { xmlns: NS_DATA, type: "submit" },
          xml("field", { var: "FORM_TYPE" }, xml("value", {}, "http://jabber.org/protocol/pubsub#publish-options")),
          xml("field", { var: "secret" }, xml("value", {}, secret)),
        );
  return iqReply(client, xml("iq", { type: "set", id: nextId("en") }, xml("enable", attrs, form)));
}

function disable(client: TestClient, jid: string, node?: string): Promise<XmlElement> {
  return iqReply(client, xml("iq", { type: "set", id: nextId("dis") }, xml("disable", node === undefined ? { xmlns: NS_PUSH, jid } : { xmlns: NS_PUSH, jid, node })));
}

/** `var -> value` of the summary form inside a notification IQ. */
function summary(iq: XmlElement): Record<string, string> {
  const x = iq.getChild("pubsub", NS_PUBSUB)?.getChild("publish")?.getChild("item")?.getChild("notification", NS_PUSH)?.getChild("x", NS_DATA);
  return Object.fromEntries((x?.getChildren("field") ?? []).map((f) => [f.attrs.var ?? "", f.getChildText("value") ?? ""]));
}

const nodeOf = (iq: XmlElement) => iq.getChild("pubsub", NS_PUBSUB)?.getChild("publish")?.attrs.node;

beforeAll(async () => {
  receiver = await startReceiver();
  const users: string[] = [];
  for (const t of TRANSPORTS) for (const u of ["alice", "erin", "svc", "sleeper", "many"]) users.push(`${u}_${t}`);
  server = await startTestServer({
    profile: "standard",
    users,
    config: { sm: { resume_timeout: 3 }, push: { enabled: true, include_body: true }, offline_post: { common_post_url: receiver.url("/common") } },
  });
});
afterAll(async () => {
  await server.stop();
  await receiver.close();
});

describe.each(TRANSPORTS)("over %s", (transport) => {
  const [alice, erin, svc, sleeper, many] = ["alice", "erin", "svc", "sleeper", "many"].map((u) => `${u}_${transport}`) as [string, string, string, string, string];
  const service = `${bare(svc)}/app`;
  let a: TestClient;
  const notifications: XmlElement[] = [];
  const waiters: (() => void)[] = [];
  /** Resolves once `count` notifications have arrived in all. */
  const notified = (count: number) =>
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (notifications.length >= count) resolve();
        else waiters.push(check);
      };
      check();
    });

  beforeAll(async () => {
    a = await server.connect(alice, { transport });
    const s = await server.connect(svc, { transport, resource: "app" });
    (s.xmpp as unknown as IqCallee).iqCallee.set(NS_PUBSUB, "pubsub", ({ stanza }) => {
      notifications.push(stanza);
      for (const w of waiters.splice(0)) w();
      // The service has forgotten devices whose node starts with "gone".
      if (nodeOf(stanza)?.startsWith("gone")) return xml("error", { type: "cancel" }, xml("item-not-found", "urn:ietf:params:xml:ns:xmpp-stanzas"));
      return true;
    });
  });

  it("advertises urn:xmpp:push:0 on the account and refuses malformed registrations", async () => {
    const info = await iqReply(a, xml("iq", { type: "get", id: nextId(), to: bare(erin) }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
    expect(info.getChild("query")?.getChildren("feature").map((f) => f.attrs.var)).toContain(NS_PUSH);
    expect(errorOf(await enable(a, service, undefined))).toMatchObject({ type: "modify", condition: "bad-request" });
    expect(errorOf(await enable(a, "a@b@c", "n"))).toMatchObject({ type: "modify", condition: "bad-request" });
    expect(await registrations(alice)).toEqual([]);
  });

  it("notifies every registered device of an offline user; an item-not-found reply removes that registration", async () => {
    const d1 = await server.connect(erin, { transport, resource: "d1" });
    const d2 = await server.connect(erin, { transport, resource: "d2" });
    expect((await enable(d1, service, `dev1-${transport}`, "s3cr3t")).attrs.type).toBe("result");
    expect((await enable(d2, service, `gone-${transport}`)).attrs.type).toBe("result");
    expect((await registrations(erin)).map((r) => r.node)).toEqual([`dev1-${transport}`, `gone-${transport}`]);
    await d1.stop();
    await d2.stop();
    await until(() => server.server.sessions.resourcesOf(parseJid(bare(erin))).length, (n) => n === 0);

    const start = notifications.length;
    await a.send(chat(bare(erin), "ping erin"));
    await notified(start + 2);
    const got = notifications.slice(start, start + 2);
    expect(got.map(nodeOf).sort()).toEqual([`dev1-${transport}`, `gone-${transport}`]);
    for (const iq of got) {
      expect(iq.attrs.from).toBe(bare(erin));
      expect(iq.attrs.type).toBe("set");
      expect(summary(iq)).toEqual({ FORM_TYPE: "urn:xmpp:push:summary", "message-count": "1", "last-message-sender": bare(alice), "last-message-body": "ping erin" });
    }
    const withOptions = got.find((iq) => nodeOf(iq) === `dev1-${transport}`);
    const options = withOptions?.getChild("pubsub", NS_PUBSUB)?.getChild("publish-options")?.getChild("x", NS_DATA);
    expect(options?.getChildren("field").map((f) => [f.attrs.var, f.getChildText("value")])).toEqual([
      ["FORM_TYPE", "http://jabber.org/protocol/pubsub#publish-options"],
      ["secret", "s3cr3t"],
    ]);
    // The webhook fires too (both are enabled here).
    await receiver.waitFor((p) => p.fields["jid"] === bare(erin) && p.fields["msgText"] === "ping erin");

    await until(registrations.bind(null, erin), (list) => list.length === 1);
    expect((await registrations(erin)).map((r) => r.node)).toEqual([`dev1-${transport}`]);
    const next = notifications.length;
    await a.send(chat(bare(erin), "again"));
    await notified(next + 1);
    expect(notifications.slice(next).map(nodeOf)).toEqual([`dev1-${transport}`]);

    const back = await server.connect(erin, { transport, resource: "d1" });
    expect((await disable(back, service, `dev1-${transport}`)).attrs.type).toBe("result");
    expect(await registrations(erin)).toEqual([]);
    await back.stop();
  });

  it("keeps at most 20 registrations per account, removing the oldest; disable without node removes all", async () => {
    const m = await server.connect(many, { transport });
    for (let i = 0; i < 21; i++) expect((await enable(m, service, `n${i}`)).attrs.type).toBe("result");
    const nodes = (await registrations(many)).map((r) => r.node);
    expect(nodes).toHaveLength(20);
    expect(nodes[0]).toBe("n1");
    expect(nodes.at(-1)).toBe("n20");
    expect((await disable(m, service)).attrs.type).toBe("result");
    expect(await registrations(many)).toEqual([]);
    await m.stop();
  });

  it("pushes at once to a user whose only session is hibernated, and not again when it times out (§2.11)", async () => {
    const raw = await rawSmSession(server, transport, sleeper, "zz");
    raw.close();
    const full = parseJid(`${bare(sleeper)}/zz`);
    await until(() => server.server.sessions.get(full)?.isHibernated ?? false, (h) => h);
    const text = nextId("sleepy");
    await a.send(chat(bare(sleeper), text));
    const post = await receiver.waitFor((p) => p.fields["jid"] === bare(sleeper) && p.fields["msgText"] === text);
    expect(post.fields["msgID"]).toMatch(/^[0-9]+$/);
    // Still online for routing while hibernated: held for the session, not stored offline.
    expect(server.server.sessions.get(full)?.isHibernated).toBe(true);
    expect((await server.api("get_offline_count", { user: sleeper, host: "localhost" })).body).toBe(0);
    // The hibernation times out: the message goes to offline storage without a second push.
    await until(async () => (await server.api("get_offline_count", { user: sleeper, host: "localhost" })).body, (n) => n === 1);
    await outboxDrained(server);
    expect(receiver.posts.filter((p) => p.fields["msgText"] === text)).toHaveLength(1);
  });
});
