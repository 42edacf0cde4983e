import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical-json.ts";
import { type Spec, SpecSchema } from "./spec-schema.ts";
import { parseWith } from "./validation.ts";

export { canonicalJson };

export function parseSpec(raw: unknown): Spec {
  return parseWith(SpecSchema, raw);
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function specHash(spec: Spec): string {
  return sha256(canonicalJson(spec)).slice(0, 16);
}
