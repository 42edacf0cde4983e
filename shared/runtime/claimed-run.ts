/**
 * A run under its claim (adapters/dynamo/agent-run-claims.ts): claimed for a lease renewed while it
 * runs, finished with how it ended, or given back with its error when it throws. The agent function
 * (agent-handler.ts) runs every schedule firing and manual run so; the local server its manual runs,
 * so that a run's status reads the same in both.
 */
import type { RunClaim, RunClaims } from "../adapters/dynamo/agent-run-claims.ts";
import type { RunOutcome } from "../agents/run-status.ts";

/**
 * How long a run's claim holds without renewal, and how often it is renewed: a run that died lets
 * Lambda's first retry (about a minute after the failure) run.
 */
export const CLAIM_LEASE_MS = 45_000;
const CLAIM_RENEW_MS = 15_000;

export interface ClaimedRunDeps {
  claims: RunClaims;
  now: () => number;
  warn: (msg: string, data: Record<string, unknown>) => void;
}

/**
 * Runs `work` if this delivery may (undefined if another holds the claim or finished it). `work`
 * reports how it ended through `ended`; a failure to record the end is logged: it only lets a late
 * duplicate run again (which the gate replays), and does not make the run fail.
 */
export async function claimedRun<T>(
  deps: ClaimedRunDeps,
  claim: RunClaim,
  work: (ended: (outcome: RunOutcome) => void) => Promise<T>,
): Promise<{ result: T } | undefined> {
  const { claims, now, warn } = deps;
  const at = now();
  if (!(await claims.claim(claim, at + CLAIM_LEASE_MS, at))) return undefined;
  const agentId = claim.agentId;
  // Renewed while the run lives: one that dies without a word (out of memory, its timeout) stops
  // renewing, and its claim lapses before Lambda's first retry, a minute later.
  const renewal = setInterval(() => {
    claims.renew(claim, now() + CLAIM_LEASE_MS).catch((err: unknown) => {
      warn("agent run claim not renewed", { agentId, error: (err as Error).message });
    });
  }, CLAIM_RENEW_MS);
  let result: T;
  let outcome: RunOutcome | undefined;
  try {
    result = await work((o) => {
      outcome = o;
    });
  } catch (err) {
    clearInterval(renewal);
    await claims.release(claim, now(), (err as Error).message).catch((e: unknown) => {
      warn("agent run claim not given back", { agentId, error: (e as Error).message });
    });
    throw err;
  }
  clearInterval(renewal);
  await claims.finish(claim, now(), outcome).catch((err: unknown) => {
    warn("agent run claim not finished", { agentId, error: (err as Error).message });
  });
  return { result };
}
