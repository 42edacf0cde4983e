import { ArnFormat, Stack } from "aws-cdk-lib";
import { Effect, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { CfnFunction, IFunction } from "aws-cdk-lib/aws-lambda";
import type { HarnessFunction } from "./harness-function.ts";

/**
 * Manual runs in AWS: the admin API function may invoke each agent's function (asynchronously, see
 * shared/adapters/aws/lambda-agent-runs.ts) and learns their names from AGENT_FUNCTIONS. The names are
 * the literal ones the functions are created with, not references: the agents' functions depend on
 * the API (they call it), so a reference back would be a cycle.
 */
export function grantAgentRuns(admin: HarnessFunction, agents: Map<string, IFunction>): void {
  const names: Record<string, string> = {};
  for (const [agentId, fn] of agents) {
    const name = (fn.node.defaultChild as CfnFunction).functionName;
    if (!name) throw new Error(`agent ${agentId}'s function has no fixed name`);
    names[agentId] = name;
  }
  if (Object.keys(names).length === 0) return;
  admin.fn.addEnvironment("AGENT_FUNCTIONS", JSON.stringify(names));
  const stack = Stack.of(admin);
  admin.role.addToPolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ["lambda:InvokeFunction"],
      resources: Object.values(names).map((n) =>
        stack.formatArn({
          service: "lambda",
          resource: "function",
          resourceName: n,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ),
    }),
  );
}
