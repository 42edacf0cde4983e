/**
 * Lambda's 4 KB for a function's variables, checked at synthesis (infra/constructs/environment-size.ts):
 * a function past it fails synthesis naming the function, its largest variable and the setting that
 * wrote it, instead of failing the deployment there; references count as less than any they resolve to.
 */
import { App, Stack } from "aws-cdk-lib";
import { AttributeType, Table } from "aws-cdk-lib/aws-dynamodb";
import { Code, Function as LambdaFunction, Runtime } from "aws-cdk-lib/aws-lambda";
import { describe, expect, it } from "vitest";
import {
  environmentSizeErrors,
  environmentSizes,
  LAMBDA_ENVIRONMENT_BYTES,
} from "../../infra/constructs/environment-size.ts";

function fnWith(environment: Record<string, string>): LambdaFunction {
  const stack = new Stack(new App(), "S", { env: { account: "123456789012", region: "us-east-1" } });
  const table = new Table(stack, "T", { partitionKey: { name: "pk", type: AttributeType.STRING } });
  const fn = new LambdaFunction(stack, "F", {
    runtime: Runtime.NODEJS_22_X,
    handler: "index.handler",
    code: Code.fromInline("export const handler = async () => 1;"),
    environment: { STATE_TABLE: table.tableName, ...environment },
  });
  // Added later, as the constructs add theirs: counted too.
  fn.addEnvironment("TABLE_ARN", `${table.tableArn}/index/byStatus`);
  return fn;
}

describe("a function's environment against Lambda's 4 KB", () => {
  it("a config that fits passes", () => {
    expect(environmentSizeErrors(fnWith({ CONNECTORS_CONFIG: "x".repeat(3_500) }))).toEqual([]);
  });

  it("counts names and values, a reference as 32 bytes and a join as its parts", () => {
    expect(environmentSizes(fnWith({ A: "é" }))).toEqual([
      { name: "STATE_TABLE", bytes: 11 + 32 },
      { name: "A", bytes: 1 + 2 },
      { name: "TABLE_ARN", bytes: 9 + 32 + "/index/byStatus".length },
    ]);
  });

  it("one byte past it names the function, the variable and the setting", () => {
    const others = 11 + 32 + 9 + 32 + 15 + "CONNECTORS_CONFIG".length;
    const fits = fnWith({ CONNECTORS_CONFIG: "x".repeat(LAMBDA_ENVIRONMENT_BYTES - others) });
    expect(environmentSizeErrors(fits)).toEqual([]);
    const [error] = environmentSizeErrors(
      fnWith({ CONNECTORS_CONFIG: "x".repeat(LAMBDA_ENVIRONMENT_BYTES - others + 1) }),
    );
    expect(error).toMatch(
      /^invalid CDK context: harness\.connectors: the environment of S\/F would be at least 4097 bytes.*its largest variable is CONNECTORS_CONFIG/,
    );
  });

  it("a variable no setting writes is named without one", () => {
    const [error] = environmentSizeErrors(fnWith({ OTHER: "é".repeat(2_100) }));
    expect(error).toMatch(/^the environment of S\/F would be at least \d+ bytes.*largest variable is OTHER/);
  });

  it("synthesis fails on it", () => {
    const fn = fnWith({ CONNECTORS_CONFIG: "x".repeat(4_100) });
    fn.node.addValidation({ validate: () => environmentSizeErrors(fn) });
    expect(() => (fn.node.root as App).synth()).toThrow(/harness\.connectors: the environment of S\/F/);
  });
});
