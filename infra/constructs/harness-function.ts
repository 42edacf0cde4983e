import { fileURLToPath } from "node:url";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { Effect, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { ack } from "../nag-suppressions.ts";
import { environmentSizeErrors } from "./environment-size.ts";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface HarnessFunctionProps {
  /** The entry file, relative to the repository root (e.g. `functions/api/proposals.ts`). */
  entry: string;
  description: string;
  stage: string;
  logRetention: RetentionDays;
  environment?: Record<string, string>;
  /** @default 512 */
  memorySize?: number;
  /** @default Duration.seconds(10) */
  timeout?: Duration;
  /** The role's name; agents' roles are named so the API can tell which agent calls. @default generated */
  roleName?: string;
  /**
   * How the function is invoked, which decides where its failures go: synchronous callers (API
   * Gateway, Step Functions) see the error; stream mappings and async invokers have their own
   * on-failure destinations, configured by the construct that wires them.
   */
  invocation: "api" | "task" | "stream" | "async" | "queue";
}

const DLQ_REASON: Record<HarnessFunctionProps["invocation"], string> = {
  api: "Invoked synchronously by API Gateway only: the caller receives the error; there is no asynchronous event to dead-letter.",
  task: "Invoked synchronously by Step Functions: the state machine retries and then routes the failure to its Fail state and the workflow-failures queue.",
  stream:
    "Invoked by a DynamoDB Streams event source mapping, whose own on-failure destination (an SQS DLQ) receives failed batches; a function DLQ never applies to stream invocations.",
  queue:
    "Invoked by an SQS event source mapping: a message that fails is delivered again, and after its queue's maxReceiveCount the queue's redrive policy moves it to that queue's dead-letter queue; a function DLQ never applies to event source mappings.",
  async:
    "Asynchronous failures go to the on-failure destination of its EventInvokeConfig (an SQS queue), which supersedes the legacy function DLQ.",
};

/** Module replacements, relative to the repository root (esbuild's working directory); see each shim. */
export const ALIASES: Record<string, string> = {
  "whatwg-url": "./infra/constructs/whatwg-url-shim.cjs",
  // Not node-fetch: HubSpot's codegen sends through it, and a shim over Node's own fetch was 19 KB
  // smaller but loads undici on the first request, ~20 ms of the HubSpot functions' cold start
  // (hubspot-poll 128 -> 107 ms bundled with node-fetch, fresh processes interleaved, median of 9).
  // yaml's ESM build (its "default" export condition; esbuild's platform "node" picks the CommonJS
  // one): the same code, so a bundle keeps only what it calls, and a module that reaches
  // domain/yaml.ts without parsing YAML carries none of it (112 KB in the workflow functions). The
  // one difference: the library's warnings go to console.warn instead of process.emitWarning.
  yaml: "./node_modules/yaml/browser/index.js",
  // What the MCP SDK imports and the harness never runs (see the shim): 213 KB of /mcp's bundle,
  // 134 KB of the other three MCP functions'.
  ajv: "./infra/constructs/mcp-sdk-unused-shim.mjs",
  "ajv-formats": "./infra/constructs/mcp-sdk-unused-shim.mjs",
  "zod/v3": "./infra/constructs/mcp-sdk-unused-shim.mjs",
  "zod-to-json-schema": "./infra/constructs/mcp-sdk-unused-shim.mjs",
};

/**
 * The bundling every function shares: ESM for Node 24, the SDK clients bundled so only used ones
 * ship. Bundled, not the runtime's copy: a minified bundle starts faster than resolving the SDK's
 * many files. `npx tsx bench/bundles.ts` measures both for every function; bundled was the faster
 * cold start for each of them (e.g. proposals 2.4 s against 4.4 s, the DynamoDB-only handler 1.2 s
 * against 2.4 s, on a loaded 2-core machine), so no function takes the runtime's SDK.
 */
export const BUNDLING = {
  format: OutputFormat.ESM,
  target: "node24",
  mainFields: ["module", "main"],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  externalModules: [],
  forceDockerBundling: false,
  // Some dependencies are CommonJS and call require() inside the ESM bundle.
  banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  esbuildArgs: { "--alias": Object.entries(ALIASES).map(([from, to]) => `${from}=${to}`) },
};

/**
 * What every function's environment holds before its own variables (bench/bundles.ts starts its
 * processes with it too). No `NODE_OPTIONS=--enable-source-maps`: with it Node reads and parses a
 * bundle's source map as it loads the bundle, 20–25 % of a cold start; the maps still ship
 * (BUNDLING.sourceMap) and the stacks a function logs or throws are mapped when they happen
 * (shared/adapters/aws/source-maps.ts).
 */
export const FUNCTION_ENVIRONMENT: Record<string, string> = {
  POWERTOOLS_SERVICE_NAME: "agent-harness",
  POWERTOOLS_METRICS_NAMESPACE: "AgentHarness",
};

/**
 * One Lambda function with the house defaults: Node 24 (the latest Lambda offers) on ARM64, its own role (no managed
 * policies; log writes scoped to its own log group), JSON logs with a retention, X-Ray tracing,
 * explicit memory and timeout, and Powertools configured through the environment.
 */
export class HarnessFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  /** Its entry file, relative to the repository (test/infra/deployed-first-calls.test.ts runs it). */
  readonly entry: string;
  /** Its function name (explicit, so its own role can name it without a reference cycle). */
  readonly name: string;

  constructor(scope: Construct, id: string, props: HarnessFunctionProps) {
    super(scope, id);
    this.entry = props.entry;
    // A function that is its construct's only one is created as "Fn" and named after that construct
    // (LedgerDigest/Fn: dev-harness-ledger-digest), not "dev-harness-fn".
    const own = id === "Fn" && scope.node.id ? scope.node.id : id;
    const name = `${props.stage}-harness-${own.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase()}`.slice(
      0,
      64,
    );
    this.name = name;
    this.logGroup = new LogGroup(this, "Logs", {
      logGroupName: `/aws/lambda/${name}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `Execution role of ${name}`,
      ...(props.roleName ? { roleName: props.roleName } : {}),
    });
    this.role.addToPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.fn = new NodejsFunction(this, "Fn", {
      functionName: name,
      description: props.description,
      entry: `${REPO_ROOT}${props.entry}`,
      handler: "handler",
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}package-lock.json`,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.WARN,
      tracing: Tracing.ACTIVE,
      bundling: BUNDLING,
      environment: {
        ...FUNCTION_ENVIRONMENT,
        HARNESS_STAGE: props.stage,
        ...props.environment,
      },
    });
    // At synthesis, after every construct has added its variables (the connectors config comes last).
    this.node.addValidation({ validate: () => environmentSizeErrors(this.fn) });
    ack(this.fn, "Serverless-LambdaDLQ", DLQ_REASON[props.invocation]);
    ack(
      this.role,
      "AwsSolutions-IAM5[Resource::*]",
      props.invocation === "stream"
        ? "X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) and dynamodb:ListStreams (which the stream event source mapping needs; it lists stream ARNs, no data) do not support resource-level permissions; every other statement names its resources."
        : "X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) does not support resource-level permissions; every other statement of this role names its resources.",
    );
  }
}
