/**
 * Every cdk-nag finding the design accepts, each acknowledged on the exact construct with the reason
 * it is acceptable there. Nothing is acknowledged stack- or app-wide, and wildcard findings are
 * acknowledged one resource pattern at a time (`AwsSolutions-IAM5[Resource::...]`).
 */
import { type CfnElement, Stack, Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

export const ack = (scope: IConstruct, id: string, reason: string) =>
  Validations.of(scope).acknowledge({ id, reason });

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
  ack(
    policyHolder,
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${stage}-harness-archive-<AWS::AccountId>-<AWS::Region>/${prefix}/*]`,
    why,
  );
