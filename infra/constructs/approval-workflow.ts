import { ArnFormat, Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import {
  Choice,
  Condition,
  DefinitionBody,
  Errors,
  Fail,
  IntegrationPattern,
  JitterType,
  JsonPath,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
  Wait,
  WaitTime,
} from "aws-cdk-lib/aws-stepfunctions";
import { LambdaInvoke } from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";
import { ack, ackInvokeVersions } from "../nag-suppressions.ts";

/** State names: the tests drive the synthesized definition by these names. */
export const STATES = {
  route: "WhichWait",
  wait: "WaitForOverrideWindow",
  release: "Release",
  dispatched: "Dispatched?",
  awaitApproval: "AwaitApproval",
  approved: "Approved?",
  expire: "Expire",
  approvedMeanwhile: "ApprovedMeanwhile?",
  execute: "Execute",
  failed: "WorkflowFailed",
} as const;

export interface ApprovalWorkflowProps {
  stage: string;
  release: IFunction;
  expire: IFunction;
  execute: IFunction;
  awaitApproval: IFunction;
  logRetention: RetentionDays;
}

/** The name is fixed so functions can be granted on its ARN without a dependency cycle. */
export const stateMachineName = (stage: string) => `${stage}-harness-approval`;

export function stateMachineArn(scope: Construct, stage: string): string {
  return Stack.of(scope).formatArn({
    service: "states",
    resource: "stateMachine",
    resourceName: stateMachineName(stage),
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * The design card's workflow (Standard): level 2 waits until executeAt and then releases
 * (re-validate, dispatch) and executes; level 1 waits on a task token until a review releases it,
 * or times out and expires (releasing the reservation). Every task retries transient failures and
 * then fails the execution, which a rule captures in the workflow-failures queue.
 */
export class ApprovalWorkflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: ApprovalWorkflowProps) {
    super(scope, id);
    const failed = new Fail(this, STATES.failed, {
      error: "HarnessWorkflowFailed",
      causePath: JsonPath.stringAt("$.error.Cause"),
    });
    const retry = {
      errors: [Errors.TASKS_FAILED],
      interval: Duration.seconds(2),
      maxAttempts: 3,
      backoffRate: 2,
      jitterStrategy: JitterType.FULL,
    };
    const step = (name: string, fn: IFunction, resultPath: string) =>
      new LambdaInvoke(this, name, {
        lambdaFunction: fn,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        payload: TaskInput.fromObject({ decisionId: JsonPath.stringAt("$.decisionId") }),
        resultPath,
      })
        .addRetry(retry)
        .addCatch(failed, { errors: [Errors.ALL], resultPath: "$.error" });

    const execute = step(STATES.execute, props.execute, "$.execution").next(new Succeed(this, "Done"));

    const release = step(STATES.release, props.release, "$.release").next(
      new Choice(this, STATES.dispatched)
        .when(Condition.stringEquals("$.release.status", "dispatched"), execute)
        .otherwise(new Succeed(this, "NotDispatched")),
    );
    const waitWindow = new Wait(this, STATES.wait, { time: WaitTime.timestampPath("$.executeAt") }).next(
      release,
    );

    // An approval that committed as the wait timed out, or whose signal was lost, left the decision
    // dispatched: Expire leaves it so (expire() moves only a pending decision), and it goes on to
    // Execute here instead of waiting for the reconciler.
    const expire = step(STATES.expire, props.expire, "$.expiry").next(
      new Choice(this, STATES.approvedMeanwhile)
        .when(Condition.stringEquals("$.expiry.status", "dispatched"), execute)
        .otherwise(new Succeed(this, "Expired")),
    );
    const awaitApproval = new LambdaInvoke(this, STATES.awaitApproval, {
      lambdaFunction: props.awaitApproval,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({
        decisionId: JsonPath.stringAt("$.decisionId"),
        taskToken: JsonPath.taskToken,
        approvalTimeoutSeconds: JsonPath.numberAt("$.approvalTimeoutSeconds"),
      }),
      taskTimeout: Timeout.at("$.approvalTimeoutSeconds"),
      resultPath: "$.review",
    })
      .addRetry(retry)
      .addCatch(expire, { errors: [Errors.TIMEOUT], resultPath: "$.timeout" })
      .addCatch(failed, { errors: [Errors.ALL], resultPath: "$.error" })
      .next(
        new Choice(this, STATES.approved)
          .when(Condition.stringEquals("$.review.result", "approved"), execute)
          .otherwise(new Succeed(this, "NotApproved")),
      );

    const definition = new Choice(this, STATES.route)
      .when(Condition.stringEquals("$.status", "scheduled"), waitWindow)
      .when(Condition.stringEquals("$.status", "pending_approval"), awaitApproval)
      .otherwise(new Succeed(this, "NothingToWaitFor"));

    const logs = new LogGroup(this, "Logs", {
      logGroupName: `/aws/vendedlogs/states/${stateMachineName(props.stage)}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new StateMachine(this, "StateMachine", {
      stateMachineName: stateMachineName(props.stage),
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(definition),
      tracingEnabled: true,
      // Every state's events, without their data: the AwaitApproval task's parameters carry its task
      // token, which completes the wait for whoever holds it (kept in the state table only), and each
      // step's input and output is a decision id and a status the execution's name and history give.
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
      comment: "Agent harness: override windows (level 2) and approvals (level 1)",
    });
    for (const fn of [props.release, props.expire, props.execute, props.awaitApproval])
      ackInvokeVersions(this.stateMachine.role, fn, "The approval state machine");
    ack(
      this.stateMachine.role,
      "AwsSolutions-IAM5[Resource::*]",
      "CloudWatch Logs vended-log delivery (logs:CreateLogDelivery, logs:DescribeResourcePolicies, ...) and X-Ray tracing actions do not support resource-level permissions.",
    );
  }
}
