import type { AppDeps } from "../shared/http/routes.ts";
import type { GateResult } from "../shared/usecases/gate.ts";
import { agentPrincipal, emailProposal } from "./world.ts";

/** The gate's input for one happy-path decision, built outside any timed section. */
export function happyInput(agentId: string, accountId: string) {
  return { input: emailProposal(agentId, accountId), principal: agentPrincipal(agentId) };
}

/**
 * Anything other than a fresh `allow` means the world is not what the benchmark assumes (a deferral
 * would measure a different path), so it stops the run.
 */
export function assertFreshAllow({ decision, replay }: GateResult, accountId: string): void {
  if (replay || decision.verdict !== "allow")
    throw new Error(
      `expected a fresh allow for ${accountId}, got ${decision.verdict}${replay ? " (replay)" : ""}: ${decision.reasons.join("; ")}`,
    );
}

/** One gated decision on the happy path. */
export async function decideHappy(deps: AppDeps, agentId: string, accountId: string): Promise<void> {
  const { input, principal } = happyInput(agentId, accountId);
  assertFreshAllow(await deps.gate.propose(input, principal), accountId);
}
