import { SFNClient } from "@aws-sdk/client-sfn";
import { StepFunctionsApprovalSignal } from "../adapters/aws/approval-signal.ts";
import { awsClientConfig } from "../adapters/aws/client-config.ts";
import { SfnTaskCompleter, SfnWorkflowStarter } from "../adapters/aws/sfn.ts";
import { DynamoTaskTokenStore } from "../adapters/aws/task-token-store.ts";
import type { Db } from "../adapters/dynamo/db.ts";
import type { ApprovalSignal } from "../ports.ts";
import type { TaskCompleter, TaskTokenStore } from "../usecases/workflow.ts";
import { type AwsEnv, required } from "./aws-env.ts";

/** The Step Functions side of the workflow: task tokens and the client that completes tasks. */
export function sfnTasks(env: AwsEnv, db: Db): { taskTokens: TaskTokenStore; tasks: TaskCompleter } {
  return {
    taskTokens: new DynamoTaskTokenStore(db),
    tasks: new SfnTaskCompleter(new SFNClient(awsClientConfig(env.AWS_REGION))),
  };
}

export const sfnApprovalSignal =
  (env: AwsEnv) =>
  (db: Db): ApprovalSignal =>
    new StepFunctionsApprovalSignal(sfnTasks(env, db));

export const sfnStarter = (env: AwsEnv) =>
  new SfnWorkflowStarter(new SFNClient(awsClientConfig(env.AWS_REGION)), required(env, "STATE_MACHINE_ARN"));
