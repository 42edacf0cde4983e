/**
 * A spec from YAML or JSON text. Apart from spec-loader.ts so that what only validates and hashes
 * specs (the drafts, the lifecycle, the Release step) carries no YAML reader: 33 KB of yaml's ESM
 * build that tree-shaking cannot drop (issue 11, item 8).
 */
import { ValidationError } from "./errors.ts";
import { parseSpec } from "./spec-loader.ts";
import type { Spec } from "./spec-schema.ts";
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
  return parseSpec(raw);
}
