/**
 * An agent's Lambda handler, given its runtime (functions/agents/<id>.ts: that agent, through
 * agent-function.ts; functions/agents/crm-import.ts: with the CRM; functions/agents/handler.ts: every
 * agent): parse the invocation (an EventBridge event, an
 * EventBridge Scheduler payload or a manual run), run the agent once, then re-propose its deferred
 * proposals that are due. Apart from the entries so that importing it wires no runtime.
 */
import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";
import { meteredHandler } from "../adapters/aws/powertools-metrics.ts";
import { manualRunClaim } from "../adapters/dynamo/agent-run-claims.ts";
import { firesAt, parseCron } from "../agents/cron.ts";
import type { AgentInvocation } from "../agents/definition.ts";
import { type RunOutcome, runOutcome } from "../agents/run-status.ts";
import type { RunSummary } from "../agents/runner.ts";
import { parseWith } from "../domain/validation.ts";
import * as z from "../domain/zod-mini.ts";
import type { AgentsAwsRuntime } from "./agents-aws-core.ts";
import { ConfigError } from "./aws-env.ts";
import { claimedRun } from "./claimed-run.ts";

/**
 * EventBridge Scheduler target input (infra/constructs/agent-functions.ts; its `scheduledAt` below).
 * `zone: "workspace"`: the schedule fires at every minute the expression may fire in any time zone,
 * and the run goes ahead only where it fires in the spec's workspace zone at the scheduled minute.
 */
const ScheduledInput = z.object({
  agentId: z.string(),
  trigger: z.literal("schedule"),
  cron: z.string(),
  zone: z.optional(z.literal("workspace")),
});
/** The quarter-hourly schedule of an agent that proposes (agent-functions.ts): its due retries only. */
const RetriesInput = z.object({ agentId: z.string(), trigger: z.literal("retries") });
/** An EventBridge rule delivering a domain event. */
const BusEvent = z.object({
  "detail-type": z.string(),
  detail: z.record(z.string(), z.unknown()),
  time: z.optional(z.string()),
});
/** A direct invocation (e.g. the manual-run API in AWS). */
const ManualInput = z.object({
  trigger: z.literal("manual"),
  input: z.unknown(),
  by: z.string().check(z.minLength(1)),
  /** The id the API answered with (lambda-agent-runs.ts): in the run's logs and its proposals' keys. */
  runId: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
});
const Invocation = z.union([ScheduledInput, BusEvent, ManualInput]);

/**
 * How many times one trigger's run may be continued in a new invocation: a list of 400 accounts at
 * ~8 s each is about a dozen. The bound stops a run that never finishes from invoking itself for good,
 * and keeps the chain within Lambda's recursive loop detection, which stops an event's 17th invocation
 * through the Invoke API (on by default).
 */
export const MAX_CONTINUATIONS = 15;
/**
 * Which continuation of its trigger's run an invocation is (absent: the first run), and when the
 * first run was triggered: a schedule's continuation works the same day's list after midnight.
 */
const Continuation = z.looseObject({
  continuation: z.optional(z.number().check(z.int(), z.gte(1), z.lte(MAX_CONTINUATIONS))),
  triggeredAt: z.optional(z.number().check(z.int(), z.gte(0))),
  /** Where the stopped run got to (OutOfTime's `resumeAt`). */
  resumeAt: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  /**
   * The scheduler's `<aws.scheduler.scheduled-time>` (ScheduledInput): the same in every delivery of
   * one firing, which makes a duplicate delivery recognisable (RunClaims).
   */
  scheduledAt: z.optional(z.iso.datetime({ offset: true })),
});

export function toInvocation(event: unknown, now: number): AgentInvocation {
  const e = parseWith(Invocation, event, "event");
  if ("detail-type" in e) return { kind: "event", event: { type: e["detail-type"], detail: e.detail } };
  if (e.trigger === "schedule") return { kind: "schedule", at: now, cron: e.cron };
  return { kind: "manual", input: e.input, by: e.by, ...(e.runId ? { runId: e.runId } : {}) };
}

