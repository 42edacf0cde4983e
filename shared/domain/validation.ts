import * as z from "zod/v4/core";
import { type FieldIssue, ValidationError } from "./errors.ts";

/** `coordination.cooldowns[1].after` from zod's path array. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

export function toIssues(error: z.$ZodError, prefix?: string): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = formatPath(issue.path);
    return { path: prefix ? (path ? `${prefix}.${path}` : prefix) : path, message: issue.message };
  });
}

/** Parse or throw a ValidationError whose issues name the field and the problem. */
export function parseWith<S extends z.$ZodType>(schema: S, input: unknown, prefix?: string): z.output<S> {
  // zod's core parse: the same for a classic schema and a zod/mini one (shared/domain/zod-mini.ts).
  const result = z.safeParse(schema, input);
  if (!result.success) throw new ValidationError(toIssues(result.error, prefix));
  return result.data;
}
