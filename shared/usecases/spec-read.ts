/**
 * A spec version by number, or the current one. Apart from usecases/admin.ts, whose publishing reads
 * YAML text: the functions that only read specs (the agents' and the console's routes, /mcp) carry
 * no YAML library (issue 11, item 8).
 */
import { NotFoundError } from "../domain/errors.ts";
import type { SpecVersion } from "../domain/spec-schema.ts";
import type { Deps } from "../ports.ts";

export async function getSpec(deps: Pick<Deps, "specs">, version: number | "current"): Promise<SpecVersion> {
  const spec = version === "current" ? await deps.specs.current() : await deps.specs.get(version);
  if (!spec)
    throw new NotFoundError(
      version === "current" ? "no spec has been published yet" : `spec v${version} does not exist`,
    );
  return spec;
}
