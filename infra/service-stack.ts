import { Annotations, CfnOutput, Duration, Stack, type StackProps, TimeZone } from "aws-cdk-lib";
import type { UserPoolClient } from "aws-cdk-lib/aws-cognito";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { type IEventBus, Rule } from "aws-cdk-lib/aws-events";
import { SqsQueue } from "aws-cdk-lib/aws-events-targets";
import { Effect, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import type { ILogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";
import { defaultRetryPolicy } from "../shared/adapters/connectors/retry.ts";
import { LEDGER_INDEXES, type LedgerIndex } from "../shared/adapters/dynamo/keys.ts";
import type { AgentMeta } from "../shared/agents/definition.ts";
import { LEDGER_ROUTES } from "../shared/http/ledger-routes.ts";
import { ROUTES, type Route } from "../shared/http/routes.ts";
import {
  type DeployedConnectorsConfig,
  listingConnectorsConfig,
  longestTimeoutMs,
} from "../shared/runtime/connector-schemas.ts";
import { agentEventRoutes, EVENT_ROUTES } from "../shared/runtime/event-routes.ts";
import { agentModel, configNotices, type HarnessConfig } from "./config.ts";
import { AgentFunctions } from "./constructs/agent-functions.ts";
import { grantAgentRuns } from "./constructs/agent-runs.ts";
import { HarnessAlarms } from "./constructs/alarms.ts";
import { ApprovalWorkflow, stateMachineArn } from "./constructs/approval-workflow.ts";
import { HarnessAuth } from "./constructs/auth.ts";
import { archiveBucketName, archiveObjectsArn } from "./constructs/buckets.ts";
import { ConsoleHosting } from "./constructs/console-hosting.ts";
import { CRM_IMPORT_AGENT, CRM_IMPORT_ENTRY, grantCrmImport } from "./constructs/crm-import.ts";
import { CursorKey } from "./constructs/cursor-key.ts";
import { DDB, grantTable } from "./constructs/data-access.ts";
import { deadLetterQueue } from "./constructs/dead-letter-queue.ts";
import { EventRouting } from "./constructs/event-routing.ts";
import { HarnessFunction } from "./constructs/harness-function.ts";
import { HarnessHttpApi } from "./constructs/http-api.ts";
import { grantDigests, LedgerDigest } from "./constructs/ledger-digest.ts";
import { LedgerWorkers } from "./constructs/ledger-workers.ts";
import { addMcpRoutes, MCP_ENTRY } from "./constructs/mcp-endpoint.ts";
import { enableMemoryEmbeddings } from "./constructs/memory-embeddings.ts";
import { Reconciler } from "./constructs/reconciler.ts";
import { SignalsRefit } from "./constructs/signals-refit.ts";
import {
  ADMIN_WRITES,
  DRAFT_WRITES,
  EXECUTOR_WRITES,
  GATE_WRITES,
  KB_WRITES,
  MCP_WRITES,
  OUTCOME_WORKER_WRITES,
  OUTCOME_WRITES,
  RECONCILE_WRITES,
  RELEASE_WRITES,
  REVIEW_WRITES,
  SPEC_WRITES,
  WATCHER_WRITES,
} from "./constructs/state-writes.ts";
import { WorldIo } from "./constructs/world-io.ts";
import { ackArchivePrefix } from "./nag-suppressions.ts";

export interface ServiceStackProps extends StackProps {
  config: HarnessConfig;
  stateTable: ITable;
  ledgerTable: ITable;
  archiveBucket: IBucket;
  bus: IEventBus;
  /** The KMS key wrapping persons' data keys (decisions about a person are sealed under them). */
  personKey: IKey;
  /** The agent registry (shared/agents/registry.ts); one function per entry. */
  agents: AgentMeta[];
}

type Access = {
  state?: readonly string[];
  ledger?: readonly string[];
  indexes?: boolean;
  /** Query (only) on these ledger indexes, for a function that needs no other index. */
  indexQuery?: readonly LedgerIndex[];
  publish?: boolean;
  signal?: boolean;
  /** Opens persons' data keys (reads decisions); "create" also wraps new ones (the gate). */
  personKeys?: "open" | "create";
  /**
   * The state table's partitions it may delete from (`dynamodb:LeadingKeys`), "any" for the erasure's
   * function; none by default. A delete anywhere could shred every person's data key (their sealed
   * decisions with it), lift a suppression or a pause: `state` grants no DeleteItem.
   */
  deletes?: readonly string[] | "any";
  /**
   * The state table's partitions its puts and updates may touch (`dynamodb:LeadingKeys`), where they
   * are known; without it, any. A function that writes none of a person's data key, a suppression
   * or an erasure mark cannot overwrite one, whatever runs in it.
   */
  writes?: readonly string[];
};

/** Reads and writes of the state table, without deletes (Access.deletes). */
const RW = [...DDB.read, "dynamodb:PutItem", "dynamodb:UpdateItem"];
/**
 * The ledger is append-only by IAM, not only by convention: decisions and events are put
 * (conditionally, a decision version by version); no function may update or delete in it.
 */
const LEDGER_RW = [...DDB.read, "dynamodb:PutItem"];
/** A decision's due item, removed as it moves on (decision-store.ts). */
const DUE = ["DUE"];
/** The address and domain indexes a person or account leaves when its email or domain changes (kb-store.ts). */
const KB_MOVES = ["EMAIL#*", "DOMAIN#*"];

/** What each API group's function may do to the data, and nothing more. */
const API_ACCESS: Record<Route["group"], Access> = {
  health: {},
  // No publish: decision.made goes onto the bus from the ledger stream, not from the request.
  proposals: { state: RW, writes: GATE_WRITES, ledger: LEDGER_RW, personKeys: "create" },
  decisions: { state: DDB.read, ledger: DDB.read, indexes: true, personKeys: "open" },
  // A spec's publication: the version item and CURRENT, and its ledger event, in one transaction;
  // spec.published onto the bus.
  specs: { state: RW, writes: SPEC_WRITES, ledger: LEDGER_RW, publish: true },
  // A replay reads the decisions of a window (the byStatus index) and opens their sealed facts.
  replay: { state: DDB.read, ledger: DDB.read, indexQuery: ["byStatus"], personKeys: "open" },
  reviews: {
    state: RW,
    writes: REVIEW_WRITES,
    ledger: LEDGER_RW,
    indexes: true,
    publish: true,
    signal: true,
    personKeys: "open",
    // A review moves the decision on and gives its workflow's task token back.
    deletes: [...DUE, "APPROVALWAIT#*"],
  },
  // GET /v1/trust queries the trust directory; its one-time fill from records saved before the
  // directory existed is a Scan of the state table (adapters/dynamo/trust-store.ts). A pin first asks
  // whether the agent ever decided anything: a key-only Query on byAgent (no kms:Decrypt).
  admin: {
    state: [...RW, "dynamodb:Scan"],
    writes: ADMIN_WRITES,
    ledger: LEDGER_RW,
    indexQuery: ["byAgent"],
    publish: true,
  },
  // A context packet reads the account's recent touches (byAccount): without the index, every
  // /v1/context of a known account was AccessDenied. A changed email or domain deletes the index item
  // the record leaves behind, and nothing else: erasure is its own function.
  knowledge: {
    state: RW,
    writes: KB_WRITES,
    // It reads decisions and their events; it writes none (the erasure's `erased` event is the
    // erasure function's).
    ledger: DDB.read,
    indexQuery: ["byAccount"],
    publish: true,
    personKeys: "open",
    deletes: KB_MOVES,
  },
  // Erasure scans the state table for every copy of a person's name or email (rare, admin only), and
  // reads the account's decisions for mentions of them (byAccount) and the queues of list syncs still
  // to go out (byStatus). The one API function that may delete anywhere in the state table: every copy
  // of a person it finds, and their data key.
  erasure: {
    state: [...RW, "dynamodb:Scan"],
    ledger: LEDGER_RW,
    indexQuery: ["byAccount", "byStatus"],
    personKeys: "open",
    deletes: "any",
  },
};

/** The API groups with routes that read a whole table or wait on other servers (see their functions). */
const LONG_API_GROUPS = new Set<string>(["admin", "knowledge", "erasure", "decisions", "replay"]);

/**
 * The executors' timeout: an attempt older than this (plus a margin) was cut off (see Reconciler). It
 * covers a connector call's worst case, so a slow vendor ends in a failed or in_doubt answer from the
 * connector rather than a killed function: every attempt to the connector's `timeoutMs` with the
 * longest waits between them (connectors/retry.ts), plus a margin for the secret's first read and
 * the decision's reads and transitions; at least 60 s, at most Lambda's 900. An action of several
 * calls (a HubSpot list sync) that ran each to its worst case could still outlive it: the reconciler
 * then moves it to in_doubt. A connector's longer `timeoutMs` lengthens it (it was fixed at 60 s, and
 * a 30 s timeout got the function killed mid-call).
 */
export function executorTimeout(c: DeployedConnectorsConfig): Duration {
  const { attempts, maxDelayMs } = defaultRetryPolicy;
  const longest = longestTimeoutMs(c);
  const worstMs = longest ? attempts * longest + (attempts - 1) * maxDelayMs : 0;
  return Duration.seconds(Math.min(900, Math.max(60, Math.ceil(worstMs / 1000) + 10)));
}

const pascal = (s: string) =>
  s.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_m, _s, c: string) => c.toUpperCase());

