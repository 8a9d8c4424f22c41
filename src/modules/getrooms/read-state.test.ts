import { describe, expect, it } from "vitest";
import { readMarkersFromJson, readMarkersFromXml, unreadAfterId } from "./read-state.js";

describe("read markers (§9.5 chatjson:store)", () => {
  it("reads the stored element's JSON value, room JIDs normalised", () => {
    const xml = `<chatjson xmlns="chatjson:store" value="{&quot;65f0a1_Lobby@conference.chat.example.com&quot;:&quot;1772618245224&quot;,&quot;b@c&quot;:17}"/>`;
    expect(readMarkersFromXml(xml)).toEqual(
      new Map([
        ["65f0a1_lobby@conference.chat.example.com", 1772618245224],
        ["b@c", 17],
      ]),
    );
  });

  it.each([
    ["no element", undefined],
    ["not XML", "<chatjson"],
    ["no value", `<chatjson xmlns="chatjson:store"/>`],
    ["not JSON", `<chatjson xmlns="chatjson:store" value="{"/>`],
    ["an array", `<chatjson xmlns="chatjson:store" value="[1]"/>`],
  ])("reads nothing from %s", (_name, xml) => {
    expect(readMarkersFromXml(xml).size).toBe(0);
  });

  it("skips values that are not epoch numbers, scales µs to ms, keeps the later of two spellings", () => {
    const markers = readMarkersFromJson(JSON.stringify({ "a@c": "x", "b@c": "-5", "c@c": "1727199609620712", "D@c": "10", "d@c": "20", "e@c": null }));
    expect(markers).toEqual(
      new Map([
        ["c@c", 1727199609620],
        ["d@c", 20],
      ]),
    );
  });

  it("counts what is newer than the marker's millisecond, or everything from membership on", () => {
    expect(unreadAfterId(1_000, 0)).toBe(1_000_999);
    expect(unreadAfterId(undefined, 2_000)).toBe(1_999_999);
  });
});
