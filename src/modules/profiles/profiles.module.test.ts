import { describe, expect, it } from "vitest";
import { parseJid } from "../../xmpp/jid.js";
import { resolveProfile } from "./profiles.module.js";

const alice = parseJid("65f0a1_alice@chat.example.com");

describe("resolveProfile (PROTOCOL §7.5 precedence)", () => {
  it.each([
    ["vCard FN and photo win", { fullName: "Alice V", photoUrl: "https://v" }, { name: "Alice D", photo: "https://d" }, { name: "Alice V", photo: "https://v" }],
    ["<data> when the vCard has neither", { firstName: "Al" }, { name: "Alice D", photo: "https://d" }, { name: "Alice D", photo: "https://d" }],
    ["mixed: vCard name, <data> photo", { fullName: "Alice V" }, { name: "Alice D", photo: "https://d" }, { name: "Alice V", photo: "https://d" }],
    ["localpart and no photo when nothing is known", undefined, undefined, { name: "65f0a1_alice", photo: undefined }],
    ["empty <data> values count as nothing", {}, { name: "", photo: "" }, { name: "65f0a1_alice", photo: undefined }],
  ])("%s", (_label, vcard, data, expected) => {
    expect(resolveProfile(alice, vcard, data)).toEqual(expected);
  });
});
