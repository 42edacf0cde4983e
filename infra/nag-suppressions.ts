/**
 * Every cdk-nag finding the design accepts, each acknowledged on the exact construct with the reason
 * it is acceptable there. Nothing is acknowledged stack- or app-wide, and wildcard findings are
 * acknowledged one resource pattern at a time (`AwsSolutions-IAM5[Resource::...]`).
 */
import { type CfnElement, Stack, Token, Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

export const ack = (scope: IConstruct, id: string, reason: string) =>
  Validations.of(scope).acknowledge({ id, reason });

/**
 * Acknowledge a finding that names an ARN written `arn:<AWS::Partition>:...`, in each spelling cdk-nag
 * may print its partition: `<AWS::Partition>` (an environment-agnostic stack, or an ARN built from
 * Aws.PARTITION) and the literal partition (`aws`), which CDK writes instead where the stack's region
 * is known and cdk.json's `@aws-cdk/core:enablePartitionLiterals` is on: `cdk deploy` with
 * credentials. Acknowledging only the first failed that synthesis. cdk-nag 3 matches an
 * acknowledgment's id exactly (no patterns), so each spelling is one acknowledgment of the same ARN.
 */
export const ackArn = (scope: IConstruct, id: string, reason: string) => {
  const partition = Stack.of(scope).partition;
  const literal = Token.isUnresolved(partition)
    ? id
    : id.replaceAll("arn:<AWS::Partition>:", `arn:${partition}:`);
  for (const each of new Set([id, literal])) ack(scope, each, reason);
};

/** How cdk-nag prints a reference to a resource's ARN inside a finding id: `<LogicalId.Arn>`. */
export const arnRef = (resource: IConstruct) => {
  const cfn = (resource.node.defaultChild ?? resource) as CfnElement;
  return `<${Stack.of(cfn).getLogicalId(cfn)}.Arn>`;
};

/** A grant on every version/alias of a function (`<fn.Arn>:*`), as CDK's grantInvoke writes it. */
export const ackInvokeVersions = (policyHolder: IConstruct, fn: IConstruct, who: string) =>
  ack(
    policyHolder,
    `AwsSolutions-IAM5[Resource::${arnRef(fn)}:*]`,
    `${who} may invoke this one function's versions and aliases (ARN suffix :*), as lambda:InvokeFunction requires for qualified ARNs; no other function.`,
  );

/** Object writes under one fixed key prefix of the archive bucket (named from the stage). */
export const ackArchivePrefix = (policyHolder: IConstruct, stage: string, prefix: string, why: string) =>
  ackArn(
    policyHolder,
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${stage}-harness-archive-<AWS::AccountId>-<AWS::Region>/${prefix}/*]`,
    why,
  );
