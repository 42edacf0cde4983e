import type { LocalRuntime } from "../shared/runtime/local.ts";
import { type CommandRecorder, diffCounts } from "./command-recorder.ts";
import { decideHappy } from "./happy-path.ts";

export interface RoundTripResult {
  decisions: number;
  /** From the runtime's own counter, `db.roundTrips.count`. */
  roundTrips: number;
  /** From the benchmark's middleware, by operation. */
  byCommand: Map<string, number>;
}

/**
 * Happy-path decisions, each on its own pre-seeded in-ICP account, after one warm-up decision (the gate
 * learns the spec's channel and time zone on its first read and re-reads once then).
 */
export async function measureRoundTrips(
  runtime: LocalRuntime,
  recorder: CommandRecorder,
  agentIds: readonly string[],
  warmUpAccount: string,
  accountIds: readonly string[],
): Promise<RoundTripResult> {
  const { deps, db } = runtime;
  await decideHappy(deps, agentIds[0]!, warmUpAccount);
  const countBefore = db.roundTrips.count;
  const before = recorder.snapshot();
  for (const [i, accountId] of accountIds.entries()) {
    await decideHappy(deps, agentIds[i % agentIds.length]!, accountId);
  }
  return {
    decisions: accountIds.length,
    roundTrips: db.roundTrips.count - countBefore,
    byCommand: diffCounts(before, recorder.snapshot()),
  };
}
