import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical-json.ts";
import { ValidationError } from "./errors.ts";
import { type Spec, SpecSchema } from "./spec-schema.ts";
import { parseWith } from "./validation.ts";
import { parseUntrustedYaml } from "./yaml.ts";

export { canonicalJson };

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

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function specHash(spec: Spec): string {
  return sha256(canonicalJson(spec)).slice(0, 16);
}
