/**
 * Scheduled (EventBridge, every few minutes): no decision stays `dispatched` forever. The local
 * runtime's recovery use case, as is: a decision whose connector call started longer ago than the
 * executor can run (its function timeout) never recorded a result, because the function was killed
 * mid-call, and becomes in_doubt for a human; it may have been sent, so it is never sent again. One
 * never attempted (its workflow or event gave up) is handed to the executor function.
 *
 * It is also the deployment's sweep of trust evidence the harness records itself (the local runtime's
 * scheduler does it there): windows that closed (`silence`, `record_kept`, `record_judged`) and drafts
 * the gate blocked (`draft_blocked`), each once whatever the redelivery (usecases/trust-evidence.ts).
 */

import { LambdaClient } from "@aws-sdk/client-lambda";
import { SFNClient } from "@aws-sdk/client-sfn";
import { awsClientConfig } from "../../shared/adapters/aws/client-config.ts";
import { LambdaExecutorInvoker } from "../../shared/adapters/aws/executor-invoker.ts";
import { lazy } from "../../shared/adapters/aws/powertools.ts";
import { meteredHandler } from "../../shared/adapters/aws/powertools-metrics.ts";
import { SfnWorkflowStarter } from "../../shared/adapters/aws/sfn.ts";
import { DynamoResumePoint, RECONCILE_RESUME_POINT } from "../../shared/adapters/dynamo/checkpoint-store.ts";
import type { Decision } from "../../shared/domain/decision.ts";
import { parseWith } from "../../shared/domain/validation.ts";
import * as z from "../../shared/domain/zod-mini.ts";
import type { ListedAt } from "../../shared/ports.ts";
import { type AwsRuntime, createAwsRuntime } from "../../shared/runtime/aws.ts";
import { parseAwsEnv } from "../../shared/runtime/aws-env.ts";
import { RECONCILE_STORES } from "../../shared/runtime/aws-stores.ts";
import { recoverDispatched } from "../../shared/usecases/execution.ts";
import { settleOverdue } from "../../shared/usecases/overdue.ts";
import { heldBack } from "../../shared/usecases/redrive-checks.ts";
import { settleDueItems } from "../../shared/usecases/trust-evidence.ts";
import { workflowInputFor } from "../../shared/usecases/workflow-start.ts";

/**
 * Another workflow of a scheduled decision, named apart from the first (`<decisionId>-<attempt>`, the
 * attempt being the hour): its wait ends at once (the time is past) and its Release step re-checks the
 * decision. A second start in the same hour starts nothing.
 */
export const restartWorkflows = (starter: SfnWorkflowStarter) => ({
  restart: async (d: Decision, attempt: string) => {
    const input = workflowInputFor(d, Date.now(), { overrideWindowSeconds: 0, approvalTimeoutSeconds: 0 });
    if (input) await starter.start(input, `${d.decisionId}-${attempt}`);
  },
});

/**
 * Due settle items one run takes at most: a settle is a handful of round trips, so 300 fit well inside
 * the function's two minutes, and a run every five minutes keeps up with 86,000 a day.
 */
const SETTLE_PER_RUN = 300;

/** This function's own variables (infra/service-stack.ts sets them). */
const ReconcilerEnv = z.object({
  /** The executor function's timeout plus a margin: an attempt older than this is over. */
  STALE_AFTER_SECONDS: z.coerce.number().check(z.int(), z.positive()),
  EXECUTOR_FUNCTION: z.string().check(z.minLength(1)),
  STATE_MACHINE_ARN: z.string().check(z.minLength(1)),
});

export interface ReconcilerWiring {
  runtime: AwsRuntime;
  staleMs: number;
  executor: { execute(decisionId: string): Promise<void> };
  /** A new workflow for a scheduled decision whose own never released it (usecases/overdue.ts). */
  workflows: { restart(decision: Decision, attempt: string): Promise<void> };
  /** Where the last run's scan of dispatched decisions stopped: this one goes on from there. */
  resume: { get(): Promise<ListedAt | undefined>; set(after: ListedAt | undefined): Promise<void> };
}

