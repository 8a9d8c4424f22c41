import { describe, expect, it } from "vitest";
import { el } from "../xml/element.js";
import { parseJid } from "../xmpp/jid.js";
import { Phase, type HookResult } from "./hook-map.js";
import { Hooks } from "./hooks.js";
import type { Session } from "./session.js";

const payload = () => ({ to: {} as Session, stanza: el("message", { from: "a@h" }) });

describe("Hooks", () => {
  it("runs handlers in phase order, then registration order, and stops at the first 'handled'", async () => {
    const hooks = new Hooks();
    const seen: string[] = [];
    hooks.on("stanza.delivering", () => void seen.push("observe"), Phase.observe);
    hooks.on("stanza.delivering", () => void seen.push("normal-1"));
    hooks.on("stanza.delivering", (): HookResult => (seen.push("guard"), "continue"), Phase.guard);
    hooks.on("stanza.delivering", (): HookResult => (seen.push("normal-2"), "handled"));
    hooks.freeze();
    expect(await hooks.run("stanza.delivering", payload())).toBe("handled");
    expect(seen).toEqual(["guard", "normal-1", "normal-2"]);
  });

  it("runSync answers synchronously while the handlers do, and awaits the rest once one returns a promise", async () => {
    const sync = new Hooks();
    sync.on("stanza.delivering", () => "continue");
    sync.on("stanza.delivering", () => undefined);
    sync.freeze();
    expect(sync.runSync("stanza.delivering", payload())).toBe("continue");

    const mixed = new Hooks();
    const seen: string[] = [];
    mixed.on("stanza.delivering", () => void seen.push("first"));
    mixed.on("stanza.delivering", async (): Promise<HookResult> => (seen.push("async"), "continue"));
    mixed.on("stanza.delivering", (): HookResult => (seen.push("last"), "handled"));
    mixed.on("stanza.delivering", () => void seen.push("never"));
    mixed.freeze();
    const verdict = mixed.runSync("stanza.delivering", payload());
    expect(verdict).toBeInstanceOf(Promise);
    expect(await verdict).toBe("handled");
    expect(seen).toEqual(["first", "async", "last"]);
  });

  it("runSync stops at a synchronous 'handled' and propagates a handler's error", async () => {
    const hooks = new Hooks();
    hooks.on("stanza.delivering", () => "handled");
    hooks.on("stanza.delivering", () => {
      throw new Error("never reached");
    });
    hooks.freeze();
    expect(hooks.runSync("stanza.delivering", payload())).toBe("handled");
    const failing = new Hooks();
    failing.on("user.created", async () => {
      throw new Error("boom");
    });
    failing.freeze();
    await expect(failing.runSync("user.created", { user: parseJid("a@h") })).rejects.toThrow("boom");
  });
});