/** Everything stateless: functions, the API, the workflow, routing, schedules and alarms. */
export class ServiceStack extends Stack {
  readonly api: HarnessHttpApi;
  readonly workflow: ApprovalWorkflow;
  readonly console: ConsoleHosting;
  readonly consoleClient: UserPoolClient;
  readonly functions: Record<string, HarnessFunction> = {};

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { config } = props;
    const stage = config.stage;
    const logRetention = config.logRetentionDays as RetentionDays;
    const smArn = stateMachineArn(this, stage);
    const env = {
      STATE_TABLE: props.stateTable.tableName,
      LEDGER_TABLE: props.ledgerTable.tableName,
      EVENT_BUS_NAME: props.bus.eventBusName,
      PERSON_KEY_ARN: props.personKey.keyArn,
    };
    const grant = (f: HarnessFunction, a: Access) => {
      if (a.state) {
        const scoped = new Set<string>(a.writes ? ["dynamodb:PutItem", "dynamodb:UpdateItem"] : []);
        grantTable(
          f.role,
          props.stateTable,
          a.state.filter((x) => !scoped.has(x)),
        );
        const writes = a.state.filter((x) => scoped.has(x));
        if (writes.length) grantTable(f.role, props.stateTable, writes, { leadingKeys: a.writes });
      }
      if (a.deletes === "any") grantTable(f.role, props.stateTable, ["dynamodb:DeleteItem"]);
      else if (a.deletes?.length)
        grantTable(f.role, props.stateTable, ["dynamodb:DeleteItem"], { leadingKeys: a.deletes });
      if (a.ledger)
        grantTable(f.role, props.ledgerTable, a.ledger, a.indexes ? { indexes: LEDGER_INDEXES } : {});
      if (a.indexQuery?.length)
        f.role.addToPolicy(
          new PolicyStatement({
            effect: Effect.ALLOW,
            actions: ["dynamodb:Query"],
            resources: a.indexQuery.map((i) => `${props.ledgerTable.tableArn}/index/${i}`),
          }),
        );
      if (a.publish) props.bus.grantPutEventsTo(f.role);
      // Identity policy, not key.grant*(): a grant would edit the key policy in the stateful stack
      // and make it depend on this one.
      if (a.personKeys)
        f.role.addToPolicy(
          new PolicyStatement({
            effect: Effect.ALLOW,
            actions: a.personKeys === "create" ? ["kms:Encrypt", "kms:Decrypt"] : ["kms:Decrypt"],
            resources: [props.personKey.keyArn],
          }),
        );
      if (a.signal)
        f.role.addToPolicy(
          new PolicyStatement({
            effect: Effect.ALLOW,
            actions: ["states:SendTaskSuccess"],
            resources: [smArn],
          }),
        );
    };
    type Extra = Partial<ConstructorParameters<typeof HarnessFunction>[2]> &
      Pick<ConstructorParameters<typeof HarnessFunction>[2], "invocation">;
    const fn = (cid: string, entry: string, description: string, extra: Extra) => {
      const f = new HarnessFunction(this, cid, {
        stage,
        logRetention,
        entry,
        description,
        environment: env,
        ...extra,
      });
      this.functions[cid] = f;
      return f;
    };

