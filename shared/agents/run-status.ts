/**
 * What became of a manual run (POST /v1/agents/{agentId}/run → GET /v1/agents/{agentId}/runs/{runId}).
 * In AWS the run happens in the agent's function after the API answered 202; its run claim
 * (adapters/dynamo/agent-run-claims.ts), one per continuation, records how each invocation ended, and
 * this reads them back as one run. Before, the run's id led only to its log lines in CloudWatch: an
 * admin could not tell from the API whether a run had finished, failed or what it proposed.
 */
import type { RunSummary } from "./runner.ts";

/**
 * Deliveries of one asynchronous invocation Lambda makes at most: the first and its retries
 * (infra/constructs/agent-functions.ts `retryAttempts`). A failed run with this many attempts is over.
 */
export const AGENT_RUN_DELIVERIES = 3;

/** The proposals a run's record lists (its counts hold them all). */
export const RUN_PROPOSALS_LISTED = 25;

export interface RunProposal {
  proposalId: string;
  actionType: string;
  verdict: string;
  status: string;
}

/** How one invocation of a run ended, kept on its claim. */
export interface RunOutcome {
  /** New proposals (a replay of one made before is not counted). */
  proposals: number;
  /** Deferred proposals proposed again after the run. */
  retried: number;
  /** The first RUN_PROPOSALS_LISTED new proposals. */
  listed: RunProposal[];
  /** The run ended in an error that no retry repairs (its input, or a permanent failure). */
  error?: string;
  /** A new invocation takes the rest of the run (its next continuation). */
  continued?: boolean;
}

/** A claim as stored: one per continuation of the run. */
export interface RunRecord {
  continuation: number;
  state: "running" | "done" | "failed";
  /** While running: the lease its holder renews. */
  until?: number;
  startedAt?: number;
  finishedAt?: number;
  /** Deliveries that ran this continuation (Lambda's retries of a failure). */
  attempts?: number;
  /** A failure Lambda retries (the invocation threw). */
  error?: string;
  outcome?: RunOutcome;
}

export interface ManualRunStatus {
  runId: string;
  agentId: string;
  /**
   * running: an invocation holds it (or a finished one continues it); done: it finished; failed: its
   * last invocation failed, `final` when no retry follows (its input was refused, it fails the same
   * way each time, or Lambda's retries are spent); stopped: its invocation died without a word (timed
   * out, out of memory), and unless `final` Lambda's retry runs it again.
   */
  status: "running" | "done" | "failed" | "stopped";
  final: boolean;
  startedAt?: string;
  finishedAt?: string;
  /** Invocations that took the run further (1 when it fit in one). */
  invocations: number;
  /**
   * Deliveries that took its last invocation's claim (Lambda's retries). Best effort: a retry that
   * failed before claiming (its function's start-up) is not counted, so `final` may stay false for a
   * run Lambda gave up on (its event is in the dead-letter queue); the record goes with its claim.
   */
  attempts: number;
  proposals: number;
  retried: number;
  listed: RunProposal[];
  error?: string;
}

/** An invocation's outcome from its summaries (the run and its due retries, agent-handler.ts). */
export function runOutcome(run: RunSummary, retries: RunSummary | undefined, continued: boolean): RunOutcome {
  const fresh = run.proposals.filter((p) => !p.replay);
  return {
    proposals: fresh.length,
    retried: retries?.proposals.length ?? 0,
    listed: fresh
      .slice(0, RUN_PROPOSALS_LISTED)
      .map(({ proposalId, actionType, verdict, status }) => ({ proposalId, actionType, verdict, status })),
    ...(run.error ? { error: run.error } : {}),
    ...(continued ? { continued: true } : {}),
  };
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** One run from its invocations' records; undefined when none has started. */
export function describeRun(
  agentId: string,
  runId: string,
  records: RunRecord[],
  now: number,
  /** Deliveries a failed invocation gets (AWS: Lambda's retries; locally one). */
  deliveries = AGENT_RUN_DELIVERIES,
): ManualRunStatus | undefined {
  if (records.length === 0) return undefined;
  const ordered = [...records].sort((a, b) => a.continuation - b.continuation);
  const last = ordered[ordered.length - 1] as RunRecord;
  const attempts = last.attempts ?? 1;
  const outcomes = ordered.map((r) => r.outcome).filter((o): o is RunOutcome => o !== undefined);
  const base = {
    runId,
    agentId,
    startedAt: iso(ordered[0]?.startedAt),
    invocations: ordered.length,
    attempts,
    proposals: outcomes.reduce((n, o) => n + o.proposals, 0),
    retried: outcomes.reduce((n, o) => n + o.retried, 0),
    listed: outcomes.flatMap((o) => o.listed).slice(0, RUN_PROPOSALS_LISTED),
  };
  const ended = (status: ManualRunStatus["status"], final: boolean, error?: string): ManualRunStatus => {
    const finishedAt = iso(last.finishedAt);
    return {
      ...base,
      status,
      final,
      ...(finishedAt && status !== "running" ? { finishedAt } : {}),
      ...(error ? { error } : {}),
    };
  };
  if (last.state === "running")
    return (last.until ?? 0) >= now ? ended("running", false) : ended("stopped", attempts >= deliveries);
  if (last.state === "failed") return ended("failed", attempts >= deliveries, last.error);
  // Finished and continued: the next invocation has not claimed it yet.
  if (last.outcome?.continued) return ended("running", false);
  const error = last.outcome?.error;
  return error ? ended("failed", true, error) : ended("done", true);
}
