import type { Context } from "aws-lambda";
import { inject } from "vitest";
import type { SandboxConnector } from "../../shared/adapters/local/sandbox-connector.ts";
import type { DomainEvent, EventPublisher } from "../../shared/ports.ts";
import {
  type AwsExtras,
  type AwsRuntime,
  createAwsRuntime,
  type StoreSet,
} from "../../shared/runtime/aws.ts";
import { awsCursors } from "../../shared/runtime/aws-cursors.ts";
import { parseAwsEnv } from "../../shared/runtime/aws-env.ts";
import { ALL_STORES } from "../../shared/runtime/aws-stores.ts";
import { Gate, type GateDeps } from "../../shared/usecases/gate.ts";
import type { ApprovalResult, TaskCompleter } from "../../shared/usecases/workflow.ts";
import type { TestRuntime } from "../helpers/runtime.ts";

// The captured events and the API requests built from them are shared with the bench (bench/first-events.ts).
export { apiEvent, fixture } from "../fixtures/events.ts";

/** A Lambda context like the one the runtime passes (Powertools reads its fields). */
export function lambdaContext(functionName = "test-fn"): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: `req-${Math.random().toString(36).slice(2)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "2026/03/10/[$LATEST]0123456789abcdef",
    // An executor's at the start of its run (65 s at the default connector timeouts).
    getRemainingTimeInMillis: () => 60_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** The environment the CDK app gives a function, pointed at DynamoDB Local and the test's tables. */
export function functionEnv(rt: TestRuntime, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_REGION: "us-east-1",
    HARNESS_STAGE: "dev",
    STATE_TABLE: rt.db.tables.state,
    LEDGER_TABLE: rt.db.tables.ledger,
    EVENT_BUS_NAME: "test-harness",
    DYNAMODB_ENDPOINT: inject("dynamoEndpoint"),
    DYNAMODB_LOCAL_KEY: inject("dynamoCredentials").accessKeyId,
    ...extra,
  };
}

export class RecordingPublisher implements EventPublisher {
  readonly events: DomainEvent[] = [];
  async publish(events: DomainEvent[]) {
    this.events.push(...events);
  }
}

/** Step Functions' SendTaskSuccess, in memory: waiting tasks resolve when a review completes them. */
export class LocalTasks implements TaskCompleter {
  readonly completed: { token: string; output: ApprovalResult }[] = [];
  private readonly waiting = new Map<string, (output: ApprovalResult) => void>();

  wait(token: string): Promise<ApprovalResult> {
    const done = this.completed.find((c) => c.token === token);
    if (done) return Promise.resolve(done.output);
    return new Promise((resolve) => this.waiting.set(token, resolve));
  }

  async succeed(token: string, output: ApprovalResult) {
    this.completed.push({ token, output });
    this.waiting.get(token)?.(output);
    this.waiting.delete(token);
  }
}

/**
 * The AWS wiring of a function, built from its zod-parsed environment exactly as in Lambda, with the
 * test's simulated clock, sandbox connector and a recording event publisher.
 */
export function awsRuntimeFor(
  rt: TestRuntime,
  options: {
    sandbox?: SandboxConnector;
    events?: EventPublisher;
    extras?: AwsExtras;
    /** The stores the function's entry builds it with (shared/runtime/aws-stores.ts); all by default. */
    stores?: StoreSet;
    /**
     * The gate, for the functions whose entry builds one (api/proposals, api/mcp): not given by
     * default, so a function that proposes without it fails here as it would deployed.
     */
    gate?: boolean;
  } = {},
): AwsRuntime {
  const env = parseAwsEnv(functionEnv(rt));
  return createAwsRuntime(
    env,
    {
      clock: rt.clock,
      // As the paginating API functions are built (functions/api/{decisions,reviews,admin}.ts).
      cursors: awsCursors(env),
      events: options.events ?? new RecordingPublisher(),
      ...(options.gate ? { gate: (deps: GateDeps) => new Gate(deps) } : {}),
      ...(options.sandbox ? { connector: () => options.sandbox as SandboxConnector } : {}),
      ...options.extras,
    },
    options.stores ?? ALL_STORES,
  );
}
