// PROTOCOL §7.8 "Request": the form fields in the table's order, msgSubj, and the body byte for byte.
import { describe, expect, it } from "vitest";
import type { OfflinePostConfig } from "../../config/config.types.js";
import { parseXml } from "../../xml/stream-parser.js";
import { parseJid } from "../../xmpp/jid.js";
import { displayName, encodeForm, formFields, postUrl, type PushMessage } from "./push.form.js";

const config: OfflinePostConfig = {
  common_post_url: "http://push.example/common",
  voip_post_url: null,
  auth_token: "s3cr3t",
  ttl: 86400,
  sound: "default",
  max_age_s: 600,
};

const bob = parseJid("65f0a1_bob@chat.example.com");
const alice = parseJid("65f0a1_alice@chat.example.com");
const lobby = parseJid("65f0a1_lobby@conference.chat.example.com");

function roomMessage(xml: string, msgId = "1727199609620712"): PushMessage {
  return { recipient: bob, sender: alice, stanza: parseXml(xml), room: lobby, nick: "65f0a1_alice", msgId, call: false };
}

function direct(xml: string, call = false, msgId = "m1"): PushMessage {
  return { recipient: bob, sender: alice, stanza: parseXml(xml), room: undefined, nick: undefined, msgId, call };
}

describe("the §7.8 body", () => {
  it("matches the spec's example byte for byte", () => {
    const message = roomMessage(
      `<message from="65f0a1_lobby@conference.chat.example.com/65f0a1_alice" to="65f0a1_bob@chat.example.com" type="groupchat" id="x"><data senderFirstName="Alice" senderLastName="Smith" mucName="Lobby"/><body>Hello</body></message>`,
    );
    expect(encodeForm(formFields(message, config))).toBe(
      "jid=65f0a1_bob%40chat.example.com&msgSubj=Alice+Smith+%28Lobby%29&fullName=Alice+Smith+%28Lobby%29&msgText=Hello&translations=&msgID=1727199609620712&MUCID=65f0a1_lobby%40conference.chat.example.com&image=&project=all&TTL=86400&sound=default&access_token=s3cr3t&sender=65f0a1_alice%40chat.example.com",
    );
  });

  it("encodes UTF-8, reserved characters and JSON", () => {
    expect(encodeForm([["a", "é & = + ? / * ~ ! ' \" {}"]])).toBe("a=%C3%A9+%26+%3D+%2B+%3F+%2F+*+%7E+%21+%27+%22+%7B%7D");
  });

  it("has the call fields, in order, only for call signalling; msgText is empty", () => {
    const call = direct(`<message type="chat"><data type="call-invite" callId="c-1" room="r-9" kind="video" token="tok" fullName="Alice S"/><body>ignored</body></message>`, true);
    expect(formFields(call, config).map(([k]) => k)).toEqual([
      "jid", "msgSubj", "fullName", "msgText", "translations", "msgID", "MUCID", "image", "project", "TTL", "sound", "access_token", "sender",
      "callType", "callId", "room", "kind", "callToken",
    ]);
    const fields = Object.fromEntries(formFields(call, config));
    expect(fields).toMatchObject({ msgText: "", msgSubj: "Alice S", MUCID: "", callType: "call-invite", callId: "c-1", room: "r-9", kind: "video", callToken: "tok" });
    expect(formFields(direct(`<message><body>x</body></message>`), config).map(([k]) => k)).not.toContain("callType");
  });

  it("carries translations, image (photo, else photoURL) and project", () => {
    const fields = (xml: string) => Object.fromEntries(formFields(direct(xml), config));
    const t = `[{"lang":"de","translatedText":"Hallo"}]`;
    expect(fields(`<message><data photo="p.png" photoURL="u.png" project="acme"/><body>x</body><translations value='${t}'/></message>`)).toMatchObject({
      translations: t,
      image: "p.png",
      project: "acme",
    });
    expect(fields(`<message><data photo="" photoURL="u.png" project=""/><body>x</body></message>`)).toMatchObject({ image: "u.png", project: "all", translations: "" });
    expect(fields(`<message><body>x</body></message>`)).toMatchObject({ image: "", project: "all", msgID: "m1", access_token: "s3cr3t", TTL: "86400", sound: "default" });
  });
});

describe("msgSubj (§7.8)", () => {
  it.each<[string, string, boolean, string]>([
    ["first and last name", `<data senderFirstName="Alice" senderLastName="Smith"/>`, false, "Alice Smith"],
    ["first name only (trimmed)", `<data senderFirstName="Alice" senderLastName=""/>`, false, "Alice"],
    ["last name only (trimmed)", `<data senderLastName="Smith"/>`, false, "Smith"],
    ["fullName when the names are empty", `<data senderFirstName=" " fullName="Alice Smith"/>`, false, "Alice Smith"],
    ["no <data>: the localpart (1:1)", ``, false, "65f0a1_alice"],
    ["no <data>: the nick (groupchat)", ``, true, "65f0a1_alice"],
    ["mucName appended", `<data fullName="Alice" mucName="Lobby"/>`, true, "Alice (Lobby)"],
    ["mucname (lower case) appended", `<data fullName="Alice" mucname="Lobby"/>`, true, "Alice (Lobby)"],
    ["empty mucName not appended", `<data fullName="Alice" mucName=""/>`, true, "Alice"],
    ["<data> in another namespace", `<data xmlns="wss://chat.example.com/ws" fullName="Alice W"/>`, false, "Alice W"],
  ])("%s", (_name, data, inRoom, expected) => {
    const xml = `<message>${data}<body>x</body></message>`;
    expect(displayName(inRoom ? { ...roomMessage(xml), nick: "65f0a1_alice" } : direct(xml))).toBe(expected);
  });
});

describe("the target URL", () => {
  it("sends call signalling to voip_post_url when set, everything else to common_post_url", () => {
    const call = direct(`<message><data type="call-invite"/></message>`, true);
    const text = direct(`<message><body>x</body></message>`);
    expect(postUrl(call, config)).toBe("http://push.example/common");
    const voip = { ...config, voip_post_url: "http://push.example/voip" };
    expect(postUrl(call, voip)).toBe("http://push.example/voip");
    expect(postUrl(text, voip)).toBe("http://push.example/common");
  });
});
