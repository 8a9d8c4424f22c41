/**
 * Hot-path queries compiled once. Kysely rebuilds and recompiles a query on every call; on SQLite that costs
 * about four times the execution of a small indexed SELECT (measured: ~20–50 µs against ~5–12 µs), and a
 * login runs several of them (issue #2: logins/s). A prepared query is built once with placeholder values,
 * compiled once per database, and then executed with the arguments put in the placeholders' parameter slots.
 * The SQL text is identical on every call, so SQLite's statement cache (open-database.ts) and PostgreSQL
 * see one statement.
 *
 * Rules for `build`: every argument must be used as a plain value (no string concatenation, no branching on
 * it), a fixed number of arguments (no rest or default parameters), and no arrays of variable length.
 */
import type { CompiledQuery, Compilable, Kysely } from "kysely";
import type { Database } from "./database.js";

const PLACEHOLDER = Symbol("prepared-query placeholder");

interface Placeholder {
  readonly [PLACEHOLDER]: number;
}

function isPlaceholder(value: unknown): value is Placeholder {
  return typeof value === "object" && value !== null && PLACEHOLDER in value;
}

type Slot = { readonly arg: number } | { readonly constant: unknown };

interface Template<O> {
  readonly compiled: CompiledQuery<O>;
  readonly slots: readonly Slot[];
}

function compileTemplate<A extends unknown[], O>(build: (...args: A) => Compilable<O>): Template<O> {
  const placeholders = Array.from({ length: build.length }, (_, i): Placeholder => Object.freeze({ [PLACEHOLDER]: i }));
  const compiled = build(...(placeholders as unknown as A)).compile();
  const used = new Set<number>();
  const slots = compiled.parameters.map((p): Slot => {
    if (!isPlaceholder(p)) return { constant: p };
    used.add(p[PLACEHOLDER]);
    return { arg: p[PLACEHOLDER] };
  });
  if (used.size !== build.length) throw new Error(`prepared query uses ${used.size} of its ${build.length} arguments: ${compiled.sql}`);
  return { compiled, slots };
}

/** Returns `run(...args)` giving the rows of the query `build(...args)` would give. */
export function preparedQuery<A extends unknown[], O>(db: Kysely<Database>, build: (...args: A) => Compilable<O>): (...args: A) => Promise<O[]> {
  let template: Template<O> | undefined;
  return async (...args: A): Promise<O[]> => {
    template ??= compileTemplate(build);
    const { compiled, slots } = template;
    const parameters = new Array<unknown>(slots.length);
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] as Slot;
      parameters[i] = "arg" in slot ? args[slot.arg] : slot.constant;
    }
    const result = await db.executeQuery<O>({ ...compiled, parameters });
    return result.rows;
  };
}
