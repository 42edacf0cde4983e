/**
 * The deployed functions' AWS clients take the role's keys from the environment, as Lambda gives them,
 * instead of resolving them through the SDK's provider chain on the first call (about 15 ms of every
 * cold start); without keys there, the chain is left to find them.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import { awsClientConfig } from "../../shared/adapters/aws/client-config.ts";
import { createDb } from "../../shared/adapters/dynamo/db.ts";

const KEYS = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_ACCOUNT_ID",
  "AWS_PROFILE",
] as const;
const saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const k of KEYS)
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
});
const setKeys = (keys: Partial<Record<(typeof KEYS)[number], string>>) => {
  for (const k of KEYS) delete process.env[k];
  Object.assign(process.env, keys);
};

describe("AWS clients in a deployed function", () => {
  it("take the role's keys from the environment, session token included", async () => {
    setKeys({ AWS_ACCESS_KEY_ID: "ASIAROLE", AWS_SECRET_ACCESS_KEY: "secret", AWS_SESSION_TOKEN: "token" });
    expect(awsClientConfig("eu-west-1")).toEqual({
      region: "eu-west-1",
      credentials: { accessKeyId: "ASIAROLE", secretAccessKey: "secret", sessionToken: "token" },
    });
    // The tables' client as the functions build it (no endpoint: AWS): its keys are the ones the
    // environment held when it was built, not resolved on its first call (the chain would read these).
    const { raw } = createDb({ tables: { state: "s", ledger: "l" }, region: "eu-west-1" });
    setKeys({ AWS_ACCESS_KEY_ID: "ASIALATER", AWS_SECRET_ACCESS_KEY: "later" });
    const resolved = await raw.config.credentials();
    expect(resolved).toMatchObject({ accessKeyId: "ASIAROLE", sessionToken: "token" });
  });

  it("carry the account id the environment names, as the SDK's own reader of it does", () => {
    setKeys({
      AWS_ACCESS_KEY_ID: "ASIAROLE",
      AWS_SECRET_ACCESS_KEY: "secret",
      AWS_ACCOUNT_ID: "123456789012",
    });
    expect(awsClientConfig().credentials).toEqual({
      accessKeyId: "ASIAROLE",
      secretAccessKey: "secret",
      accountId: "123456789012",
    });
  });

  it("leave the SDK's chain to find keys the environment does not hold, or where a profile is named", () => {
    setKeys({ AWS_ACCESS_KEY_ID: "AKIAONLY" });
    expect(awsClientConfig()).toEqual({});
    expect(awsClientConfig("us-east-1")).toEqual({ region: "us-east-1" });
    // The chain skips the environment's keys when a profile is named: a developer's shell with old keys.
    setKeys({ AWS_ACCESS_KEY_ID: "AKIAOLD", AWS_SECRET_ACCESS_KEY: "old", AWS_PROFILE: "dev" });
    expect(awsClientConfig("us-east-1")).toEqual({ region: "us-east-1" });
  });

  it("are built with what they are given where they are given it (DynamoDB Local)", async () => {
    setKeys({ AWS_ACCESS_KEY_ID: "ASIAROLE", AWS_SECRET_ACCESS_KEY: "secret" });
    const credentials = { accessKeyId: "local", secretAccessKey: "local" };
    const { raw } = createDb({
      tables: { state: "s", ledger: "l" },
      endpoint: "http://127.0.0.1:1",
      credentials,
    });
    const resolved = await raw.config.credentials();
    expect(resolved).toMatchObject({ accessKeyId: "local" });
    expect(raw).toBeInstanceOf(DynamoDBClient);
  });
});
