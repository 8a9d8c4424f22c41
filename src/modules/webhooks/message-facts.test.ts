import { describe, expect, it } from "vitest";
import { parseXml } from "../../xml/stream-parser.js";
import { parseJid } from "../../xmpp/jid.js";
import { appIdOf, bodyText, codePointLength, dataAttributes, hasMedia, hostOf, isReaction, markerTimestamp, messageTsOf, translationsOf } from "./message-facts.js";

const msg = (inner: string) => parseXml(`<message xmlns="jabber:client" id="m1">${inner}</message>`);

describe("message facts for webhooks and stats (PROTOCOL §1.6, §3.8, §7.9, §7.10)", () => {
  it.each([
    ["65f0a1_lobby@conference.chat.example.com", "65f0a1"],
    ["65f0a1_alice@chat.example.com", "65f0a1"],
    ["65f0a1_alice-65f0a1_bob@conference.chat.example.com", "65f0a1"],
    ["admin@chat.example.com", null],
    ["_odd@chat.example.com", null],
    ["chat.example.com", null],
  ])("appId of %s is %s (§1.6 prefix rule)", (jid, appId) => {
    expect(appIdOf(parseJid(jid))).toBe(appId);
  });

  it("maps the MUC service and users to their virtual host", () => {
    const hosts = ["chat.example.com", "other.example.org"];
    expect(hostOf(parseJid("r@conference.other.example.org"), hosts)).toBe("other.example.org");
    expect(hostOf(parseJid("u@chat.example.com/res"), hosts)).toBe("chat.example.com");
    expect(hostOf(parseJid("u@elsewhere.net"), hosts)).toBe("chat.example.com");
  });

  it("reads the body only when it is non-empty and in jabber:client", () => {
    expect(bodyText(msg("<body>Hello</body>"))).toBe("Hello");
    expect(bodyText(msg("<body/>"))).toBeUndefined();
    expect(bodyText(msg('<body xmlns="wow"/>'))).toBeUndefined();
    expect(bodyText(msg('<body xmlns="urn:other">x</body>'))).toBeUndefined();
  });

  it("copies every <data> attribute as a string, {} without <data>", () => {
    expect(dataAttributes(msg('<data xmlns="urn:any" senderFirstName="Alice" isMediafile="true" size="12"/>'))).toEqual({ senderFirstName: "Alice", isMediafile: "true", size: "12" });
    expect(dataAttributes(msg("<body>x</body>"))).toEqual({});
  });

  it("parses <translations value> JSON, null when absent or broken", () => {
    expect(translationsOf(msg(`<translations value='{"translates":[{"lang":"de"}]}'/>`))).toEqual({ translates: [{ lang: "de" }] });
    expect(translationsOf(msg('<translations value="{not json"/>'))).toBeNull();
    expect(translationsOf(msg("<body>x</body>"))).toBeNull();
  });

  it("classes reactions (no body) and media (<data isMediafile>) per §3.8", () => {
    const reaction = msg('<reactions xmlns="urn:xmpp:reactions:0" id="1727199609620712"><reaction>👍</reaction></reactions><store xmlns="urn:xmpp:hints"/>');
    expect(isReaction(reaction)).toBe(true);
    expect(isReaction(msg('<body>hi</body><reactions xmlns="urn:xmpp:reactions:0" id="1"/>'))).toBe(false);
    expect(isReaction(msg('<reactions xmlns="urn:other" id="1"/>'))).toBe(false);
    expect(hasMedia(msg('<body>media</body><data isMediafile="true" location="https://x/y.png"/><store xmlns="urn:xmpp:hints"/>'))).toBe(true);
    expect(hasMedia(msg('<body>m</body><data isMediafile="false"/>'))).toBe(false);
    expect(hasMedia(msg("<body>m</body>"))).toBe(false);
  });

  it("reads <deleted>/<replaced> timestamps and converts archive ids to ms", () => {
    expect(markerTimestamp(msg('<body>deleted</body><deleted timestamp="1727199711000"/>'), "deleted")).toBe(1727199711000);
    expect(markerTimestamp(msg('<replaced timestamp="abc"/>'), "replaced")).toBeNull();
    expect(markerTimestamp(msg("<body>x</body>"), "replaced")).toBeNull();
    expect(messageTsOf(1727199609620712)).toBe(1727199609620);
    expect(messageTsOf("1727199609620999")).toBe(1727199609620);
  });

  it("counts body length in code points", () => {
    expect(codePointLength("Hello")).toBe(5);
    expect(codePointLength("👍🏽a")).toBe(3);
    expect(codePointLength("Grüße")).toBe(5);
    expect(codePointLength("")).toBe(0);
    expect(codePointLength("\udc00x")).toBe(2); // a lone low surrogate still counts
  });
});
