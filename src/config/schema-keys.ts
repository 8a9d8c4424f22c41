// Walks the config file schema to list its keys: used for "did you mean" hints on unknown keys and by the test that
// checks docs/configuration.md documents every key (DESIGN.md §2.8: config is documented from the same schema).
import { z } from "zod";

/** Strips optional/nullable/default wrappers and transform pipes down to the schema that holds the shape. */
function unwrap(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable || schema instanceof z.ZodDefault) {
    return unwrap(schema.unwrap() as z.ZodType);
  }
  if (schema instanceof z.ZodPipe) return unwrap(schema.in as z.ZodType);
  return schema;
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const inner = unwrap(schema);
  return inner instanceof z.ZodObject ? (inner.shape as Record<string, z.ZodType>) : undefined;
}

/** The keys allowed in the object at `path` (array indices are skipped), or `[]` when there is none. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.ZodType | undefined = schema;
  for (const segment of path) {
    if (current === undefined || typeof segment !== "string") return [];
    current = objectShape(current)?.[segment];
  }
  const shape = current === undefined ? undefined : objectShape(current);
  return shape === undefined ? [] : Object.keys(shape);
}

/** Every leaf key path (`c2s.max_user_sessions`) of an object schema, depth first in declaration order. */
export function listKeyPaths(schema: z.ZodType, prefix = ""): string[] {
  const shape = objectShape(schema);
  if (shape === undefined) return prefix === "" ? [] : [prefix];
  return Object.entries(shape).flatMap(([key, child]) => listKeyPaths(child, prefix === "" ? key : `${prefix}.${key}`));
}
