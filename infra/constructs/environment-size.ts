import { Annotations, Stack } from "aws-cdk-lib";
import type { CfnFunction, Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";

/**
 * Lambda refuses a function whose variables exceed 4 KB, measured as their JSON object
 * (`{"NAME":"value",...}`, UTF-8, escapes included: its error quotes the "String measured"):
 * CloudFormation then fails the deployment at that function and rolls the whole stack back. The
 * executors carry the connectors config (every downstream MCP server, its URL and its headers' secret
 * ARN, itself JSON, so each quote counts twice), so a config that synthesizes could still fail there,
 * far from the field that caused it. Synthesis fails instead, naming the field.
 */
export const LAMBDA_ENVIRONMENT_BYTES = 4096;

/**
 * What a reference resolves to is known only at deployment. Counted at its least (a table's or
 * bucket's name is at least 3 characters; the pseudo parameters' shortest values), the total is a
 * floor: over 4 KB, Lambda would refuse the function for certain (an error). Counted at a typical
 * length (a generated name, an ARN), it is what the deployment will likely measure: over 4 KB, a
 * warning.
 */
const LEAST_REFERENCE_BYTES = 3;
const LIKELY_REFERENCE_BYTES = 64;
const PSEUDO_PARAMETER_BYTES: Record<string, number> = {
  "AWS::Partition": 3, // aws
  "AWS::Region": 9, // us-east-1, the shortest names
  "AWS::AccountId": 12,
  "AWS::URLSuffix": 13, // amazonaws.com
};

/** The setting each configurable variable is written from: what a user shortens. */
const SETTING_OF: Record<string, string> = {
  CONNECTORS_CONFIG: "harness.connectors",
  CONNECTOR_SECRET_ARNS: "harness.connectorSecretArns",
};

/** A value's bytes inside its JSON string (escaped, without the quotes); a reference at `reference`. */
function contentBytes(value: unknown, reference: number): number {
  if (typeof value === "string") return Buffer.byteLength(JSON.stringify(value), "utf8") - 2;
  if (typeof value === "number") return String(value).length;
  const intrinsic = (value ?? {}) as { "Fn::Join"?: [string, unknown[]]; Ref?: unknown };
  const join = intrinsic["Fn::Join"];
  if (join) {
    const [separator, parts] = join;
    return (
      parts.reduce<number>((n, p) => n + contentBytes(p, reference), 0) +
      contentBytes(separator, reference) * Math.max(0, parts.length - 1)
    );
  }
  return (typeof intrinsic.Ref === "string" && PSEUDO_PARAMETER_BYTES[intrinsic.Ref]) || reference;
}

/** Each of the function's variables as it would be deployed, with its bytes in the JSON object. */
export function environmentSizes(
  fn: LambdaFunction,
  reference = LEAST_REFERENCE_BYTES,
): { name: string; bytes: number }[] {
  const cfn = fn.node.defaultChild as CfnFunction;
  // The L1 property as CDK holds it (camelCase), its references resolved to intrinsics.
  const env = Stack.of(fn).resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined;
  // "NAME":"value" and the comma after it.
  return Object.entries(env?.variables ?? {}).map(([name, value]) => ({
    name,
    bytes: Buffer.byteLength(JSON.stringify(name), "utf8") + 1 + 2 + contentBytes(value, reference) + 1,
  }));
}

/** The JSON object's bytes: its entries, its braces, one comma fewer than entries. */
export function environmentBytes(fn: LambdaFunction, reference = LEAST_REFERENCE_BYTES): number {
  const sizes = environmentSizes(fn, reference);
  return sizes.reduce((n, s) => n + s.bytes, 0) + 2 - Math.min(1, sizes.length);
}

/**
 * An error naming the function, its largest variable and the setting that wrote it when its
 * variables exceed Lambda's 4 KB even with every reference at its shortest; none otherwise. Past it
 * with references at a typical length only, a warning (synthesis goes on).
 */
export function environmentSizeErrors(fn: LambdaFunction): string[] {
  const least = environmentBytes(fn);
  const likely = environmentBytes(fn, LIKELY_REFERENCE_BYTES);
  if (likely <= LAMBDA_ENVIRONMENT_BYTES) return [];
  const largest = environmentSizes(fn).sort((a, b) => b.bytes - a.bytes)[0] as {
    name: string;
    bytes: number;
  };
  const setting = SETTING_OF[largest.name];
  const what = (bytes: number, how: string) =>
    `the environment of ${fn.node.path} would be ${how} ${bytes} bytes, over the ${LAMBDA_ENVIRONMENT_BYTES} Lambda allows (the deployment would fail there); its largest variable is ${largest.name}, ${largest.bytes} bytes`;
  const fix = setting ? `, written from it: fewer or shorter entries fit` : "";
  if (least > LAMBDA_ENVIRONMENT_BYTES)
    return [`${setting ? `invalid CDK context: ${setting}: ` : ""}${what(least, "at least")}${fix}`];
  Annotations.of(fn).addWarningV2(
    "@agent-harness/environment-size",
    `${setting ? `${setting}: ` : ""}${what(likely, "about")} once its references resolve to names of a usual length${fix}`,
  );
  return [];
}