const isWorkspaceTick = (event: unknown) => (event as { zone?: unknown }).zone === "workspace";

/**
 * Whether a tick is a firing of the expression in the workspace's zone: true, or why not. With no
 * spec published yet nothing runs (the agents read the spec; the tick is not an error, so the
 * failure queue does not fill every quarter hour before the first publish).
 */
async function dueInWorkspace(
  cron: string,
  scheduledAt: number | undefined,
  workspaceTimezone: (() => Promise<string | undefined>) | undefined,
): Promise<true | string> {
  if (scheduledAt === undefined || !workspaceTimezone)
    throw new ConfigError("a workspace-zone schedule needs its scheduled time and the spec's time zone");
  const zone = await workspaceTimezone();
  if (!zone) return "no spec published yet";
  return firesAt(parseCron(cron), scheduledAt, zone) ? true : `not a firing in ${zone}`;
}

/** Kept from the agent's time for re-proposing its due deferred proposals after the run. */
export const RETRY_RESERVE_MS = 30_000;
/**
 * Kept from the due retries' time for what follows them (the continuation's invoke, the run's log
 * line): a retry is not started with less left, and the rest wait for the retries schedule.
 */
export const AFTER_RETRIES_MS = 10_000;
export const makeHandler = (runtime: () => AgentsAwsRuntime, now: () => number = Date.now) =>
  meteredHandler(async (event: unknown, tools, context: Context): Promise<RunSummary[]> => {
    const { agentId, runner, continueRun, claims, workspaceTimezone } = runtime();
    // The agent's due deferred proposals, within the function's time (the rest wait for the next run).
    const dueRetries = () =>
      runner.runDueRetries(agentId, {
        timeLeft: () => context.getRemainingTimeInMillis() - AFTER_RETRIES_MS,
      });
    if ((event as { trigger?: unknown } | undefined)?.trigger === "retries") {
      parseWith(RetriesInput, event, "event");
      // Proposed again under their fixed ids: two deliveries at once are answered as a replay.
      const retries = await dueRetries();
      tools.metrics.addMetric("Proposals", "Count", retries.proposals.length);
      if (retries.proposals.length)
        tools.logger.info("agent retries", { agentId, retried: retries.proposals.length });
      return [retries];
    }
    const at = now();
    const chain = parseWith(Continuation, event, "event");
    const continuation = chain.continuation ?? 0;
    const parsed = toInvocation(event, at);
    const scheduledAt =
      parsed.kind === "schedule" && chain.scheduledAt !== undefined
        ? Date.parse(chain.scheduledAt)
        : undefined;
    // A tick of a schedule kept in the workspace's zone: most ticks are not a firing there.
    if (parsed.kind === "schedule" && chain.continuation === undefined && isWorkspaceTick(event)) {
      const due = await dueInWorkspace(parsed.cron, scheduledAt, workspaceTimezone);
      if (due !== true) {
        tools.logger.debug("agent schedule not due", { agentId, cron: parsed.cron, why: due });
        return [];
      }
    }
    const fired = chain.triggeredAt ?? scheduledAt;
    const triggeredAt = fired ?? at;
    // Where the event says when the schedule fired, the run and its continuations work that firing's
    // day, also when a delivery comes late (past midnight).
    // A manual run's continuation likewise works the day its run started, from where it stopped
    // (before, each continuation of a manual run began the list again, and past midnight read the
    // next day's, empty until 06:00).
    const invocation =
      (parsed.kind === "schedule" || parsed.kind === "manual") && fired !== undefined
        ? {
            ...parsed,
            continuedFrom: fired,
            ...(chain.resumeAt !== undefined ? { resumeAt: chain.resumeAt } : {}),
          }
        : parsed;
    if (invocation.kind === "manual" && invocation.runId)
      tools.logger.appendKeys({ runId: invocation.runId });
    // One run per firing and continuation, whatever Lambda delivers twice: only where the event says
    // when the schedule fired (a continuation, or the scheduler's scheduled time), or a manual run's
    // id (before, a manual run delivered twice ran twice, asking the model twice).
    const claim =
      claims && parsed.kind === "schedule" && fired !== undefined
        ? { agentId, schedule: parsed.cron, triggeredAt, continuation, holder: randomUUID() }
        : claims && parsed.kind === "manual" && parsed.runId
          ? {
              agentId,
              ...manualRunClaim(parsed.runId),
              continuation,
              holder: randomUUID(),
              invocation: context.awsRequestId,
            }
          : undefined;
    if (!claims || !claim) return runOnce(invocation);
    const claimed = await claimedRun(
      { claims, now, warn: (msg, data) => tools.logger.warn(msg, data) },
      claim,
      (ended) => runOnce(invocation, ended),
    );
    if (claimed) return claimed.result;
    tools.logger.info("agent run skipped: this delivery was run already", { agentId, continuation });
    return [];

    /** `ended`: how it ended where it did not throw (the claim's record of it). */
    async function runOnce(
      invocation: AgentInvocation,
      ended: (outcome: RunOutcome) => void = () => {},
    ): Promise<RunSummary[]> {
      // The agent stops before Lambda would stop it, leaving time for the due retries: a run killed at
      // the timeout never reached them.
      const run = await runner.run(agentId, invocation, {
        rethrow: false,
        timeLeft: () => context.getRemainingTimeInMillis() - RETRY_RESERVE_MS,
      });
      const retries = await dueRetries();
      tools.metrics.addMetric("Proposals", "Count", run.proposals.length + retries.proposals.length);
      // One line per run, carrying a manual run's id: the id the API answered with finds its run.
      tools.logger.info("agent run", {
        agentId,
        trigger: invocation.kind,
        proposals: run.proposals.length,
        retried: retries.proposals.length,
        ...(run.error ? { failed: true } : {}),
      });
      // Stopped at its deadline having proposed something new, or done with headway and more to do (a
      // CRM backfill, which proposes nothing: AgentContext.moreToDo): a fresh invocation takes the rest
      // (what was proposed is skipped there). At its deadline with no progress, or too many
      // continuations: it fails, for Lambda's retries and then the dead-letter queue; with more to do
      // and no error, the next schedule goes on.
      if (
        continueRun &&
        continuation < MAX_CONTINUATIONS &&
        ((run.outOfTime && run.proposals.some((p) => !p.replay)) || (run.more && !run.error))
      ) {
        const { resumeAt: _previous, ...trigger } = event as Record<string, unknown>;
        await continueRun({
          ...trigger,
          continuation: continuation + 1,
          triggeredAt,
          ...(run.resumeAt !== undefined ? { resumeAt: run.resumeAt } : {}),
        });
        tools.logger.info("agent run continues in a new invocation", {
          agentId,
          continuation: continuation + 1,
          error: run.error,
        });
        // Stopped at its deadline, not failed: the continuation goes on with it.
        const { error: _stopped, ...going } = run;
        ended(runOutcome(going, retries, true));
        return [run, retries];
      }
      if (run.error && run.refusedInput) {
        // Answered 202 before it ran (the API only checks the input's shape): the run's log line and
        // this one say why, under its run id; Lambda's retries and the dead-letter queue would not.
        tools.logger.error("agent run refused, not retried", { agentId, error: run.error });
        ended(runOutcome(run, retries, false));
        return [run, retries];
      }
      if (run.error && run.permanent) {
        // The same event again fails the same way (a site that refuses us): three fetches, a message
        // in the dead-letter queue and its alarm for each such account drowned the failures that
        // need a person.
        tools.logger.error("agent run failed for good, not retried", { agentId, error: run.error });
        ended(runOutcome(run, retries, false));
        return [run, retries];
      }
      if (run.error) {
        tools.logger.error("agent run failed", { agentId, error: run.error });
        // Async invocation retries and then the dead-letter queue keep the failed trigger.
        throw new Error(`agent ${agentId} failed: ${run.error}`);
      }
      ended(runOutcome(run, retries, false));
      return [run, retries];
    }
  });
