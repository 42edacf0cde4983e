import { readFileSync } from "node:fs";
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
    getRemainingTimeInMillis: () => 10_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** A real AWS event payload from test/fixtures/events, deep-copied so tests can change it. */
export function fixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url), "utf8")) as T;
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

/**
 * An API Gateway HTTP API (v2) event for one route, as the authorizers deliver it: a person's Cognito
 * JWT with `groups`, or an agent's IAM role (the dev stage's `dev-harness-agent-<agent>` session).
 */
export function apiEvent(
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  by: { groups: string[] } | { agent: string },
  query?: Record<string, string>,
  body?: unknown,
) {
  const e = fixture("groups" in by ? "api-v2-jwt-approve.json" : "api-v2-iam-proposal.json");
  const routeKey = `${method} ${path}`;
  Object.assign(e, { routeKey, rawPath: path, rawQueryString: new URLSearchParams(query).toString() });
  if (query) e.queryStringParameters = query;
  else delete e.queryStringParameters;
  if (body === undefined) delete e.body;
  else e.body = JSON.stringify(body);
  Object.assign(e.requestContext, { routeKey });
  Object.assign(e.requestContext.http, { method, path });
  if ("groups" in by) e.requestContext.authorizer.jwt.claims["cognito:groups"] = `[${by.groups.join(" ")}]`;
  else
    e.requestContext.authorizer.iam.userArn = `arn:aws:sts::123456789012:assumed-role/dev-harness-agent-${by.agent}/session-${by.agent}`;
  return e;
}
