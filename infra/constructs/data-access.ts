import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { Effect, type IGrantable, PolicyStatement } from "aws-cdk-lib/aws-iam";

/**
 * Named sets of DynamoDB actions: grants name exactly what a function does, on exactly the table
 * (and indexes) it does it to. No `dynamodb:*`, no Scan, no wildcard resources.
 */
export const DDB = {
  read: ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"],
  write: ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
} as const;

export function grantTable(
  grantee: IGrantable,
  table: ITable,
  actions: readonly string[],
  options: { indexes?: readonly string[]; leadingKeys?: readonly string[] } = {},
): void {
  const resources = [table.tableArn, ...(options.indexes ?? []).map((i) => `${table.tableArn}/index/${i}`)];
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: [...actions],
      resources,
      // Only items whose partition key matches one of these (`*` a wildcard).
      ...(options.leadingKeys
        ? { conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [...options.leadingKeys] } } }
        : {}),
    }),
  );
}
