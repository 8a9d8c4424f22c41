import { describe, expect, it } from "vitest";
import { el } from "../../xml/element.js";
import { HistoryBuffer } from "./room-history.js";

const msg = (i: number) => el("message", { id: `m${i}` }, el("body", null, "x".repeat(10)));

describe("room history ring (XEP-0045 §7.2.14)", () => {
  it("keeps the last N messages, oldest first", () => {
    const h = new HistoryBuffer(3);
    for (let i = 1; i <= 5; i++) h.push({ stanza: msg(i), at: i * 1000 });
    expect(h.entries().map((e) => e.stanza.attrs["id"])).toEqual(["m3", "m4", "m5"]);
  });
  it("applies maxstanzas, seconds, since and maxchars, keeping the newest", () => {
    const h = new HistoryBuffer(10);
    for (let i = 1; i <= 5; i++) h.push({ stanza: msg(i), at: i * 1000 });
    const ids = (r: Parameters<HistoryBuffer["select"]>[0]) => h.select(r, 5000).map((e) => e.stanza.attrs["id"]);
    expect(ids({})).toEqual(["m1", "m2", "m3", "m4", "m5"]);
    expect(ids({ maxstanzas: 2 })).toEqual(["m4", "m5"]);
    expect(ids({ maxstanzas: 0 })).toEqual([]);
    expect(ids({ seconds: 2 })).toEqual(["m3", "m4", "m5"]);
    expect(ids({ since: 4000 })).toEqual(["m4", "m5"]);
    const one = '<message id="m5"><body>xxxxxxxxxx</body></message>'.length;
    expect(ids({ maxchars: one * 2 })).toEqual(["m4", "m5"]);
    expect(ids({ maxchars: one - 1 })).toEqual([]);
  });
});
