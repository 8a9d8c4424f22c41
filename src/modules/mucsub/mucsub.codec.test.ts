import { describe, expect, it } from "vitest";
import { el } from "../../xml/element.js";
import { serialize } from "../../xml/serialize.js";
import { parseXml } from "../../xml/stream-parser.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { innerCopy, parseSubscribe, subscribeReply, wrapEvent } from "./mucsub.codec.js";
import { knownNodes, nodesFromArgument, nodesFromText, nodesToText } from "./mucsub.nodes.js";
import { parseSubscribersOption } from "./subscribers-option.js";

const ROOM = "65f0a1_lobby@conference.chat.example.com";

describe("MucSub codec (PROTOCOL §5.2, §5.5)", () => {
  it("parses nick, jid and known nodes in order, ignoring unknown and repeated nodes", () => {
    const payload = parseXml(
      `<subscribe xmlns="urn:xmpp:mucsub:0" nick="65f0a1_alice" jid="65f0a1_bob@chat.example.com/res"><event node="urn:xmpp:mucsub:nodes:presence"/><event node="urn:xmpp:mucsub:nodes:bogus"/><event node="urn:xmpp:mucsub:nodes:messages"/><event node="urn:xmpp:mucsub:nodes:presence"/></subscribe>`,
    );
    const request = parseSubscribe(payload);
    expect(request.nick).toBe("65f0a1_alice");
    expect(request.jid?.toString()).toBe("65f0a1_bob@chat.example.com");
    expect(request.nodes).toEqual(["presence", "messages"]);
  });

  it("refuses a malformed jid attribute with jid-malformed", () => {
    const payload = parseXml(`<subscribe xmlns="urn:xmpp:mucsub:0" jid="a@b@c/"/>`);
    expect(() => parseSubscribe(payload)).toThrow(StanzaError);
  });

  it("echoes the accepted nodes", () => {
    expect(serialize(subscribeReply("n", ["messages", "subject"]), NS.client)).toBe(
      `<subscribe xmlns="urn:xmpp:mucsub:0" nick="n"><event node="urn:xmpp:mucsub:nodes:messages"/><event node="urn:xmpp:mucsub:nodes:subject"/></subscribe>`,
    );
  });

  it("wraps the occupant copy exactly as §5.5 shows, the inner `to` being the subscriber's bare JID", () => {
    const occupantCopy = parseXml(
      `<message xmlns="jabber:client" from="${ROOM}/65f0a1_alice" type="groupchat" id="m1"><archived xmlns="urn:xmpp:mam:tmp" by="${ROOM}" id="17"/><stanza-id xmlns="urn:xmpp:sid:0" by="${ROOM}" id="17"/><data senderFirstName="Alice"/><body>Hello</body></message>`,
    );
    const wrapped = wrapEvent(ROOM, "messages", "17", innerCopy(occupantCopy, "65f0a1_bob@chat.example.com"), "65f0a1_bob@chat.example.com/res9");
    expect(serialize(wrapped, NS.client)).toBe(
      `<message from="${ROOM}" to="65f0a1_bob@chat.example.com/res9" id="17"><event xmlns="http://jabber.org/protocol/pubsub#event"><items node="urn:xmpp:mucsub:nodes:messages"><item id="17">` +
        `<message xmlns="jabber:client" from="${ROOM}/65f0a1_alice" to="65f0a1_bob@chat.example.com" type="groupchat" id="m1"><archived xmlns="urn:xmpp:mam:tmp" by="${ROOM}" id="17"/><stanza-id xmlns="urn:xmpp:sid:0" by="${ROOM}" id="17"/><data senderFirstName="Alice"/><body>Hello</body></message>` +
        `</item></items></event></message>`,
    );
    // The occupant copy itself is untouched (it is shared with the room's fan-out).
    expect(occupantCopy.attrs["to"]).toBeUndefined();
  });

  it("wraps non-message payloads too (the :subscribers notice)", () => {
    const notice = el("subscribe", { xmlns: NS.mucsub, jid: "u@h", nick: "u" });
    expect(serialize(wrapEvent(ROOM, "subscribers", "ab", notice), NS.client)).toBe(
      `<message from="${ROOM}" id="ab"><event xmlns="http://jabber.org/protocol/pubsub#event"><items node="urn:xmpp:mucsub:nodes:subscribers"><item id="ab"><subscribe xmlns="urn:xmpp:mucsub:0" jid="u@h" nick="u"/></item></items></event></message>`,
    );
  });
});

describe("MucSub nodes (§5.1, §8.4)", () => {
  it("accepts URNs and short names, drops unknown ones", () => {
    expect(knownNodes(["urn:xmpp:mucsub:nodes:messages", "subject", "nope", "messages"])).toEqual(["messages", "subject"]);
    expect(nodesFromArgument("urn:xmpp:mucsub:nodes:messages, presence")).toEqual(["messages", "presence"]);
    expect(nodesFromArgument(["config", "system"])).toEqual(["config", "system"]);
    expect(nodesFromArgument(undefined)).toEqual([]);
    expect(nodesFromArgument(42)).toBeUndefined();
    expect(nodesFromText(nodesToText(["messages", "system"]))).toEqual(["messages", "system"]);
    expect(nodesFromText("")).toEqual([]);
  });
});

describe("create_room_with_opts `subscribers` (§8.5)", () => {
  it("reads the current form, the older one, and a JSON array", () => {
    expect(
      parseSubscribersOption("a@h=Alice=urn:xmpp:mucsub:nodes:messages=presence;b@h=Bob").map((s) => ({ jid: s.jid.toString(), nick: s.nick, nodes: s.nodes })),
    ).toEqual([
      { jid: "a@h", nick: "Alice", nodes: ["messages", "presence"] },
      { jid: "b@h", nick: "Bob", nodes: [] },
    ]);
    expect(parseSubscribersOption("a@h:Alice:urn:xmpp:mucsub:nodes:messages:subject,b@h:Bob").map((s) => [s.jid.toString(), s.nick, s.nodes])).toEqual([
      ["a@h", "Alice", ["messages", "subject"]],
      ["b@h", "Bob", []],
    ]);
    expect(parseSubscribersOption(`[{"jid":"a@h","nodes":["messages"]}]`).map((s) => [s.jid.toString(), s.nick, s.nodes])).toEqual([["a@h", "a", ["messages"]]]);
    expect(() => parseSubscribersOption("not a jid@=x")).toThrow();
  });
});
