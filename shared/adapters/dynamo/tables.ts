import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { LEDGER_INDEXES } from "./keys.ts";

export interface TableNames {
  state: string;
  ledger: string;
}

export const tableNames = (prefix: string): TableNames => ({
  state: `${prefix}-state`,
  ledger: `${prefix}-ledger`,
});

/** Table definitions; the CDK stateful stack declares the same keys and indexes. */
export function tableDefinitions(names: TableNames): CreateTableCommandInput[] {
  const attr = (name: string) => ({ AttributeName: name, AttributeType: "S" as const });
  return [
    {
      TableName: names.state,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [attr("pk"), attr("sk")],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
    },
    {
      TableName: names.ledger,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        attr("pk"),
        attr("sk"),
        ...LEDGER_INDEXES.flatMap((i) => [attr(`${i}Pk`), attr(`${i}Sk`)]),
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: LEDGER_INDEXES.map((i) => ({
        IndexName: i,
        KeySchema: [
          { AttributeName: `${i}Pk`, KeyType: "HASH" },
          { AttributeName: `${i}Sk`, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      })),
      StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" },
    },
  ];
}

/**
 * Create the tables if missing (idempotent): used by the local runtime and the tests. TTL deletion is
 * only switched on when item expiry times come from the real clock: with a simulated clock set in the
 * past, DynamoDB Local would sweep away live state. Correctness never depends on TTL either way.
 */
export async function ensureTables(
  client: DynamoDBClient,
  names: TableNames,
  options: { ttl: boolean } = { ttl: true },
): Promise<void> {
  for (const def of tableDefinitions(names)) {
    try {
      await client.send(new CreateTableCommand(def));
      if (def.TableName === names.state && options.ttl) {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: def.TableName,
            TimeToLiveSpecification: { AttributeName: "ttl", Enabled: true },
          }),
        );
      }
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    await client.send(new DescribeTableCommand({ TableName: def.TableName }));
  }
}