    // API: one function per route group. Groups with paginated listings read the cursor key, and the
    // erasure, which keeps a listing's cursor between its requests (usecases/erase.ts): a cursor
    // signed with one container's own key did not read in the next request's container.
    const groups = [...new Set(ROUTES.map((r) => r.group))];
    const paginated = new Set<Route["group"]>([
      ...ROUTES.filter((r) => r.paginated).map((r) => r.group),
      "erasure",
    ]);
    const cursorKey = new CursorKey(this, "CursorKey", { stage });
    const apiFunctions = {} as Record<Route["group"], IFunction>;
    // Where an API function logs the failures it answers 500 (alarms.ts counts them).
    const apiLogs: Record<string, ILogGroup> = {};
    // Downstream MCP servers' names and URLs, for GET /v1/tools and /mcp's tool lists: listed without
    // their headers, whose secrets only the executors may read (constructs/world-io.ts).
    const listing = listingConnectorsConfig(config.connectors);
    // The knowledge group lists downstream tools, with the MCP client that costs, only where there are some.
    const apiEntry = (group: string) =>
      group === "knowledge" && listing ? "functions/api/knowledge-tools.ts" : `functions/api/${group}.ts`;
    for (const group of groups) {
      const f = fn(`Api${pascal(group)}`, apiEntry(group), `HTTP API: ${group} routes`, {
        invocation: "api",
        // The spec's evaluation, per proposal or per replayed decision, gets the CPU that comes with
        // more memory.
        memorySize: group === "proposals" || group === "replay" ? 1024 : 512,
        // Routes that read a whole table get what API Gateway allows (30 s), not the default 10 s: an
        // erasure's scan of the state table (erasure), the ledger's verification and digest (admin),
        // the outcome reports (decisions), a spec's replay over past decisions (replay), a downstream
        // tool list (knowledge).
        ...(LONG_API_GROUPS.has(group) ? { timeout: Duration.seconds(29) } : {}),
        ...(paginated.has(group)
          ? { environment: { ...env, CURSOR_KEY_SECRET_ARN: cursorKey.secret.secretArn } }
          : {}),
      });
      grant(f, API_ACCESS[group]);
      // GET /v1/ledger/verify and POST /v1/ledger/digest: the ledger's Scan and the archive's digests.
      if (LEDGER_ROUTES.some((r) => r.group === group)) {
        grantDigests(f, { stage, ledger: props.ledgerTable, state: props.stateTable });
        f.fn.addEnvironment("ARCHIVE_BUCKET", archiveBucketName(stage));
      }
      if (paginated.has(group)) cursorKey.grantRead(f.role);
      apiFunctions[group] = f.fn;
      apiLogs[`Api${pascal(group)}`] = f.logGroup;
    }
    const auth = new HarnessAuth(this, "Auth", { stage });
    // The web console: a private bucket behind CloudFront, signing in with the same user pool and groups.
    this.console = new ConsoleHosting(this, "Console", { stage });
    this.consoleClient = this.console.addSignIn(auth.userPool, config.consoleUrls);
    this.api = new HarnessHttpApi(this, "Http", {
      stage,
      routes: ROUTES,
      functions: apiFunctions,
      userPool: auth.userPool,
      client: auth.client,
      consoleClient: this.consoleClient,
      // The console's own origin and those of the copies served elsewhere (config consoleUrls).
      corsOrigins: [this.console.origin, ...new Set(config.consoleUrls.map((u) => new URL(u).origin))],
      rateLimit: config.apiRateLimit,
      burstLimit: config.apiBurstLimit,
      logRetention,
    });
    // /mcp: the MCP server for agents (issue 12), its tools through the proposals and agent routes in
    // process, so it may do what those two groups' functions may.
    const mcp = fn("ApiMcp", MCP_ENTRY, "HTTP API: /mcp (MCP server, streamable HTTP)", {
      invocation: "api",
      memorySize: 1024,
      // wait_for_decision waits up to 25 s in AWS (shared/mcp/lambda-endpoint.ts): within API
      // Gateway's 30 s, with time to answer.
      timeout: Duration.seconds(29),
    });
    apiLogs.ApiMcp = mcp.logGroup;
    grant(mcp, {
      state: RW,
      writes: MCP_WRITES,
      ledger: LEDGER_RW,
      indexes: true,
      personKeys: "create",
    });
    addMcpRoutes(this.api, mcp.fn);
    if (listing)
      for (const f of [this.functions.ApiKnowledge as HarnessFunction, mcp])
        f.fn.addEnvironment("CONNECTORS_CONFIG", listing);
    // Memory by meaning: only the two functions that embed (memory's writes and searches) call the model.
    if (config.embeddings)
      for (const f of [this.functions.ApiKnowledge as HarnessFunction, mcp])
        enableMemoryEmbeddings(f.fn, f.role, config.embeddings, config.secretsKmsKeyArns);

