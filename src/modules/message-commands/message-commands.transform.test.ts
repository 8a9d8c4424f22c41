import { describe, expect, it } from "vitest";
import { serialize } from "../../xml/serialize.js";
import { parseXml } from "../../xml/stream-parser.js";
import { bodyText, hasBody, isDeleted, mapWrappedMessage, markDeleted, markEdited, wrappedMessage } from "./message-commands.transform.js";

const ROOM = "65f0a1_lobby@conference.chat.example.com";
const HEAD = `<message xmlns="jabber:client" from="${ROOM}/65f0a1_alice" type="groupchat" id="m1">`;
const entry = (inner: string) => parseXml(`${HEAD}${inner}</message>`);
const text = (inner: string) => `${HEAD}${inner}</message>`;
const out = (e: ReturnType<typeof entry>) => serialize(e);
const DATA = '<data xmlns="wss://chat.example.com/ws" senderFirstName="Alice"/>';

describe("markDeleted (§7.1 step 4)", () => {
  it("replaces the body text, drops <translations>, appends <deleted timestamp> last", () => {
    const before = entry(`${DATA}<body>Hello</body><translations value="{}"/><x xmlns="urn:other"/>`);
    const serialisedBefore = out(before);
    expect(out(markDeleted(before, 1727199711000))).toBe(text(`${DATA}<body>deleted</body><x xmlns="urn:other"/><deleted timestamp="1727199711000"/>`));
    expect(out(before)).toBe(serialisedBefore); // input untouched
  });

  it("gives body-less entries no body", () => {
    const reaction = entry('<reactions xmlns="urn:xmpp:reactions:0" id="1"><reaction>👍</reaction></reactions><store xmlns="urn:xmpp:hints"/>');
    expect(out(markDeleted(reaction, 5))).toBe(text('<reactions xmlns="urn:xmpp:reactions:0" id="1"><reaction>👍</reaction></reactions><store xmlns="urn:xmpp:hints"/><deleted timestamp="5"/>'));
  });

  it("keeps an existing <deleted> where it is (deleting twice changes nothing)", () => {
    const once = markDeleted(entry("<body>Hello</body>"), 1);
    expect(out(markDeleted(once, 2))).toBe(text('<body>deleted</body><deleted timestamp="1"/>'));
    expect(isDeleted(once)).toBe(true);
  });

  it("keeps a body in another namespace and a <deleted> in another namespace does not count", () => {
    expect(out(markDeleted(entry('<body xmlns="urn:x">k</body><deleted xmlns="urn:x"/>'), 3))).toBe(text('<body xmlns="urn:x">k</body><deleted xmlns="urn:x"/><deleted timestamp="3"/>'));
  });
});

describe("markEdited (§7.2 Stored)", () => {
  it("sets the body text, drops <translations>, appends one <replaced timestamp>", () => {
    const before = entry(`${DATA}<body>Hello</body><translations value="{}"/>`);
    expect(out(markEdited(before, "Hello, world & you", 10))).toBe(text(`${DATA}<body>Hello, world &amp; you</body><replaced timestamp="10"/>`));
  });

  it("updates an existing <replaced> in place and keeps only one", () => {
    const once = markEdited(entry("<body>a</body><x xmlns=\"urn:y\"/>"), "b", 10);
    const twice = markEdited(once, "c", 20);
    expect(out(twice)).toBe(text('<body>c</body><x xmlns="urn:y"/><replaced timestamp="20"/>'));
    expect(out(markEdited(entry('<replaced timestamp="1"/><body>a</body><replaced timestamp="2"/>'), "z", 30))).toBe(text('<replaced timestamp="30"/><body>z</body>'));
  });

  it("reads bodies as §3.8 does", () => {
    expect(hasBody(entry("<body>x</body>"))).toBe(true);
    expect(hasBody(entry("<body/>"))).toBe(false);
    expect(hasBody(entry('<body xmlns="wow">x</body>'))).toBe(false);
    expect(bodyText(entry("<body/><body>second</body>"))).toBe("second");
    expect(bodyText(entry("<data/>"))).toBeUndefined();
  });
});

describe("MucSub copies (§5.6)", () => {
  const wrapper = parseXml(
    `<message xmlns="jabber:client" from="${ROOM}" to="bob@chat.example.com" id="42"><event xmlns="http://jabber.org/protocol/pubsub#event"><items node="urn:xmpp:mucsub:nodes:messages"><item id="42">` +
      `<message xmlns="jabber:client" from="${ROOM}/65f0a1_alice" to="bob@chat.example.com" type="groupchat" id="m1"><archived xmlns="urn:xmpp:mam:tmp" by="${ROOM}" id="42"/><stanza-id xmlns="urn:xmpp:sid:0" by="${ROOM}" id="42"/><body>Hello</body></message>` +
      `</item></items></event></message>`,
  );

  it("applies the change to the inner message only, keeping the room stamps", () => {
    const changed = mapWrappedMessage(wrapper, (m) => markDeleted(m, 7));
    expect(changed).toBeDefined();
    expect(serialize(wrappedMessage(changed!)!)).toBe(
      `<message xmlns="jabber:client" from="${ROOM}/65f0a1_alice" to="bob@chat.example.com" type="groupchat" id="m1"><archived xmlns="urn:xmpp:mam:tmp" by="${ROOM}" id="42"/><stanza-id xmlns="urn:xmpp:sid:0" by="${ROOM}" id="42"/><body>deleted</body><deleted timestamp="7"/></message>`,
    );
    expect(serialize(changed!).startsWith(`<message xmlns="jabber:client" from="${ROOM}" to="bob@chat.example.com" id="42"><event xmlns="http://jabber.org/protocol/pubsub#event"><items node="urn:xmpp:mucsub:nodes:messages"><item id="42">`)).toBe(true);
    expect(wrappedMessage(wrapper)?.getChildText("body")).toBe("Hello"); // input untouched
  });

  it("returns undefined for a wrapper without an inner message", () => {
    expect(mapWrappedMessage(parseXml('<message xmlns="jabber:client"><body>x</body></message>'), (m) => m)).toBeUndefined();
  });
});
