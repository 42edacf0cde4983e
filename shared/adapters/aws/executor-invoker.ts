import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { DependencyError } from "../../domain/errors.ts";

/**
 * Hands a dispatched decision to the executor function (the EventBridge target of decision.made),
 * asynchronously, with the same event shape its rule delivers. The executor's attempt claim is
 * conditional, so a decision that its workflow or event executes at the same moment is sent once.
 */
export class LambdaExecutorInvoker {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async execute(decisionId: string): Promise<void> {
    const event = { "detail-type": "decision.made", source: "harness.reconciler", detail: { decisionId } };
    try {
      await this.client.send(
        new InvokeCommand({
          FunctionName: this.functionName,
          InvocationType: "Event",
          Payload: new TextEncoder().encode(JSON.stringify(event)),
        }),
      );
    } catch (err) {
      throw new DependencyError(`invoking the executor failed: ${(err as Error).name}`, { cause: err });
    }
  }
}
