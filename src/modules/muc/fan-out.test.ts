import { describe, expect, it } from "vitest";
import type { StanzaRouter } from "../../core/module.js";
import { el, type Element } from "../../xml/element.js";
import { Jid } from "../../xmpp/jid.js";
import { FANOUT_SLICE, fanOut } from "./fan-out.js";

function recordingRouter(log: string[]): StanzaRouter {
  return {
    route: async () => undefined,
    broadcast: async (stanza: Element, recipients: Iterable<Jid>) => {
      for (const r of recipients) log.push(`${stanza.attrs["id"]}>${r.local}`);
    },
  };
}

describe("fan-out in slices", () => {
  const people = (n: number) => Array.from({ length: n }, (_, i) => new Jid(`u${i}`, "h", "r"));

  it("reaches every recipient once, in order, in slices of FANOUT_SLICE", async () => {
    const log: string[] = [];
    const n = FANOUT_SLICE * 2 + 7;
    await fanOut(recordingRouter(log), el("message", { id: "a" }), people(n));
    expect(log).toEqual(people(n).map((p) => `a>${p.local}`));
  });

  it("lets other work run between slices while each recipient keeps the room's order", async () => {
    const log: string[] = [];
    const router = recordingRouter(log);
    const everyone = people(FANOUT_SLICE * 3);
    const first = fanOut(router, el("message", { id: "a" }), everyone);
    const second = fanOut(router, el("message", { id: "b" }), everyone);
    let interleaved = false;
    setImmediate(() => (interleaved = log.length < everyone.length * 2));
    await Promise.all([first, second]);
    expect(interleaved).toBe(true);
    for (const p of everyone) expect(log.indexOf(`a>${p.local}`)).toBeLessThan(log.indexOf(`b>${p.local}`));
  });
});
