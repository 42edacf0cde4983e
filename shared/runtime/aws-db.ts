import { createDb, type Db } from "../adapters/dynamo/db.ts";
import { type AwsEnv, localDynamo, required } from "./aws-env.ts";

/** The two tables from the environment (apart from aws.ts, so a function needing only them stays small). */
export function createAwsDb(env: AwsEnv): Db {
  return createDb({
    tables: { state: required(env, "STATE_TABLE"), ledger: required(env, "LEDGER_TABLE") },
    region: env.AWS_REGION,
    ...localDynamo(env),
  });
}
