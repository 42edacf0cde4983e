import { ArnFormat, Duration, Stack, TimeZone } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { Effect, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke } from "aws-cdk-lib/aws-scheduler-targets";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import {
  AGENT_LEDGER_READS,
  BUILTIN_AGENT_IDS,
  isBuiltinAgent,
  MODEL_AGENT_IDS,
} from "../../shared/agents/builtin.ts";
import type { AgentMeta } from "../../shared/agents/definition.ts";
import { AGENT_RUN_DELIVERIES } from "../../shared/agents/run-status.ts";
import { agentRoleName } from "../../shared/http/principal-from-event.ts";
import { schedulerExpression, workspaceTickExpression } from "../cron.ts";
import { ackInvokeVersions } from "../nag-suppressions.ts";
import { type AgentModelConfig, agentModelEnvironment, grantAgentModel } from "./agent-model.ts";
import { DDB, grantTable } from "./data-access.ts";
import { HarnessFunction } from "./harness-function.ts";

/** The role an agent's code runs as; the API checks a caller's exact role ARN against it. */
export { agentRoleName };

/** The entry of an agent without one of its own: the handler over every agent of the registry. */
export const AGENT_ENTRY = "functions/agents/handler.ts";

/**
 * The built-in agents' own entries (functions/agents/<id>.ts, shared/runtime/agent-function.ts): each
 * function carries its agent's workflow alone, 26–33 KB less than AGENT_ENTRY's every workflow. The
 * CRM import's (crm-import.ts) also wires HubSpot: it is the service stack's to give.
 */
export const OWN_AGENT_ENTRIES: Record<string, string> = Object.fromEntries(
  BUILTIN_AGENT_IDS.filter((id) => id !== "crm-import").map((id) => [id, `functions/agents/${id}.ts`]),
);
/** An agent that is not built in keeps every read of the ledger the knowledge view can make. */
const ALL_LEDGER_READS = { indexes: ["byAccount", "byPerson", "byAgent", "byStatus"] };

export interface AgentFunctionsProps {
  stage: string;
  /** With `actions` where the agent proposes (its deferred proposals come due: a retries schedule). */
  agents: (AgentMeta & { actions?: string[] })[];
  apiUrl: string;
  /** `execute-api:Invoke` ARN of POST /v1/proposals: the only route an agent may call. */
  proposeRouteArn: string;
  state: ITable;
  /**
   * Read only, by the agents that read decisions (AGENT_LEDGER_READS: CRM Sync, context packets);
   * agents never write the ledger.
   */
  ledger: ITable;
  /** Decisions about people are sealed: agents reading them open the person's key (decrypt only). */
  personKeyArn: string;
  /** The agents' model (infra/config.ts agentModel). */
  model: AgentModelConfig;
  /** The KMS keys the model's key secret may be encrypted with (HarnessConfig.secretsKmsKeyArns). */
  secretsKmsKeyArns: string[];
  /**
   * Where given, schedules fire in this zone. Absent: at every minute an expression may fire in any
   * zone, and the function runs only where it fires in the spec's workspace zone (`zone: "workspace"`).
   */
  scheduleTimezone?: TimeZone;
  deadLetterQueue: IQueue;
  logRetention: RetentionDays;
  /**
   * Agents' own entries beyond OWN_AGENT_ENTRIES (one that wires what only it uses); an agent with
   * neither runs on AGENT_ENTRY. @default {}
   */
  entries?: Record<string, string>;
}

/**
 * One function per registered agent (shared/agents/registry.ts), running as role
 * `<stage>-harness-agent-<id>`: it may read the knowledge base, call its model and propose through
 * the API, and nothing else: no ledger writes, no connectors. Scheduled triggers become EventBridge
 * Scheduler schedules; event triggers become rules (see EventRouting).
 */
export class AgentFunctions extends Construct {
  readonly functions = new Map<string, IFunction>();
  readonly harnessFunctions: HarnessFunction[] = [];