    // The approval workflow and its tasks.
    const outboxBucket = archiveBucketName(stage);
    // No publish: their only events are decision.transitioned, which the ledger stream publishes
    // (STREAM_PUBLISHED_EVENTS); the executors run vendors' SDKs and MCP clients, which must not be
    // able to put kb.* or agent-trigger events on the bus.
    const lifecycle = (writes: readonly string[]): Access => ({
      state: RW,
      writes,
      ledger: LEDGER_RW,
      personKeys: "open",
      deletes: DUE,
    });
    const release = fn(
      "WorkflowRelease",
      "functions/workflow/release.ts",
      "Workflow task: release after the override window",
      {
        invocation: "task",
      },
    );
    const expire = fn(
      "WorkflowExpire",
      "functions/workflow/expire.ts",
      "Workflow task: expire an unreviewed approval",
      {
        invocation: "task",
      },
    );
    // The executors carry the MCP client (its SDK and JSON Schema validator, ~290 KB) and HubSpot's
    // codegen (~230 KB) only where the connectors config calls them (deployed-connectors.ts): -mcp
    // (both) when it names MCP servers, -hubspot when it names HubSpot, else the lean entry.
    for (const [i, notice] of configNotices(config).entries())
      Annotations.of(this).addWarningV2(`harness:config-notice-${i}`, notice);
    const live = !config.connectors.dryRun;
    const executorTimeoutOf = executorTimeout(config.connectors);
    const withMcp = live && (config.connectors.mcp?.length ?? 0) > 0;
    const withHubSpot = live && config.connectors.hubspot !== undefined;
    const executorEntry = (entry: string) =>
      withMcp
        ? entry.replace(/\.ts$/, "-mcp.ts")
        : withHubSpot
          ? entry.replace(/\.ts$/, "-hubspot.ts")
          : entry;
    const execute = fn(
      "WorkflowExecute",
      executorEntry("functions/workflow/execute.ts"),
      "Workflow task: execute a dispatched decision",
      {
        invocation: "task",
        timeout: executorTimeoutOf,
        environment: {
          ...env,
          OUTBOX_BUCKET: outboxBucket,
          CONNECTOR_SECRET_ARNS: JSON.stringify(config.connectorSecretArns),
        },
      },
    );
    const awaitApproval = fn(
      "WorkflowAwaitApproval",
      "functions/workflow/await-approval.ts",
      "Workflow task: hold the approval task token",
      {
        // The wait's timeout is the decision's own expiry, in the state's payload: no ceiling here.
        invocation: "task",
      },
    );
    for (const f of [release, expire]) grant(f, lifecycle(RELEASE_WRITES));
    grant(execute, lifecycle(EXECUTOR_WRITES));
    // Its task token's item only: not a suppression, an erasure or any other item of the state table.
    grantTable(awaitApproval.role, props.stateTable, ["dynamodb:PutItem", "dynamodb:DeleteItem"], {
      leadingKeys: ["APPROVALWAIT#*"],
    });
    // The decision's status, by a key-only Query of its own item (adapters/dynamo/decision-status.ts).
    grantTable(awaitApproval.role, props.ledgerTable, ["dynamodb:Query"], { leadingKeys: ["DECISION#*"] });
    grant(awaitApproval, { signal: true });

