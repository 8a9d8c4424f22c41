import { describe, expect, it } from "vitest";
import { el } from "../xml/element.js";
import { ACK_REQUEST_GRACE_MS, StreamManagementState } from "./stream-management.js";

const stanza = (id: number) => el("message", { id: String(id) });
const ids = (sm: StreamManagementState) => sm.unacked().map((s) => s.attrs["id"]);

describe("StreamManagementState (XEP-0198, PROTOCOL §2.11)", () => {
  it("keeps sent stanzas until acknowledged, oldest first", () => {
    const sm = new StreamManagementState(false, undefined);
    for (let i = 1; i <= 4; i++) sm.sent(stanza(i));
    expect(sm.ack(2)).toBe(true);
    expect(ids(sm)).toEqual(["3", "4"]);
    expect(sm.ack(2)).toBe(true); // a repeated ack changes nothing
    expect(sm.ack(4)).toBe(true);
    expect(sm.unackedCount).toBe(0);
  });

  it("refuses an h above the number of stanzas sent", () => {
    const sm = new StreamManagementState(false, undefined);
    sm.sent(stanza(1));
    expect(sm.ack(2)).toBe(false);
    expect(ids(sm)).toEqual(["1"]);
  });

  it("counts inbound stanzas and wraps the count at 2^32", () => {
    const sm = new StreamManagementState(true, "id");
    sm.countInbound();
    expect(sm.inbound).toBe(1);
    sm.inbound = 2 ** 32 - 1;
    sm.countInbound();
    expect(sm.inbound).toBe(0);
  });

  it("drains everything unacknowledged for the session.closed hook", () => {
    const sm = new StreamManagementState(true, "id");
    sm.sent(stanza(1));
    sm.sent(stanza(2));
    sm.ack(1);
    expect(sm.drain().map((s) => s.attrs["id"])).toEqual(["2"]);
    expect(sm.unackedCount).toBe(0);
  });

  it("asks for an ack every fifth stanza, but not in the first second after <enabled/>", () => {
    const sm = new StreamManagementState(false, undefined, 10_000);
    const asks: number[] = [];
    for (let i = 1; i <= 12; i++) {
      sm.sent(el("message", { id: String(i) }));
      if (sm.wantsAckRequest(10_000 + ACK_REQUEST_GRACE_MS - 1)) asks.push(i);
    }
    expect(asks).toEqual([]);
    sm.sent(el("message", { id: "13" }));
    expect(sm.wantsAckRequest(10_000 + ACK_REQUEST_GRACE_MS)).toBe(true);
    for (let i = 14; i <= 23; i++) {
      sm.sent(el("message", { id: String(i) }));
      if (sm.wantsAckRequest(20_000)) asks.push(i);
    }
    expect(asks).toEqual([18, 23]);
  });
});
