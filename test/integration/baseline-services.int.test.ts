// Baseline services over real sockets: disco (XEP-0030, PROTOCOL §1.2), ping (XEP-0199, §2.10), time
// (XEP-0202), version (XEP-0092), last activity (XEP-0012) and unknown IQs (§9.6).
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lastModule } from "../../src/modules/last/last.module.js";
import { parseJid } from "../../src/xmpp/jid.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient, type Transport, type XmlElement } from "../harness/test-client.js";

const NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";
const PKG_VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
let nextId = 0;

/** Sends an IQ and resolves with its reply, result or error. */
async function ask(client: TestClient, type: "get" | "set", to: string | undefined, payload: XmlElement): Promise<XmlElement> {
  const id = `q${++nextId}`;
  await client.send(xml("iq", { type, id, ...(to === undefined ? {} : { to }) }, payload));
  return client.receive((s) => s.is("iq") && s.attrs.id === id && (s.attrs.type === "result" || s.attrs.type === "error"));
}

function errorCondition(reply: XmlElement): { type: string | undefined; condition: string | undefined } {
  const error = reply.getChild("error");
  const first = error?.children.find((c): c is XmlElement => typeof c !== "string");
  return { type: error?.attrs.type, condition: first?.attrs.xmlns === NS_STANZAS ? first.name : undefined };
}

function features(reply: XmlElement): string[] {
  return (reply.getChild("query")?.getChildren("feature") ?? []).map((f) => String(f.attrs.var));
}

describe.each<Transport>(["tcp", "ws"])("baseline services over %s", (transport) => {
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  beforeAll(async () => {
    server = await startTestServer({ users: ["alice", "bob", "carol", "admin"] });
    alice = await server.connect("alice", { transport });
    bob = await server.connect("bob", { transport });
  });
  afterAll(() => server.stop());

  describe("disco", () => {
    it("answers disco#info on the host with the server identity and exactly the loaded modules' features", async () => {
      const reply = await ask(alice, "get", "localhost", xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }));
      expect(reply.attrs).toMatchObject({ type: "result", from: "localhost", to: alice.jid });
      const identities = reply.getChild("query")?.getChildren("identity").map((i) => i.attrs);
      expect(identities).toEqual([{ category: "server", type: "im", name: "rtc-server" }]);
      expect(features(reply)).toEqual([...server.server.modules.hostFeatures].sort());
      expect(features(reply)).toEqual(
        expect.arrayContaining([
          "http://jabber.org/protocol/disco#info",
          "http://jabber.org/protocol/disco#items",
          "urn:xmpp:ping",
          "urn:xmpp:time",
          "jabber:iq:version",
          "jabber:iq:last",
          "vcard-temp",
          "jabber:iq:private",
        ]),
      );
    });

    it("lists the MUC service in the host's disco#items (§1.2)", async () => {
      const reply = await ask(alice, "get", "localhost", xml("query", { xmlns: "http://jabber.org/protocol/disco#items" }));
      expect(reply.getChild("query")?.getChildren("item").map((i) => i.attrs)).toEqual([{ jid: "conference.localhost", name: "Chatrooms" }]);
    });

    it("answers item-not-found for an unknown node", async () => {
      for (const ns of ["http://jabber.org/protocol/disco#info", "http://jabber.org/protocol/disco#items"]) {
        const reply = await ask(alice, "get", "localhost", xml("query", { xmlns: ns, node: "urn:nope" }));
        expect(errorCondition(reply)).toEqual({ type: "cancel", condition: "item-not-found" });
      }
    });

    it("answers disco#info on an account's bare JID, to the user and to others, as account/registered", async () => {
      for (const [client, to] of [[alice, undefined], [bob, "alice@localhost"]] as const) {
        const reply = await ask(client, "get", to, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }));
        expect(reply.attrs).toMatchObject({ type: "result", from: "alice@localhost" });
        expect(reply.getChild("query")?.getChildren("identity").map((i) => i.attrs)).toEqual([{ category: "account", type: "registered" }]);
        expect(features(reply)).toEqual([...server.server.modules.accountFeatures].sort());
      }
      const items = await ask(bob, "get", "alice@localhost", xml("query", { xmlns: "http://jabber.org/protocol/disco#items" }));
      expect(items.getChild("query")?.children).toEqual([]);
    });

    it("answers service-unavailable for an unknown account", async () => {
      const reply = await ask(alice, "get", "nobody@localhost", xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }));
      expect(errorCondition(reply)).toEqual({ type: "cancel", condition: "service-unavailable" });
    });
  });

  describe("ping", () => {
    it("answers pings to the host, without `to`, and to the own bare JID, from the addressed entity", async () => {
      for (const [to, from] of [["localhost", "localhost"], [undefined, "alice@localhost"], ["alice@localhost", "alice@localhost"]] as const) {
        const reply = await ask(alice, "get", to, xml("ping", { xmlns: "urn:xmpp:ping" }));
        const { xmlns: _ns, ...attrs } = reply.attrs;
        expect(attrs).toEqual({ type: "result", id: reply.attrs.id, from, to: alice.jid });
        expect(reply.children).toEqual([]);
      }
    });

    it("does not answer for another account's bare JID (service-unavailable)", async () => {
      const reply = await ask(alice, "get", "bob@localhost", xml("ping", { xmlns: "urn:xmpp:ping" }));
      expect(reply.attrs.from).toBe("bob@localhost");
      expect(errorCondition(reply)).toEqual({ type: "cancel", condition: "service-unavailable" });
    });
  });

  describe("time and version", () => {
    it("answers entity time on the host in UTC", async () => {
      const before = Math.floor(Date.now() / 1000) * 1000;
      const reply = await ask(alice, "get", "localhost", xml("time", { xmlns: "urn:xmpp:time" }));
      const time = reply.getChild("time", "urn:xmpp:time");
      expect(time?.getChildText("tzo")).toBe("+00:00");
      const utc = time?.getChildText("utc") ?? "";
      expect(utc).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(Date.parse(utc)).toBeGreaterThanOrEqual(before);
    });

    it("answers the software version on the host, without <os/>", async () => {
      const reply = await ask(alice, "get", "localhost", xml("query", { xmlns: "jabber:iq:version" }));
      const query = reply.getChild("query", "jabber:iq:version");
      expect(query?.getChildText("name")).toBe("rtc-server");
      expect(query?.getChildText("version")).toBe(PKG_VERSION);
      expect(query?.getChild("os")).toBeUndefined();
    });

    it("does not answer time or version for an account's bare JID", async () => {
      for (const payload of [xml("time", { xmlns: "urn:xmpp:time" }), xml("query", { xmlns: "jabber:iq:version" })]) {
        const reply = await ask(alice, "get", "bob@localhost", payload);
        expect(errorCondition(reply)).toEqual({ type: "cancel", condition: "service-unavailable" });
      }
    });
  });

  describe("last activity", () => {
    it("answers the host's uptime in seconds", async () => {
      const reply = await ask(alice, "get", "localhost", xml("query", { xmlns: "jabber:iq:last" }));
      expect(Number(reply.getChild("query", "jabber:iq:last")?.attrs.seconds)).toBeGreaterThanOrEqual(0);
    });

    it("answers seconds=0 to the user while they have an available session", async () => {
      const reply = await ask(alice, "get", undefined, xml("query", { xmlns: "jabber:iq:last" }));
      expect(reply.getChild("query", "jabber:iq:last")?.attrs.seconds).toBe("0");
    });

    it("reports the last unavailable presence's status to a server admin, and refuses other users", async () => {
      const carol = await server.connect("carol", { transport });
      await carol.send(xml("presence", { type: "unavailable" }, xml("status", {}, "Gone fishing")));
      // The IQ is processed after the presence, so the record is written by the time it is answered.
      await ask(carol, "get", "localhost", xml("ping", { xmlns: "urn:xmpp:ping" }));
      const admin = await server.connect("admin", { transport });
      const reply = await ask(admin, "get", "carol@localhost", xml("query", { xmlns: "jabber:iq:last" }));
      const query = reply.getChild("query", "jabber:iq:last");
      expect(Number(query?.attrs.seconds)).toBeGreaterThanOrEqual(0);
      expect(query?.text()).toBe("Gone fishing");
      const refused = await ask(alice, "get", "carol@localhost", xml("query", { xmlns: "jabber:iq:last" }));
      expect(errorCondition(refused)).toEqual({ type: "auth", condition: "forbidden" });
      await carol.stop();
      await admin.stop();
    });

    it("answers service-unavailable for an unknown account", async () => {
      const reply = await ask(alice, "get", "nobody@localhost", xml("query", { xmlns: "jabber:iq:last" }));
      expect(errorCondition(reply)).toEqual({ type: "cancel", condition: "service-unavailable" });
    });
  });

  describe("unknown IQs (§9.6)", () => {
    it("answers an unknown payload namespace with cancel/service-unavailable and the request id, to the host and to an account", async () => {
      for (const to of ["localhost", undefined, "bob@localhost"]) {
        const reply = await ask(alice, "get", to, xml("query", { xmlns: "urn:example:unknown" }));
        expect(reply.attrs.type).toBe("error");
        expect(errorCondition(reply)).toEqual({ type: "cancel", condition: "service-unavailable" });
      }
      const set = await ask(alice, "set", "localhost", xml("whatever", { xmlns: "urn:example:unknown" }));
      expect(errorCondition(set)).toEqual({ type: "cancel", condition: "service-unavailable" });
    });
  });
});

