// MUC in the `standard` profile (PROTOCOL Appendix A): any local user creates a room by joining, rooms are
// temporary unless configured persistent, nicks are free (no tenant guard) but anonymous sessions are
// still refused (§2.6); instant and reserved rooms as generic XEP-0045 clients make them (§10.1).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawSession } from "../harness/raw-session.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";
import { xml, type TestClient, type Transport } from "../harness/test-client.js";
import { errorOf, groupchat, iqGet, iqReply, iqSet, item, join, joined, leave, nextId, NS_DATA, NS_MUC_OWNER, statusCodes, submitForm } from "./muc-helpers.js";

const SERVICE = "conference.localhost";
let roomSeq = 0;
const newRoom = () => `std${++roomSeq}${Math.random().toString(36).slice(2, 6)}@${SERVICE}`;

describe.each<Transport>(["ws", "tcp"])("MUC in the standard profile over %s", (transport) => {
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  const options = async (room: string) => (await server.api("get_room_options", { name: room })).body as Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer({ profile: "standard", users: ["alice", "bob"], config: { auth: { mechanisms: ["PLAIN"], anonymous: true } } });
    [alice, bob] = await Promise.all([server.connect("alice", { transport }), server.connect("bob", { transport })]);
  });
  afterAll(() => server.stop());

  it("lets a local user create a temporary room by joining (201), as owner, under any nick", async () => {
    const room = newRoom();
    const self = await joined(alice, `${room}/Alice Smith`);
    expect(statusCodes(self)).toEqual(["110", "201"]);
    expect(item(self)).toMatchObject({ affiliation: "owner", role: "moderator" });
    expect(await options(room)).toMatchObject({ persistent: "false", mam: "true", allow_subscription: "true" });
    await joined(bob, `${room}/Bob`);
    const id = nextId();
    await bob.send(groupchat(room, "hello", id));
    expect((await alice.receive((s) => s.attrs.id === id)).attrs.from).toBe(`${room}/Bob`);
    await leave(bob, `${room}/Bob`);
    await leave(alice, `${room}/Alice Smith`);
    // §3.5: a temporary room with no occupants is gone.
    expect(await options(room)).toEqual({});
  });

  it("accepts an instant room (empty submit) and configures a reserved room through the form (XEP-0045 §10.1)", async () => {
    const instant = newRoom();
    await joined(alice, `${instant}/alice`);
    const empty = xml("query", { xmlns: NS_MUC_OWNER }, xml("x", { xmlns: NS_DATA, type: "submit" }));
    expect((await iqReply(alice, iqSet(instant, empty))).attrs.type).toBe("result");
    const reserved = newRoom();
    await joined(alice, `${reserved}/alice`);
    const form = await iqReply(alice, iqGet(reserved, xml("query", { xmlns: NS_MUC_OWNER })));
    expect(form.getChild("query")?.getChild("x", NS_DATA)?.attrs.type).toBe("form");
    const set = await iqReply(alice, iqSet(reserved, submitForm({ "muc#roomconfig_persistentroom": "1", "muc#roomconfig_roomname": "Kept" })));
    expect(set.attrs.type).toBe("result");
    await leave(alice, `${reserved}/alice`);
    expect(await options(reserved)).toMatchObject({ persistent: "true", title: "Kept" });
    await leave(alice, `${instant}/alice`);
    expect(await options(instant)).toEqual({});
  });

  it("refuses a nick held by another user, and changes nicks with 303", async () => {
    const room = newRoom();
    await joined(alice, `${room}/alice`);
    expect(errorOf(await join(bob, `${room}/alice`))).toEqual({ type: "cancel", condition: "conflict", text: "That nickname is already in use by another occupant" });
    await joined(bob, `${room}/bob`);
    const id = nextId("nick");
    await bob.send(xml("presence", { to: `${room}/robert`, id }));
    const out = await alice.receive((s) => s.attrs.type === "unavailable" && s.attrs.from === `${room}/bob`);
    expect(statusCodes(out)).toEqual(["303"]);
    expect(item(out).nick).toBe("robert");
    await alice.receive((s) => s.attrs.from === `${room}/robert` && s.attrs.type === undefined);
    expect(errorOf(await join(bob, `${room}/alice`)).condition).toBe("conflict");
    await leave(bob, `${room}/robert`);
    await leave(alice, `${room}/alice`);
  });

  it("refuses anonymous sessions with 'anonymous not allowed', creation included (§2.6)", async () => {
    const { raw } = await rawSession(server, transport, "anonymous");
    const room = newRoom();
    raw.send(`<presence to="${room}/guest" id="anon1"><x xmlns="http://jabber.org/protocol/muc"/></presence>`);
    const text = await raw.waitFor(/id="anon1"[^]*?<\/presence>/);
    expect(text).toContain("<forbidden xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/><text xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\">anonymous not allowed</text>");
    raw.close();
    expect(await options(room)).toEqual({});
  });

  it("lets the creator destroy the room; the other occupants get <destroy/>", async () => {
    const room = newRoom();
    await joined(alice, `${room}/alice`);
    await joined(bob, `${room}/bob`);
    await iqReply(alice, iqSet(room, xml("query", { xmlns: NS_MUC_OWNER }, xml("destroy", {}, xml("reason", {}, "done")))));
    const gone = await bob.receive((s) => s.attrs.type === "unavailable" && s.attrs.from === `${room}/bob`);
    expect(gone.getChild("x", "http://jabber.org/protocol/muc#user")?.getChild("destroy")?.getChildText("reason")).toBe("done");
    expect(await options(room)).toEqual({});
  });
});
