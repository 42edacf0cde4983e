import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { DependencyError } from "../../domain/errors.ts";

/**
 * Invokes this function again, asynchronously, with `payload`: an agent run that stopped at its
 * deadline with work left continues in a fresh invocation (shared/runtime/agent-handler.ts). The
 * client is built on the first continuation only: most runs never need one.
 */
export function selfInvoker(client: () => LambdaClient, functionName: string) {
  return async (payload: unknown): Promise<void> => {
    try {
      await client().send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: "Event",
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      );
    } catch (err) {
      throw new DependencyError(`continuing the run failed: ${(err as Error).name}`, { cause: err });
    }
  };
}
