import { describe, expect, it } from "vitest";
import { parseXml } from "../../xml/stream-parser.js";
import { dataHint } from "./profiles.data.js";

const msg = (inner: string) => parseXml(`<message xmlns="jabber:client" type="groupchat">${inner}<body>hi</body></message>`);

describe("dataHint (PROTOCOL §7.5 profile cache)", () => {
  it.each([
    ["fullName wins over first/last", '<data fullName="Alice Smith" senderFirstName="Al" senderLastName="S"/>', { name: "Alice Smith", photo: "" }],
    ["first + last, trimmed", '<data senderFirstName=" Bob " senderLastName=""/>', { name: "Bob", photo: "" }],
    ["last name only", '<data senderLastName="Jones"/>', { name: "Jones", photo: "" }],
    ["blank fullName falls back to first/last", '<data fullName="  " senderFirstName="Carol" senderLastName="King"/>', { name: "Carol King", photo: "" }],
    ["photo first", '<data photo="https://p/1" photoURL="https://p/2" profileImage="https://p/3"/>', { name: "", photo: "https://p/1" }],
    ["photoURL next", '<data photo="" photoURL="https://p/2" profileImage="https://p/3"/>', { name: "", photo: "https://p/2" }],
    ["profileImage last", '<data profileImage=" https://p/3 "/>', { name: "", photo: "https://p/3" }],
    ["any namespace", '<data xmlns="wss://chat.example.com/ws" fullName="Dan"/>', { name: "Dan", photo: "" }],
  ])("%s", (_label, inner, expected) => {
    expect(dataHint(msg(inner))).toEqual(expected);
  });

  it.each([
    ["no <data>", "<x xmlns='urn:other' fullName='Nope'/>"],
    ["empty <data>", "<data/>"],
    ["only blank values", '<data fullName=" " senderFirstName="" photo="  "/>'],
    ["unrelated attributes", '<data isSystemMessage="false" push="true"/>'],
  ])("nothing for %s", (_label, inner) => {
    expect(dataHint(msg(inner))).toBeUndefined();
  });
});
