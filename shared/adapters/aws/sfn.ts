import {
  ExecutionAlreadyExists,
  InvalidToken,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from "@aws-sdk/client-sfn";
import { DependencyError } from "../../domain/errors.ts";
import type { ApprovalResult, TaskCompleter, WorkflowInput } from "../../usecases/workflow.ts";

/** SendTaskSuccess; a task that already finished (timed out, or released twice) is not an error. */
export class SfnTaskCompleter implements TaskCompleter {
  constructor(private readonly client: SFNClient) {}

  async succeed(taskToken: string, output: ApprovalResult): Promise<void> {
    try {
      await this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    } catch (err) {
      if (err instanceof TaskDoesNotExist || err instanceof TaskTimedOut || err instanceof InvalidToken)
        return;
      throw new DependencyError(`SendTaskSuccess failed: ${(err as Error).name}`, { cause: err });
    }
  }
}

/** Starts one execution per decision, named after it: a redelivered stream record starts nothing new. */
export class SfnWorkflowStarter {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  /** `name`: the execution's, the decision's id unless a second workflow of it (the reconciler's). */
  async start(input: WorkflowInput, name = input.decisionId): Promise<{ started: boolean }> {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name,
          input: JSON.stringify(input),
        }),
      );
      return { started: true };
    } catch (err) {
      if (err instanceof ExecutionAlreadyExists) return { started: false };
      throw new DependencyError(`StartExecution failed: ${(err as Error).name}`, { cause: err });
    }
  }
}