    // Only the executors reach the outside world: the outbox and the connectors' secrets.
    const executeAllowed = fn(
      "ExecuteAllowed",
      executorEntry("functions/events/execute-allowed.ts"),
      "decision.made (dispatched) -> execute",
      {
        invocation: "async",
        timeout: executorTimeoutOf,
        environment: {
          ...env,
          OUTBOX_BUCKET: outboxBucket,
          CONNECTOR_SECRET_ARNS: JSON.stringify(config.connectorSecretArns),
        },
      },
    );
    grant(executeAllowed, lifecycle(EXECUTOR_WRITES));

    // The agents' watchers: KB change feed -> agent events, executed records -> KB, learning loops.
    // They write the KB, the agents' KB items and learned stats (state table), read the spec (state)
    // and a decision by its key (ledger; no index: they list none, runtime/aws-stores.ts), publish events.
    const agentWatchers = fn(
      "AgentWatchers",
      "functions/events/agent-watchers.ts",
      "kb.*, decision.transitioned, outcome.recorded -> agent watchers",
      { invocation: "async", timeout: Duration.seconds(30) },
    );
    grant(agentWatchers, {
      state: RW,
      writes: WATCHER_WRITES,
      ledger: DDB.read,
      publish: true,
      personKeys: "open",
      // A person's address that changed leaves its index item; they never write an account, so no domain's.
      deletes: ["EMAIL#*"],
    });
    for (const f of [execute, executeAllowed]) {
      f.role.addToPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ["s3:PutObject"],
          resources: [archiveObjectsArn(stage, "outbox")],
        }),
      );
      ackArchivePrefix(
        f.role,
        stage,
        "outbox",
        "The dry-run connector writes one object per idempotency key under outbox/ only (conditional put, never overwrites).",
      );
    }

    this.workflow = new ApprovalWorkflow(this, "Approval", {
      stage,
      release: release.fn,
      expire: expire.fn,
      execute: execute.fn,
      awaitApproval: awaitApproval.fn,
      logRetention,
    });

    // Ledger stream consumers.
    const workers = new LedgerWorkers(this, "Ledger", {
      stage,
      ledger: props.ledgerTable,
      stateTableName: props.stateTable.tableName,
      bus: props.bus,
      stateMachineArn: this.workflow.stateMachine.stateMachineArn,
      overrideWindowSeconds: config.overrideWindowMinutes * 60,
      approvalTimeoutSeconds: config.approvalTimeoutHours * 3600,
      logRetention,
    });
    this.functions.LedgerArchiver = workers.archiver;
    this.functions.LedgerWorkflowStarter = workers.starter;

    // Asynchronous paths: EventBridge deliveries, Lambda async invocations, schedules.
    const eventsDlq = deadLetterQueue(this, "EventsDlq", `${stage}-harness-events-dlq`);
    const asyncDlq = deadLetterQueue(this, "AsyncDlq", `${stage}-harness-async-dlq`);
    const digest = new LedgerDigest(this, "LedgerDigest", {
      stage,
      ledger: props.ledgerTable,
      state: props.stateTable,
      logRetention,
      deadLetterQueue: eventsDlq,
      failureQueue: asyncDlq,
    });
    this.functions.LedgerDigest = digest.function;
    // No decision stays dispatched: a stopped execution becomes in_doubt, an unattempted one executes.
    const reconciler = new Reconciler(this, "Reconciler", {
      stage,
      logRetention,
      environment: env,
      executor: executeAllowed.fn,
      executorTimeout: executorTimeoutOf,
      stateMachineArn: smArn,
      deadLetterQueue: eventsDlq,
      failureQueue: asyncDlq,
    });
    // It publishes the trust evidence it records (outcome.recorded, usecases/trust-evidence.ts).
    grant(reconciler.function, {
      ...lifecycle(RECONCILE_WRITES),
      indexQuery: ["byStatus"],
      publish: true,
    });
    this.functions.Reconciler = reconciler.function;
    // The signals loop's daily turn (in the local runtime, its scheduler's).
    const signals = new SignalsRefit(this, "SignalsRefit", {
      stage,
      logRetention,
      environment: env,
      deadLetterQueue: eventsDlq,
      failureQueue: asyncDlq,
    });
    // Touches through byStatus only, read without personal data (no data key opened); drafts and spec
    // versions put (a spec version's event is a ledger put); nothing updated in the ledger, nothing
    // deleted anywhere.
    grant(signals.function, {
      state: [...DDB.read, "dynamodb:PutItem", "dynamodb:UpdateItem"],
      // A refit's draft (and the source it came from), and its adoption as a spec version.
      writes: DRAFT_WRITES,
      ledger: ["dynamodb:PutItem"],
      indexQuery: ["byStatus"],
      publish: true,
    });
    this.functions.SignalsRefit = signals.function;
    for (const f of [executeAllowed, agentWatchers])
      f.fn.configureAsyncInvoke({
        onFailure: new SqsDestination(asyncDlq),
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      });
    const agents = new AgentFunctions(this, "Agents", {
      stage,
      agents: props.agents,
      apiUrl: this.api.api.apiEndpoint,
      proposeRouteArn: this.api.routeArn("POST", "/v1/proposals"),
      state: props.stateTable,
      ledger: props.ledgerTable,
      personKeyArn: props.personKey.keyArn,
      model: agentModel(config),
      secretsKmsKeyArns: config.secretsKmsKeyArns,
      ...(config.scheduleTimezone ? { scheduleTimezone: TimeZone.of(config.scheduleTimezone) } : {}),
      deadLetterQueue: asyncDlq,
      logRetention,
      entries: { [CRM_IMPORT_AGENT]: CRM_IMPORT_ENTRY },
    });
    // The CRM fills the knowledge base: its agent alone (with the executors) reads the HubSpot token.
    const crmImporter = agents.harnessFunctions.find((f) => f.fn === agents.functions.get(CRM_IMPORT_AGENT));
    if (crmImporter)
      grantCrmImport(crmImporter, {
        state: props.stateTable,
        bus: props.bus,
        ...(config.connectorSecretArns.hubspot
          ? { hubspotSecretArn: config.connectorSecretArns.hubspot }
          : {}),
        connectors: config.connectors,
        secretsKmsKeyArns: config.secretsKmsKeyArns,
      });
    agents.harnessFunctions.forEach((f) => {
      this.functions[f.node.id] = f;
    });
    new EventRouting(this, "Routing", {
      bus: props.bus,
      routes: [...EVENT_ROUTES, ...agentEventRoutes(props.agents)],
      targetFunction: (t) => {
        if ("worker" in t) return t.worker === "agent-watchers" ? agentWatchers.fn : executeAllowed.fn;
        const f = agents.functions.get(t.agent);
        if (!f) throw new Error(`event route names unknown agent ${t.agent}`);
        return f;
      },
      deadLetterQueue: eventsDlq,
    });

    // The world: connectors' config, secrets and SES rights for the executors; outcomes back from SES
    // and HubSpot (infra/constructs/world-io.ts); manual agent runs from the admin API.
    const world = new WorldIo(this, "World", {
      stage,
      logRetention,
      environment: env,
      connectors: config.connectors,
      connectorSecretArns: config.connectorSecretArns,
      secretsKmsKeyArns: config.secretsKmsKeyArns,
      executors: [execute, executeAllowed],
      api: this.api.api,
      grantOutcomes: (f, worker) =>
        grant(f, {
          state: RW,
          writes: [...OUTCOME_WRITES, ...OUTCOME_WORKER_WRITES[worker]],
          ledger: LEDGER_RW,
          indexes: true,
          publish: true,
          personKeys: "open",
          // SES's settles its decision; HubSpot's append to theirs, which settles no due item.
          ...(worker === "ses" ? { deletes: DUE } : {}),
        }),
      deadLetterQueue: eventsDlq,
      failureQueue: asyncDlq,
    });
    Object.assign(this.functions, world.functions);
    grantAgentRuns(this.functions.ApiAdmin as HarnessFunction, agents.functions);

    // A failed workflow execution lands in a queue a human works through, next to the alarm.
    const workflowFailures = deadLetterQueue(this, "WorkflowFailures", `${stage}-harness-workflow-failures`);
    new Rule(this, "WorkflowFailed", {
      description: "Approval workflow executions that failed, timed out or were aborted",
      eventPattern: {
        source: ["aws.states"],
        detailType: ["Step Functions Execution Status Change"],
        detail: { status: ["FAILED", "TIMED_OUT", "ABORTED"], stateMachineArn: [smArn] },
      },
    }).addTarget(new SqsQueue(workflowFailures, { deadLetterQueue: eventsDlq, retryAttempts: 8 }));

    const queues = {
      ArchiverDlq: workers.queues[0],
      StarterDlq: workers.queues[1],
      EventsDlq: eventsDlq,
      AsyncDlq: asyncDlq,
      WorkflowFailures: workflowFailures,
      ...world.queues,
    };
    const alarms = new HarnessAlarms(this, "Alarms", {
      stage,
      functions: Object.fromEntries(Object.entries(this.functions).map(([k, f]) => [k, f.fn])),
      queues: Object.fromEntries(Object.entries(queues).filter(([, q]) => q !== undefined)) as Record<
        string,
        never
      >,
      backlogs: world.backlogs,
      streamConsumers: { LedgerArchiver: workers.archiver.fn, WorkflowStarter: workers.starter.fn },
      stateMachine: this.workflow.stateMachine,
      apiLogs,
      ...(config.alarmEmail ? { email: config.alarmEmail } : {}),
    });
    digest.alarmOn(alarms.topic);

    new CfnOutput(this, "ApiUrl", { value: this.api.api.apiEndpoint });
    new CfnOutput(this, "UserPoolId", { value: auth.userPool.userPoolId });
    new CfnOutput(this, "UserPoolClientId", { value: auth.client.userPoolClientId });
    new CfnOutput(this, "StateMachineArn", { value: this.workflow.stateMachine.stateMachineArn });
    // Where people sign in (Cognito's hosted UI sends them back here).
    new CfnOutput(this, "ConsoleUrl", { value: this.console.url });
  }
}
