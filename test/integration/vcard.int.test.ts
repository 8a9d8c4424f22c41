// vcard-temp (XEP-0054) per PROTOCOL §9.6, the XEP-0153 photo hash in presence, and the profile API
// (§7.5) over real sockets.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { vcardModule } from "../../src/modules/vcard/vcard.module.js";
import { parseJid } from "../../src/xmpp/jid.js";
import { rawSession } from "../harness/raw-session.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient, type XmlElement } from "../harness/test-client.js";

const NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";
const image = Buffer.from("not really a png, but bytes all the same \u00e9\u20ac", "utf8");
const imageSha1 = createHash("sha1").update(image).digest("hex");
let nextId = 0;

async function ask(client: TestClient, type: "get" | "set", to: string | undefined, payload: XmlElement): Promise<XmlElement> {
  const id = `v${++nextId}`;
  await client.send(xml("iq", { type, id, ...(to === undefined ? {} : { to }) }, payload));
  return client.receive((s) => s.is("iq") && s.attrs.id === id && (s.attrs.type === "result" || s.attrs.type === "error"));
}

function condition(reply: XmlElement): string | undefined {
  const first = reply.getChild("error")?.children.find((c): c is XmlElement => typeof c !== "string");
  return first?.attrs.xmlns === NS_STANZAS ? `${reply.getChild("error")?.attrs.type}/${first.name}` : undefined;
}

function aliceVcard(): XmlElement {
  return xml(
    "vCard",
    { xmlns: "vcard-temp" },
    xml("FN", {}, "Alice \"Al\" Smith & <co> é"),
    xml("N", {}, xml("FAMILY", {}, "Smith"), xml("GIVEN", {}, "Alice")),
    xml("PHOTO", {}, xml("TYPE", {}, "image/png"), xml("BINVAL", {}, image.toString("base64"))),
    xml("X-CUSTOM", { xmlns: "urn:example:custom", kind: "a\"b" }, "kept"),
  );
}

const vcardQuery = () => xml("vCard", { xmlns: "vcard-temp" });

