import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { serialize } from "../../xml/serialize.js";
import { parseXml } from "../../xml/stream-parser.js";
import { photoUpdate, summarizeVcard, withPhotoUpdate } from "./vcard.profile.js";

const image = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 250]);
const sha1 = createHash("sha1").update(image).digest("hex");

describe("summarizeVcard", () => {
  it("reads FN, N/GIVEN, N/FAMILY and PHOTO/EXTVAL, trimmed", () => {
    const vcard = parseXml(
      '<vCard xmlns="vcard-temp"><FN> Alice Smith </FN><N><FAMILY>Smith</FAMILY><GIVEN>Alice</GIVEN></N>' +
        "<PHOTO><EXTVAL>https://cdn.example.com/a.png</EXTVAL></PHOTO><URL>https://alice.example</URL></vCard>",
    );
    expect(summarizeVcard(vcard)).toEqual({
      profile: { fullName: "Alice Smith", firstName: "Alice", lastName: "Smith", photoUrl: "https://cdn.example.com/a.png" },
      photo: { kind: "external" },
    });
  });

  it("falls back to the vCard URL for the photo URL (PROTOCOL §7.5) and leaves empty fields out", () => {
    const vcard = parseXml('<vCard xmlns="vcard-temp"><FN>  </FN><URL>https://cdn.example.com/b.png</URL></vCard>');
    expect(summarizeVcard(vcard)).toEqual({ profile: { photoUrl: "https://cdn.example.com/b.png" }, photo: { kind: "none" } });
  });

  it("hashes the decoded BINVAL bytes, ignoring line breaks in the base64 (XEP-0153 §2)", () => {
    const b64 = image.toString("base64");
    const wrapped = b64.slice(0, 4) + "\n  " + b64.slice(4);
    const vcard = parseXml(`<vCard xmlns="vcard-temp"><PHOTO><TYPE>image/png</TYPE><BINVAL>${wrapped}</BINVAL></PHOTO></vCard>`);
    expect(summarizeVcard(vcard).photo).toEqual({ kind: "hash", sha1 });
  });

  it("ignores elements outside vcard-temp", () => {
    const vcard = parseXml('<vCard xmlns="vcard-temp"><FN xmlns="urn:other">Eve</FN></vCard>');
    expect(summarizeVcard(vcard).profile).toEqual({});
  });
});

describe("XEP-0153 presence update", () => {
  it("is a hash, an empty <photo/>, or nothing for an external photo", () => {
    expect(serialize(photoUpdate({ kind: "hash", sha1 })!)).toBe(`<x xmlns="vcard-temp:x:update"><photo>${sha1}</photo></x>`);
    expect(serialize(photoUpdate({ kind: "none" })!)).toBe('<x xmlns="vcard-temp:x:update"><photo/></x>');
    expect(photoUpdate({ kind: "external" })).toBeUndefined();
  });

  it("replaces the client's x:update at the end and keeps the other children in order, without touching the original", () => {
    const text = '<presence><show>away</show><x xmlns="vcard-temp:x:update"><photo>old</photo></x><status>hi</status></presence>';
    const presence = parseXml(text);
    const rewritten = withPhotoUpdate(presence, { kind: "hash", sha1 });
    expect(serialize(rewritten, "jabber:client")).toBe(
      `<presence><show>away</show><status>hi</status><x xmlns="vcard-temp:x:update"><photo>${sha1}</photo></x></presence>`,
    );
    expect(serialize(presence, "jabber:client")).toBe(text);
  });

  it("only removes the client's element when the photo is external", () => {
    const presence = parseXml('<presence><x xmlns="vcard-temp:x:update"><photo>old</photo></x></presence>');
    expect(serialize(withPhotoUpdate(presence, { kind: "external" }), "jabber:client")).toBe("<presence/>");
  });
});
