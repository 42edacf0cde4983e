/**
 * What every request shares: its table, its expressions' #names and :values (each must be defined, and
 * each one given must be used: DynamoDB refuses both), and the shapes of its parameters.
 */
import { validation } from "./errors.ts";
import type { Refs } from "./evaluate.ts";
import type { Parsed } from "./expressions.ts";
import { type AttributeValue, checkItem, checkValue, type Item } from "./values.ts";

// biome-ignore lint/suspicious/noExplicitAny: the request body is JSON, checked field by field below
export type Input = Record<string, any>;

export function requestRefs(input: Input, used: Parsed<unknown>[], kind: string): Refs {
  const rawNames = input.ExpressionAttributeNames as Record<string, string> | undefined;
  const rawValues = input.ExpressionAttributeValues as Record<string, unknown> | undefined;
  if (rawNames && Object.keys(rawNames).length === 0)
    throw validation(
      "ExpressionAttributeNames can only be specified when using expressions and must not be empty",
    );
  if (rawValues && Object.keys(rawValues).length === 0)
    throw validation("ExpressionAttributeValues must not be empty");
  const names = rawNames ?? {};
  const values: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(rawValues ?? {}))
    values[k] = checkValue(v, `ExpressionAttributeValues ${k}`);
  const usedNames = new Set(used.flatMap((p) => [...p.names]));
  const usedValues = new Set(used.flatMap((p) => [...p.values]));
  for (const n of usedNames)
    if (!(n in names))
      throw validation(
        `Invalid ${kind}: An expression attribute name used in the document path is not defined; attribute name: ${n}`,
      );
  for (const v of usedValues)
    if (!(v in values))
      throw validation(
        `Invalid ${kind}: An expression attribute value used in expression is not defined; attribute value: ${v}`,
      );
  const unusedNames = Object.keys(names).filter((n) => !usedNames.has(n));
  if (unusedNames.length > 0)
    throw validation(
      `Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(", ")}}`,
    );
  const unusedValues = Object.keys(values).filter((v) => !usedValues.has(v));
  if (unusedValues.length > 0)
    throw validation(
      `Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(", ")}}`,
    );
  return { names, values, kind };
}

export const requireString = (input: Input, field: string): string => {
  const v = input[field];
  if (typeof v !== "string" || v === "")
    throw validation(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  return v;
};

export const optionalString = (input: Input, field: string): string | undefined => {
  const v = input[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw validation(`Invalid value at '${field}'`);
  return v;
};

export const requireItem = (input: Input, field: string): Item => {
  if (input[field] === undefined || input[field] === null)
    throw validation(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  return checkItem(input[field], field);
};

export function oneOf<T extends string>(input: Input, field: string, allowed: readonly T[], fallback: T): T {
  const v = input[field] ?? fallback;
  if (!allowed.includes(v))
    throw validation(
      `1 validation error detected: Value '${String(v)}' at '${field}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(", ")}]`,
    );
  return v;
}
