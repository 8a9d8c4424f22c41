import { describe, expect, it } from "vitest";
import { el } from "../../xml/element.js";
import { parseJid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { completedAccess, refusedAccess } from "./mam.audit.js";

const alice = parseJid("65f0a1_alice@h/res1");
const room = parseJid("65f0a1_lobby@conference.h");

describe("history.accessed payloads (room archives; user archives take the same path) (PROTOCOL §6.8, §7.9)", () => {
  it("reports a completed query with its page as requested and its outcome", () => {
    const summary = { queryId: "q1", page: { max: 30, before: "last" as const }, returned: 30, count: 442, complete: false };
    expect(completedAccess("room", alice, room, summary)).toEqual({
      outcome: "completed", requester: alice, archive: room, archiveType: "room", queryId: "q1",
      max: 30, before: "", after: undefined, returned: 30, count: 442, complete: false, error: undefined,
    });
    const forward = completedAccess("room", alice, room, { ...summary, queryId: undefined, page: { max: 50, after: 17, before: 99 } });
    expect([forward.queryId, forward.after, forward.before]).toEqual([undefined, "17", "99"]);
  });

  it("reports a refused query with the RSM values as sent and the error", () => {
    const payload = el("query", { xmlns: NS.mam2, queryid: "q2" }, el("set", { xmlns: NS.rsm }, el("max", null, "20"), el("before", null, "12abc")));
    expect(refusedAccess("room", alice, room, payload, new StanzaError("bad-request", "Invalid archive id"))).toEqual({
      outcome: "refused", requester: alice, archive: room, archiveType: "room", queryId: "q2",
      max: 20, before: "12abc", after: undefined, returned: 0, count: undefined, complete: undefined,
      error: { condition: "bad-request", text: "Invalid archive id" },
    });
    const bare = refusedAccess("room", alice, room, el("query", { xmlns: NS.mam2 }), new Error("disk"));
    expect([bare.max, bare.before, bare.error]).toEqual([undefined, undefined, { condition: "internal-server-error", text: undefined }]);
  });
});