  constructor(scope: Construct, id: string, props: AgentFunctionsProps) {
    super(scope, id);
    for (const agent of props.agents) {
      // Only the built-in agents that read decisions get the ledger and the person key (and their names).
      const ledgerReads = isBuiltinAgent(agent.id) ? AGENT_LEDGER_READS[agent.id] : ALL_LEDGER_READS;
      const cid = `Agent${agent.id.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_m, _s, c: string) => c.toUpperCase())}`;
      const f = new HarnessFunction(this, cid, {
        stage: props.stage,
        logRetention: props.logRetention,
        entry: props.entries?.[agent.id] ?? OWN_AGENT_ENTRIES[agent.id] ?? AGENT_ENTRY,
        description: `Agent ${agent.id}: ${agent.description}`.slice(0, 256),
        roleName: agentRoleName(props.stage, agent.id),
        invocation: "async",
        timeout: Duration.minutes(5),
        memorySize: 1024,
        environment: {
          AGENT_ID: agent.id,
          HARNESS_API_URL: props.apiUrl,
          STATE_TABLE: props.state.tableName,
          ...(ledgerReads
            ? { LEDGER_TABLE: props.ledger.tableName, PERSON_KEY_ARN: props.personKeyArn }
            : {}),
          // The model's configuration where the agent calls it, as its grant (agent-model.ts): the
          // others' functions build no model (shared/runtime/agent-function.ts).
          ...(MODEL_AGENT_IDS.includes(agent.id) ? agentModelEnvironment(props.model) : {}),
        },
      });
      grantTable(f.role, props.state, DDB.read);
      if (ledgerReads) {
        f.role.addToPolicy(
          new PolicyStatement({
            effect: Effect.ALLOW,
            actions: ["kms:Decrypt"],
            resources: [props.personKeyArn],
          }),
        );
        grantTable(f.role, props.ledger, DDB.read, { indexes: ledgerReads.indexes });
      }
      // The durable queue of deferred proposals to re-propose, and the claims that make a duplicate
      // delivery of a schedule's firing run once (agent-run-claims.ts): this agent's own partitions only.
      f.role.addToPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: [...DDB.write],
          resources: [props.state.tableArn],
          conditions: {
            "ForAllValues:StringEquals": {
              "dynamodb:LeadingKeys": [`AGENTRETRY#${agent.id}`, `AGENTRUN#${agent.id}`],
            },
          },
        }),
      );
      grantAgentModel(f.role, agent.id, props.model, props.secretsKmsKeyArns);
      // A run stopped at its deadline goes on in a new invocation of this function (agent-handler.ts).
      // Named, not referenced: the function's ARN in its own role's policy would be a cycle.
      if (agent.continues)
        f.role.addToPolicy(
          new PolicyStatement({
            effect: Effect.ALLOW,
            actions: ["lambda:InvokeFunction"],
            resources: [
              Stack.of(this).formatArn({
                service: "lambda",
                resource: "function",
                resourceName: f.name,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            ],
          }),
        );
      f.role.addToPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ["execute-api:Invoke"],
          resources: [props.proposeRouteArn],
        }),
      );
      f.fn.configureAsyncInvoke({
        onFailure: new SqsDestination(props.deadLetterQueue),
        // A manual run's status says a failure is final once these are spent (agents/run-status.ts).
        retryAttempts: AGENT_RUN_DELIVERIES - 1,
        maxEventAge: Duration.hours(1),
      });
      let role: Role | undefined;
      const schedulerRole = () => {
        if (!role) {
          role = new Role(this, `${cid}SchedulerRole`, {
            // Only by this account's schedules (AWS's confused-deputy guard for Scheduler's execution
            // roles): another account's schedule naming this role's ARN cannot have it assumed.
            assumedBy: new ServicePrincipal("scheduler.amazonaws.com", {
              conditions: { StringEquals: { "aws:SourceAccount": Stack.of(this).account } },
            }),
            description: `EventBridge Scheduler invoking agent ${agent.id}`,
          });
          ackInvokeVersions(role, f.fn, `The scheduler role of agent ${agent.id}`);
        }
        return role;
      };
      // Its deferred proposals (quiet hours, a cap, a pause with an end) come due whether or not the
      // agent is invoked again: an agent woken by events may wait days for its next one. Every quarter
      // hour they are proposed again (agent-handler.ts, `trigger: "retries"`).
      if (agent.actions?.length)
        new Schedule(this, `${cid}Retries`, {
          description: `${agent.id}: its deferred proposals that are due`,
          schedule: ScheduleExpression.rate(Duration.minutes(15)),
          target: new LambdaInvoke(f.fn, {
            input: ScheduleTargetInput.fromObject({ agentId: agent.id, trigger: "retries" }),
            role: schedulerRole(),
            deadLetterQueue: props.deadLetterQueue,
            // The next quarter hour tries again.
            retryAttempts: 1,
            maxEventAge: Duration.minutes(15),
          }),
        });
      agent.triggers.forEach((t, i) => {
        if (t.kind !== "schedule") return;
        new Schedule(this, `${cid}Schedule${i}`, {
          description: t.description ?? `${agent.id}: ${t.cron}`,
          schedule: props.scheduleTimezone
            ? ScheduleExpression.expression(schedulerExpression(t.cron), props.scheduleTimezone)
            : ScheduleExpression.expression(workspaceTickExpression(t.cron), TimeZone.ETC_UTC),
          target: new LambdaInvoke(f.fn, {
            // The firing's time, the same in a duplicate delivery of it (agent-handler.ts's run claims).
            input: ScheduleTargetInput.fromObject({
              agentId: agent.id,
              trigger: "schedule",
              cron: t.cron,
              ...(props.scheduleTimezone ? {} : { zone: "workspace" }),
              scheduledAt: ContextAttribute.scheduledTime,
            }),
            role: schedulerRole(),
            deadLetterQueue: props.deadLetterQueue,
            retryAttempts: 3,
            maxEventAge: Duration.hours(1),
          }),
        });
      });
      this.functions.set(agent.id, f.fn);
      this.harnessFunctions.push(f);
    }
  }
}
