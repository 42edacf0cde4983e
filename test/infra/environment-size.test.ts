/**
 * Lambda's 4 KB for a function's variables, checked at synthesis (infra/constructs/environment-size.ts),
 * measured as Lambda measures it: the variables' JSON object, escapes included. Past it even with every
 * reference at its shortest, synthesis fails naming the function, its largest variable and the setting
 * that wrote it; past it only with references of a usual length, a warning.
 */
import { App, Stack } from "aws-cdk-lib";
import { AttributeType, Table } from "aws-cdk-lib/aws-dynamodb";
import { Code, Function as LambdaFunction, Runtime } from "aws-cdk-lib/aws-lambda";
import { describe, expect, it } from "vitest";
import {
  environmentBytes,
  environmentSizeErrors,
  LAMBDA_ENVIRONMENT_BYTES,
} from "../../infra/constructs/environment-size.ts";

function fnWith(environment: Record<string, string>, references = true): LambdaFunction {
  const stack = new Stack(new App(), "S", { env: { account: "123456789012", region: "us-east-1" } });
  const fn = new LambdaFunction(stack, "F", {
    runtime: Runtime.NODEJS_22_X,
    handler: "index.handler",
    code: Code.fromInline("export const handler = async () => 1;"),
    environment,
  });
  if (references) {
    const table = new Table(stack, "T", { partitionKey: { name: "pk", type: AttributeType.STRING } });
    // Added later, as the constructs add theirs: counted too.
    fn.addEnvironment("STATE_TABLE", table.tableName);
    fn.addEnvironment("INDEX_ARN", `${table.tableArn}/index/byStatus`);
  }
  return fn;
}

const warnings = (fn: LambdaFunction) =>
  fn.node.metadata.filter((m) => m.type === "aws:cdk:warning").map((m) => String(m.data));

/** The references' JSON at their shortest: "STATE_TABLE":"xxx", and "INDEX_ARN":"xxx/index/byStatus". */
const REFERENCES = `,"STATE_TABLE":"xxx","INDEX_ARN":"xxx/index/byStatus"`.length;

describe("a function's environment against Lambda's 4 KB", () => {
  it("is measured as its JSON object: names, quotes, escapes and separators", () => {
    const vars = {
      CONNECTORS_CONFIG: JSON.stringify({ mcp: [{ name: "crm", url: "https://é.example" }] }),
      A: "1",
    };
    expect(environmentBytes(fnWith(vars, false))).toBe(Buffer.byteLength(JSON.stringify(vars), "utf8"));
    expect(environmentBytes(fnWith({}, false))).toBe(2);
  });

  it("one byte past it with every reference at its shortest fails, naming the function, the variable and the setting", () => {
    const name = `{"CONNECTORS_CONFIG":""}`.length;
    const fill = LAMBDA_ENVIRONMENT_BYTES - name - REFERENCES;
    const fits = fnWith({ CONNECTORS_CONFIG: "x".repeat(fill) });
    expect(environmentBytes(fits)).toBe(LAMBDA_ENVIRONMENT_BYTES);
    const [error] = environmentSizeErrors(fnWith({ CONNECTORS_CONFIG: "x".repeat(fill + 1) }));
    expect(error).toMatch(
      /^invalid CDK context: harness\.connectors: the environment of S\/F would be at least 4097 bytes.*its largest variable is CONNECTORS_CONFIG/,
    );
    // Within it at the shortest, past it at a usual length: a warning, and synthesis goes on.
    expect(environmentSizeErrors(fits)).toEqual([]);
    expect(warnings(fits)).toEqual([
      expect.stringMatching(/^harness\.connectors: the environment of S\/F would be about \d+ bytes/),
    ]);
  });

  it("well within it: neither", () => {
    const fn = fnWith({ CONNECTORS_CONFIG: "x".repeat(3_000) });
    expect(environmentSizeErrors(fn)).toEqual([]);
    expect(warnings(fn)).toEqual([]);
  });

  it("a variable no setting writes is named without one", () => {
    const [error] = environmentSizeErrors(fnWith({ OTHER: '"'.repeat(2_100) }));
    expect(error).toMatch(/^the environment of S\/F would be at least \d+ bytes.*largest variable is OTHER/);
  });

  it("synthesis fails on it", () => {
    const fn = fnWith({ CONNECTORS_CONFIG: "x".repeat(4_100) });
    fn.node.addValidation({ validate: () => environmentSizeErrors(fn) });
    expect(() => (fn.node.root as App).synth()).toThrow(/harness\.connectors: the environment of S\/F/);
  });
});
