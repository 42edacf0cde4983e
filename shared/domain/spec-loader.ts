import { createHash } from "node:crypto";
import { ValidationError } from "./errors.ts";
import { type Spec, SpecSchema } from "./spec-schema.ts";
import { parseWith } from "./validation.ts";
import { parseUntrustedYaml } from "./yaml.ts";

/** Parse a spec from YAML or JSON text (JSON is YAML) and validate it. */
export function parseSpecText(text: string): Spec {
  let raw: unknown;
  try {
    raw = parseUntrustedYaml(text);
  } catch (err) {
    throw new ValidationError([{ path: "", message: `not valid YAML or JSON: ${(err as Error).message}` }], {
      cause: err,
    });
  }
  return parseWith(SpecSchema, raw);
}

export function parseSpec(raw: unknown): Spec {
  return parseWith(SpecSchema, raw);
}

/** Stable JSON: object keys sorted, so equal specs hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function specHash(spec: Spec): string {
  return sha256(canonicalJson(spec)).slice(0, 16);
}
