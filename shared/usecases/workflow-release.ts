import { parseWith } from "../domain/validation.ts";
import { release } from "./lifecycle.ts";
import type { LifecycleDeps } from "./transitions.ts";
import { StepInput, type StepOutput, stepOutput } from "./workflow.ts";

/**
 * Wait state done: re-validate and dispatch (or cancel) a scheduled decision. Apart from the other
 * steps (usecases/workflow.ts) because it is the one that re-checks the hard rules: only the Release
 * function carries them.
 */
export async function releaseStep(deps: LifecycleDeps, input: unknown): Promise<StepOutput> {
  const { decisionId } = parseWith(StepInput, input);
  return stepOutput(decisionId, await release(deps, decisionId));
}
