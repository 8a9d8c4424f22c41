import { describe, expect, it } from "vitest";
import type { Jid } from "../../xmpp/jid.js";
import type { PinOutcome } from "../mucsub/mucsub.module.js";
import type { PinJob } from "./apps.store.js";
import { PinJobRunner, type PinJobDeps } from "./pin-job-runner.js";

const USERS: Record<string, string[]> = {
  h1: ["a_1", "a_2", "a_3", "a_4", "a_5", "a_a-bot", "b_1"],
  h2: ["a_x", "a_y"],
};

function harness(overrides: Partial<PinJobDeps> = {}) {
  const saved: PinJob[] = [];
  const deleted: string[] = [];
  const applied: string[] = [];
  let gate: Promise<void> = Promise.resolve();
  const deps: PinJobDeps = {
    store: {
      saveJob: async (job) => void saved.push(job),
      deleteJob: async (appId, room) => void deleted.push(appId + " " + room),
    },
    listPage: async (host, prefix, after, limit) => {
      await gate;
      return (USERS[host] ?? []).filter((u) => u.startsWith(prefix) && u > after).slice(0, limit);
    },
    isRegular: (local) => !local.endsWith("-bot"),
    apply: async (room: Jid, user: Jid): Promise<PinOutcome> => {
      applied.push(`${room.local} ${user.toString()}`);
      return "applied";
    },
    hosts: ["h1", "h2"],
    log: { info: () => undefined, error: () => undefined },
    batchSize: 2,
    ...overrides,
  };
  return { runner: new PinJobRunner(deps), saved, deleted, applied, hold: (p: Promise<void>) => (gate = p) };
}

describe("PinJobRunner (PROTOCOL §1.7 newly pinned rooms)", () => {
  it("walks every host in batches, skipping non-regular users, storing the cursor after each batch", async () => {
    const h = harness();
    await h.runner.add("a", ["a_lobby@c"], 7);
    await h.runner.idle();
    expect(h.applied).toEqual(["a_lobby a_1@h1", "a_lobby a_2@h1", "a_lobby a_3@h1", "a_lobby a_4@h1", "a_lobby a_5@h1", "a_lobby a_x@h2", "a_lobby a_y@h2"]);
    expect(h.saved.map((j) => `${j.host}:${j.after}`)).toEqual(["h1:", "h1:a_2", "h1:a_4", "h1:a_a-bot", "h2:", "h2:a_y"]);
    expect(h.deleted).toEqual(["a a_lobby@c"]);
    expect(h.runner.pending).toBe(0);
  });

  it("resumes a stored job from its cursor", async () => {
    const h = harness();
    h.runner.resume([{ appId: "a", room: "a_lobby@c", host: "h1", after: "a_4", createdAt: 1 }]);
    await h.runner.idle();
    expect(h.applied).toEqual(["a_lobby a_5@h1", "a_lobby a_x@h2", "a_lobby a_y@h2"]);
  });

  it("stops between batches and leaves the job stored for the next start", async () => {
    const h = harness();
    let release!: () => void;
    h.hold(new Promise((r) => (release = r)));
    await h.runner.add("a", ["a_lobby@c"]);
    const stopped = h.runner.stop();
    release();
    await stopped;
    expect(h.applied).toEqual(["a_lobby a_1@h1", "a_lobby a_2@h1"]);
    expect(h.saved.at(-1)).toMatchObject({ host: "h1", after: "a_2" });
    expect(h.deleted).toEqual([]);
  });

  it("drops a job whose room is gone, and one cancelled by unpinning", async () => {
    const gone = harness({ apply: async () => "no-room" });
    await gone.runner.add("a", ["a_gone@c"]);
    await gone.runner.idle();
    expect(gone.deleted).toEqual(["a a_gone@c"]);

    const h = harness();
    let release!: () => void;
    h.hold(new Promise((r) => (release = r)));
    await h.runner.add("a", ["a_lobby@c"]);
    h.runner.cancel("a", "a_lobby@c");
    release();
    await h.runner.idle();
    expect(h.applied).toEqual(["a_lobby a_1@h1", "a_lobby a_2@h1"]);
    expect(h.runner.pending).toBe(0);
  });
});
