/**
 * The hook table: registration during setup, frozen at start, then only array iteration on the hot
 * path (DESIGN §2.4, Fastify's preReady resolution).
 */
import type { HookHandler, HookMap, HookName, HookResult, PhaseValue } from "./hook-map.js";
import { Phase } from "./hook-map.js";

interface Entry {
  readonly phase: PhaseValue;
  readonly order: number;
  readonly handler: HookHandler<HookName>;
}

export class Hooks {
  readonly #entries = new Map<HookName, Entry[]>();
  readonly #frozen = new Map<HookName, readonly HookHandler<HookName>[]>();
  #isFrozen = false;
  #order = 0;

  on<K extends HookName>(name: K, handler: HookHandler<K>, phase: PhaseValue = Phase.normal): () => void {
    if (this.#isFrozen) throw new Error(`hook ${name} registered after start`);
    const entry: Entry = { phase, order: this.#order++, handler: handler as HookHandler<HookName> };
    const list = this.#entries.get(name) ?? [];
    list.push(entry);
    this.#entries.set(name, list);
    return () => {
      const i = list.indexOf(entry);
      if (i >= 0) list.splice(i, 1);
      if (this.#isFrozen) this.#freezeOne(name);
    };
  }

  freeze(): void {
    this.#isFrozen = true;
    for (const name of this.#entries.keys()) this.#freezeOne(name);
  }

  #freezeOne(name: HookName): void {
    const list = [...(this.#entries.get(name) ?? [])].sort((a, b) => a.phase - b.phase || a.order - b.order);
    this.#frozen.set(name, list.map((e) => e.handler));
  }

  has(name: HookName): boolean {
    return (this.#frozen.get(name)?.length ?? 0) > 0;
  }

  /**
   * Runs handlers in phase order until one says "handled", synchronously while every handler answers
   * synchronously (per-recipient hot paths, a room broadcast, allocate no promise then); from the first promise on,
   * the rest run in an awaiting loop. `run` is the same as a promise.
   */
  runSync<K extends HookName>(name: K, payload: HookMap[K]): HookResult | Promise<HookResult> {
    const list = this.#frozen.get(name);
    if (list === undefined) return "continue";
    for (let i = 0; i < list.length; i++) {
      const r = (list[i] as HookHandler<HookName>)(payload);
      if (r === "handled") return "handled";
      if (r !== undefined && typeof r !== "string") return this.#finish(list, i, r, payload);
    }
    return "continue";
  }

  async #finish(list: readonly HookHandler<HookName>[], at: number, pending: Promise<HookResult | void>, payload: HookMap[HookName]): Promise<HookResult> {
    if ((await pending) === "handled") return "handled";
    for (let i = at + 1; i < list.length; i++) {
      let r = (list[i] as HookHandler<HookName>)(payload);
      if (r !== undefined && typeof r !== "string") r = await r;
      if (r === "handled") return "handled";
    }
    return "continue";
  }

  /** Runs handlers in phase order until one says "handled". Errors propagate to the caller's boundary. */
  async run<K extends HookName>(name: K, payload: HookMap[K]): Promise<HookResult> {
    return this.runSync(name, payload);
  }
}
