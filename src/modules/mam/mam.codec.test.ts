import { describe, expect, it } from "vitest";
import { parseXml } from "../../xml/stream-parser.js";
import { serialize } from "../../xml/serialize.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { finElement, formFieldsElement, metadataElement, parseDateTimeMicros, parseQuery } from "./mam.codec.js";
import { EntryKind, type ArchiveEntry } from "./mam.types.js";

function query(inner: string, ns = "urn:xmpp:mam:2", attrs = ""): ReturnType<typeof parseQuery> {
  return parseQuery(parseXml(`<query xmlns="${ns}"${attrs}>${inner}</query>`));
}

const rsm = (inner: string) => `<set xmlns="http://jabber.org/protocol/rsm">${inner}</set>`;
const form = (fields: string) => `<x xmlns="jabber:x:data" type="submit"><field var="FORM_TYPE" type="hidden"><value>urn:xmpp:mam:2</value></field>${fields}</x>`;
const field = (name: string, value: string) => `<field var="${name}"><value>${value}</value></field>`;

function badRequest(run: () => unknown): void {
  let caught: unknown;
  try {
    run();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(StanzaError);
  expect((caught as StanzaError).condition).toBe("bad-request");
  expect((caught as StanzaError).type).toBe("modify");
}

describe("parseQuery (PROTOCOL §6.4)", () => {
  it("defaults: no form, max 50, no bounds; queryid and namespace kept", () => {
    expect(query("", "urn:xmpp:mam:1", ' queryid="q1"')).toEqual({ ns: "urn:xmpp:mam:1", queryId: "q1", filters: {}, page: { max: 50 } });
  });

  it("reads RSM: max clamped to 250, empty before is the last page, ids numeric", () => {
    expect(query(rsm("<max>1000</max><before/>")).page).toEqual({ max: 250, before: "last", after: undefined, index: undefined });
    expect(query(rsm("<max>30</max><before>1727199609620712</before>")).page.before).toBe(1727199609620712);
    expect(query(rsm("<after>17</after><before>99</before>")).page).toMatchObject({ max: 50, after: 17, before: 99 });
    expect(query(rsm("<max>0</max>")).page.max).toBe(0);
    expect(query(rsm("<max>5</max><index>10</index>")).page).toMatchObject({ max: 5, index: 10 });
    expect(query(rsm("<before>99999999999999999999</before>")).page.before).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("refuses non-numeric ids and counts with modify/bad-request", () => {
    badRequest(() => query(rsm("<before>abc</before>")));
    badRequest(() => query(rsm("<after>12a</after>")));
    badRequest(() => query(rsm("<after>-5</after>")));
    badRequest(() => query(rsm("<max>-1</max>")));
    badRequest(() => query(rsm("<max>ten</max>")));
    badRequest(() => query(rsm("<index>x</index>")));
  });

  it("reads the form: with (bare or full), start, end; unknown fields ignored", () => {
    expect(query(form(field("with", "Bob@Example.com") + field("unknown", "x"))).filters).toEqual({ with: { bare: "bob@example.com", resource: undefined }, start: undefined, end: undefined });
    expect(query(form(field("with", "bob@example.com/phone"))).filters.with).toEqual({ bare: "bob@example.com", resource: "phone" });
    const f = query(form(field("start", "2024-09-24T14:41:25.290611Z") + field("end", "2024-09-24T14:41:26Z"))).filters;
    expect(f.start).toBe(1727188885290611);
    expect(f.end).toBe(1727188886000000);
  });

  it("refuses invalid dates and JIDs in the form", () => {
    badRequest(() => query(form(field("start", "yesterday"))));
    badRequest(() => query(form(field("end", "2024-13-01T00:00:00Z"))));
    badRequest(() => query(form(field("end", "2024-02-30T00:00:00Z"))));
    badRequest(() => query(form(field("with", "a@b@c/"))));
  });
});

describe("parseDateTimeMicros (XEP-0082)", () => {
  it.each([
    ["2024-09-24T14:41:25Z", 1727188885000000],
    ["2024-09-24T14:41:25.2Z", 1727188885200000],
    ["2024-09-24T14:41:25.2906119Z", 1727188885290611],
    ["2024-09-24T16:41:25.290611+02:00", 1727188885290611],
    ["2024-09-24T09:11:25-05:30", 1727188885000000],
    ["1970-01-01T00:00:00Z", 0],
  ])("%s", (text, micros) => {
    expect(parseDateTimeMicros(text)).toBe(micros);
  });
});

describe("reply payloads", () => {
  const entry = (id: number): ArchiveEntry => ({ archive: "a@b", id, peer: "c@b", peerResource: "", nick: null, kind: EntryKind.chat, originId: null, stanza: "<message/>" });

  it("fin carries first index, last and count (§6.6)", () => {
    const fin = finElement("urn:xmpp:mam:2", { entries: [entry(17), entry(18)], count: 442, firstIndex: 412, complete: false });
    expect(serialize(fin)).toBe(
      '<fin xmlns="urn:xmpp:mam:2" complete="false"><set xmlns="http://jabber.org/protocol/rsm"><first index="412">17</first><last>18</last><count>442</count></set></fin>',
    );
  });

  it("an empty page has only count, in the request's namespace", () => {
    expect(serialize(finElement("urn:xmpp:mam:1", { entries: [], count: 0, firstIndex: 0, complete: true }))).toBe(
      '<fin xmlns="urn:xmpp:mam:1" complete="true"><set xmlns="http://jabber.org/protocol/rsm"><count>0</count></set></fin>',
    );
  });

  it("form fields and metadata", () => {
    expect(serialize(formFieldsElement("urn:xmpp:mam:2"))).toBe(
      '<query xmlns="urn:xmpp:mam:2"><x xmlns="jabber:x:data" type="form"><field type="hidden" var="FORM_TYPE"><value>urn:xmpp:mam:2</value></field><field type="jid-single" var="with"/><field type="text-single" var="start"/><field type="text-single" var="end"/></x></query>',
    );
    expect(serialize(metadataElement(undefined))).toBe('<metadata xmlns="urn:xmpp:mam:2"/>');
    expect(serialize(metadataElement({ first: 1727188885290611, last: 1727188886000000 }))).toBe(
      '<metadata xmlns="urn:xmpp:mam:2"><start id="1727188885290611" timestamp="2024-09-24T14:41:25.290611Z"/><end id="1727188886000000" timestamp="2024-09-24T14:41:26.000000Z"/></metadata>',
    );
  });
});