describe.each(["tcp", "ws"] as const)("vCard over %s", (transport) => {
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  beforeAll(async () => {
    server = await startTestServer({ users: ["alice", "bob", "carol"], config: { c2s: { max_stanza_size: 1_048_576 }, auth: { anonymous: true } } });
    alice = await server.connect("alice", { transport, resource: "res1" });
    bob = await server.connect("bob", { transport });
  });
  afterAll(() => server.stop());

  it("returns an empty vCard to a user without one, own or another's", async () => {
    for (const [client, to] of [[alice, undefined], [bob, "carol@localhost"]] as const) {
      const reply = await ask(client, "get", to, vcardQuery());
      expect(reply.attrs.type).toBe("result");
      expect(reply.children.map(String)).toEqual(['<vCard xmlns="vcard-temp"/>']);
    }
  });

  it("stores the owner's vCard and returns it verbatim to anyone", async () => {
    const set = await ask(alice, "set", undefined, aliceVcard());
    expect(set.attrs.type).toBe("result");
    expect(set.children).toEqual([]);
    for (const [client, to] of [[alice, undefined], [bob, "alice@localhost"]] as const) {
      const reply = await ask(client, "get", to, vcardQuery());
      expect(reply.attrs.from).toBe("alice@localhost");
      expect(reply.children.map(String)).toEqual([aliceVcard().toString()]);
    }
  });

  it("exposes the profile and photo hash read from the vCard (§7.5, XEP-0153)", async () => {
    const api = server.server.modules.api(vcardModule);
    const aliceJid = parseJid("alice@localhost");
    expect(await api.profile(aliceJid)).toEqual({ fullName: "Alice \"Al\" Smith & <co> é", firstName: "Alice", lastName: "Smith" });
    expect(await api.photoHash(aliceJid)).toBe(imageSha1);
    expect(await api.photoHash(parseJid("carol@localhost"))).toBeNull();
    const many = await api.profiles([aliceJid, parseJid("carol@localhost")]);
    expect([...many.keys()]).toEqual(["alice@localhost"]);
  });

  it("refuses to set another user's vCard or the server's (forbidden)", async () => {
    for (const to of ["bob@localhost", "localhost"]) {
      const reply = await ask(alice, "set", to, xml("vCard", { xmlns: "vcard-temp" }, xml("FN", {}, "Mallory")));
      expect(condition(reply)).toBe("auth/forbidden");
    }
    const bobs = await ask(bob, "get", undefined, vcardQuery());
    expect(bobs.children.map(String)).toEqual(['<vCard xmlns="vcard-temp"/>']);
  });

  it("answers service-unavailable for an unknown account (§9.6)", async () => {
    const reply = await ask(alice, "get", "nobody@localhost", vcardQuery());
    expect(reply.attrs.from).toBe("nobody@localhost");
    expect(condition(reply)).toBe("cancel/service-unavailable");
  });

  it("refuses a vCard over 256 KB with not-acceptable and keeps the old one", async () => {
    const big = xml("vCard", { xmlns: "vcard-temp" }, xml("DESC", {}, "x".repeat(262_145)));
    expect(condition(await ask(alice, "set", undefined, big))).toBe("modify/not-acceptable");
    const reply = await ask(bob, "get", "alice@localhost", vcardQuery());
    expect(reply.children.map(String)).toEqual([aliceVcard().toString()]);
  });

  it("puts the photo hash into the owner's available presence, replacing the client's (XEP-0153)", async () => {
    const alice2 = await server.connect("alice", { transport, resource: "res2" });
    await alice.send(xml("presence", {}, xml("x", { xmlns: "vcard-temp:x:update" }, xml("photo", {}, "stale")), xml("status", {}, "here")));
    const seen = await alice2.receive((s) => s.is("presence") && s.attrs.from === alice.jid && s.getChildText("status") === "here");
    expect(seen.children.map(String)).toEqual(["<status>here</status>", `<x xmlns="vcard-temp:x:update"><photo>${imageSha1}</photo></x>`]);
    await alice2.stop();
  });

  it("advertises no avatar (empty <photo/>) for a user without a vCard photo", async () => {
    await bob.send(xml("presence", {}, xml("status", {}, "bob here")));
    const own = await bob.receive((s) => s.is("presence") && s.attrs.from === bob.jid && s.getChildText("status") === "bob here");
    expect(own.getChild("x", "vcard-temp:x:update")?.toString()).toBe('<x xmlns="vcard-temp:x:update"><photo/></x>');
  });

  it("deletes the vCard with the account", async () => {
    await server.register("dora");
    const dora = await server.connect("dora", { transport });
    expect((await ask(dora, "set", undefined, xml("vCard", { xmlns: "vcard-temp" }, xml("FN", {}, "Dora")))).attrs.type).toBe("result");
    const api = server.server.modules.api(vcardModule);
    expect(await api.profile(parseJid("dora@localhost"))).toEqual({ fullName: "Dora" });
    expect((await server.api("unregister", { user: "dora", host: "localhost" })).status).toBe(200);
    expect(await api.profile(parseJid("dora@localhost"))).toEqual({});
    expect(condition(await ask(bob, "get", "dora@localhost", vcardQuery()))).toBe("cancel/service-unavailable");
    // A new account of the same name starts without the old vCard.
    await server.register("dora");
    expect((await ask(bob, "get", "dora@localhost", vcardQuery())).children.map(String)).toEqual(['<vCard xmlns="vcard-temp"/>']);
    expect(await server.server.modules.api(vcardModule).photoHash(parseJid("dora@localhost"))).toBeNull();
  });

  it("answers the server's own vCard on the host", async () => {
    const reply = await ask(alice, "get", "localhost", vcardQuery());
    expect(reply.attrs.from).toBe("localhost");
    expect(reply.children.map(String)).toEqual(['<vCard xmlns="vcard-temp"><FN>rtc-server</FN></vCard>']);
  });

  it("refuses a vCard set from an anonymous session with cancel/not-allowed", async () => {
    const { raw } = await rawSession(server, transport, "anonymous");
    raw.send('<iq type="set" id="anon-vcard"><vCard xmlns="vcard-temp"><FN>Nobody</FN></vCard></iq>');
    const text = await raw.waitFor(/id="anon-vcard"[\s\S]*?<\/iq>/);
    expect(text).toMatch(/<error type="cancel"><not-allowed xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"\/><\/error><\/iq>/);
    raw.close();
  });
});
