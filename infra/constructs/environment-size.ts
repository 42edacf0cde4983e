import { Stack } from "aws-cdk-lib";
import type { CfnFunction, Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";

/**
 * Lambda refuses a function whose variables, names and values together, exceed 4 KB: CloudFormation
 * then fails the deployment at that function and rolls the whole stack back. The executors carry the
 * connectors config (every downstream MCP server, its URL and its headers' secret ARN), so a config
 * that synthesizes can still fail there, far from the field that caused it; synthesis fails instead,
 * naming the field.
 */
export const LAMBDA_ENVIRONMENT_BYTES = 4096;

/**
 * What a reference (a table's name, a key's ARN) counts before CloudFormation resolves it: less than
 * any it resolves to here (the shortest, a generated table name, is longer), so a config this check
 * refuses is one Lambda would refuse, never one it would take.
 */
const REFERENCE_BYTES = 32;

/** The setting each configurable variable is written from: what a user shortens. */
const SETTING_OF: Record<string, string> = {
  CONNECTORS_CONFIG: "harness.connectors",
  CONNECTOR_SECRET_ARNS: "harness.connectorSecretArns",
};

/** A variable's value as counted: a string's UTF-8 bytes; a reference's REFERENCE_BYTES; a join's parts. */
function bytesOf(value: unknown): number {
  if (typeof value === "string") return Buffer.byteLength(value, "utf8");
  if (typeof value === "number") return String(value).length;
  const join = (value as { "Fn::Join"?: [string, unknown[]] } | null)?.["Fn::Join"];
  if (join) {
    const [separator, parts] = join;
    return (
      parts.reduce<number>((n, p) => n + bytesOf(p), 0) + separator.length * Math.max(0, parts.length - 1)
    );
  }
  return REFERENCE_BYTES;
}

/** Each of the function's variables as it would be deployed, with its size (name and value). */
export function environmentSizes(fn: LambdaFunction): { name: string; bytes: number }[] {
  const cfn = fn.node.defaultChild as CfnFunction;
  // The L1 property as CDK holds it (camelCase), its references resolved to intrinsics.
  const env = Stack.of(fn).resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined;
  return Object.entries(env?.variables ?? {}).map(([name, value]) => ({
    name,
    bytes: Buffer.byteLength(name, "utf8") + bytesOf(value),
  }));
}

/**
 * An error naming the function, its largest variable and the setting that wrote it when its
 * variables exceed Lambda's 4 KB; none otherwise.
 */
export function environmentSizeErrors(fn: LambdaFunction): string[] {
  const sizes = environmentSizes(fn);
  const total = sizes.reduce((n, s) => n + s.bytes, 0);
  if (total <= LAMBDA_ENVIRONMENT_BYTES) return [];
  const largest = sizes.sort((a, b) => b.bytes - a.bytes)[0] as { name: string; bytes: number };
  const setting = SETTING_OF[largest.name];
  const what = `the environment of ${fn.node.path} would be at least ${total} bytes, over the ${LAMBDA_ENVIRONMENT_BYTES} Lambda allows (the deployment would fail there); its largest variable is ${largest.name}, ${largest.bytes} bytes`;
  return [
    setting
      ? `invalid CDK context: ${setting}: ${what}, written from it: fewer or shorter entries fit`
      : what,
  ];
}