describe("last activity after a session ends", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ users: ["bob", "admin"] });
  });
  afterAll(() => server.stop());

  it("records the logout when the last available session closes without unavailable presence", async () => {
    const admin = await server.connect("admin");
    const bob = await server.connect("bob");
    const online = await ask(admin, "get", "bob@localhost", xml("query", { xmlns: "jabber:iq:last" }));
    expect(online.getChild("query")?.attrs.seconds).toBe("0");
    const never = await ask(admin, "get", "nobody@localhost", xml("query", { xmlns: "jabber:iq:last" }));
    expect(errorCondition(never).condition).toBe("service-unavailable");
    const lastApi = server.server.modules.api(lastModule);
    expect(await lastApi.lastLogout(parseJid("bob@localhost"))).toBeUndefined();
    await bob.stop();
    // The server tears the session down after the stream closes; wait until it has.
    for (let i = 0; i < 250 && (await lastApi.lastLogout(parseJid("bob@localhost"))) === undefined; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const reply = await ask(admin, "get", "bob@localhost", xml("query", { xmlns: "jabber:iq:last" }));
    expect(reply.attrs.type).toBe("result");
    const logout = await lastApi.lastLogout(parseJid("bob@localhost"));
    expect(logout?.at).toEqual(expect.any(Number));
    expect(logout?.status ?? "").toBe("");
    expect(Number(reply.getChild("query")?.attrs.seconds)).toBeGreaterThanOrEqual(0);
    expect(reply.getChild("query")?.text()).toBe("");
  });
});