export const makeHandler = (wiring: () => ReconcilerWiring) =>
  meteredHandler(async (_event: unknown, tools, context) => {
    const { runtime, staleMs, executor, workflows, resume } = wiring();
    // Each handed over as it is found, on its own (one failed invoke must not keep the others stuck),
    // its failure caught at once: a rejection left unhandled while the scan goes on would end the run.
    const handOver: Promise<boolean>[] = [];
    // Half the run for the scan: a backlog of thousands (after an outage) took all of it, so the
    // function timed out before handing anything over or running the sweeps below, every run.
    const scanUntil = context.getRemainingTimeInMillis() / 2;
    const {
      inDoubt,
      heldBack: held,
      unchecked,
      stoppedAfter,
    } = await recoverDispatched(runtime.deps, staleMs, {
      // Where the last run stopped: a backlog longer than a run (a long pause's held decisions) is read
      // on, not from its oldest again, which kept every newer decision (one killed mid-send, one never
      // attempted) out of reach until the backlog cleared.
      // A point that cannot be read: from the oldest, as before there was one.
      resumeAfter: await resume.get().catch(() => undefined),
      startExecution: (decisionId) =>
        handOver.push(
          executor.execute(decisionId).then(
            () => true,
            () => false,
          ),
        ),
      timeLeft: () => context.getRemainingTimeInMillis() > scanUntil,
      // A pause or an opt-out since its dispatch stops it before the hand-over (the executor checks
      // the same again at the send).
      recheck: (d) => heldBack(runtime.deps.decisions, d, runtime.deps.clock.now()),
      onError: (decisionId, err) =>
        tools.logger.warn("dispatched decision not reconciled; left for a later run", {
          decisionId,
          error: (err as Error).name,
        }),
    });
    const failed = (await Promise.all(handOver)).filter((ok) => !ok).length;
    // From the oldest again once the listing was read to its end. A point not written: the next run
    // reads from the last one written (or the oldest); nothing is lost, the sweeps below still run.
    await resume
      .set(stoppedAfter)
      .catch((err: unknown) =>
        tools.logger.warn("the reconciler's resume point was not written", { error: (err as Error).name }),
      );
    // A failing item stays queued for the next run; one failure does not stop the others.
    const settle = await settleDueItems(runtime.deps, runtime.deps.clock.now(), SETTLE_PER_RUN);
    // What time the run has left after the sweeps above: it stops with a margin, not at its timeout.
    const overdue = await settleOverdue(
      runtime.deps,
      (d, attempt) => workflows.restart(d, attempt),
      runtime.deps.clock.now(),
      {
        limit: SETTLE_PER_RUN,
        timeLeft: () => context.getRemainingTimeInMillis() > 5_000,
      },
    );
    tools.metrics.addMetric("DecisionsInDoubt", "Count", inDoubt);
    tools.metrics.addMetric("DecisionsHeldBack", "Count", held);
    tools.metrics.addMetric("DecisionsUnchecked", "Count", unchecked);
    tools.metrics.addMetric("DecisionsRedriven", "Count", handOver.length - failed);
    tools.metrics.addMetric("TrustEvidenceRecorded", "Count", settle.recorded);
    tools.metrics.addMetric("OverdueDecisionsExpired", "Count", overdue.expired);
    tools.metrics.addMetric("OverdueWorkflowsRestarted", "Count", overdue.restarted);
    tools.metrics.addMetric("OverdueDecisionsVetoed", "Count", overdue.vetoed);
    tools.metrics.addMetric("OverdueItemsFailed", "Count", overdue.failed);
    // After the sweeps: a failure here must not keep them from running.
    if (failed)
      throw new Error(`${failed} of ${handOver.length} dispatched decisions could not be handed over`);
    if (unchecked)
      throw new Error(`${unchecked} dispatched decisions could not be checked again; left for a later run`);
    return {
      inDoubt,
      heldBack: held,
      redriven: handOver.length,
      settled: settle.settled,
      recorded: settle.recorded,
      overdue,
    };
  });

export const handler = makeHandler(
  lazy(() => {
    const env = parseAwsEnv();
    const own = parseWith(ReconcilerEnv, process.env, "environment");
    const runtime = createAwsRuntime(env, {}, RECONCILE_STORES);
    return {
      runtime,
      staleMs: own.STALE_AFTER_SECONDS * 1000,
      executor: new LambdaExecutorInvoker(
        new LambdaClient(awsClientConfig(env.AWS_REGION)),
        own.EXECUTOR_FUNCTION,
      ),
      workflows: restartWorkflows(
        new SfnWorkflowStarter(new SFNClient(awsClientConfig(env.AWS_REGION)), own.STATE_MACHINE_ARN),
      ),
      resume: new DynamoResumePoint(runtime.db, RECONCILE_RESUME_POINT),
    };
  }),
);
