/**
 * DynamoDB Local sweeps items whose `ttl` is behind the wall clock within seconds. Under a simulated
 * clock set in the past (the demo starts on 2026-03-02) every counter, contact state and learning
 * marker is born expired: the demo once died when a veto found its counter swept away ("a counter
 * to release is missing"). A runtime whose clock can be set therefore never switches TTL on, whether
 * or not its caller also said `simulated`; one on the wall clock does.
 */
import { randomBytes } from "node:crypto";
import { DescribeTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { afterEach, describe, expect, inject, it } from "vitest";
import { tableNames } from "../../shared/adapters/dynamo/tables.ts";
import { SimulatedClock, systemClock } from "../../shared/adapters/local/clock.ts";
import {
  createLocalRuntime,
  type LocalRuntime,
  type LocalRuntimeOptions,
} from "../../shared/runtime/local.ts";
import { MemoryTokenStore } from "../helpers/runtime.ts";

const opened: LocalRuntime[] = [];
afterEach(async () => {
  for (const rt of opened.splice(0)) await rt.close();
});

async function ttlStatus(clock: LocalRuntimeOptions["clock"], extra: { simulated?: boolean } = {}) {
  const prefix = `ttl${randomBytes(4).toString("hex")}`;
  const rt = await createLocalRuntime({
    endpoint: inject("dynamoEndpoint"),
    credentials: inject("dynamoCredentials"),
    tablePrefix: prefix,
    clock,
    tokens: new MemoryTokenStore(),
    log: () => {},
    runWorkers: false,
    inMemoryDatabase: true,
    ...extra,
  });
  opened.push(rt);
  const res = await rt.db.raw.send(new DescribeTimeToLiveCommand({ TableName: tableNames(prefix).state }));
  return res.TimeToLiveDescription?.TimeToLiveStatus ?? "DISABLED";
}

describe("TTL sweeping under a simulated clock", () => {
  it("stays off for a settable clock even when the caller does not say simulated (as the demo did)", async () => {
    expect(await ttlStatus(new SimulatedClock(Date.parse("2026-03-02T05:00:00Z")))).toBe("DISABLED");
  });

  it("is on for the wall clock, off when the caller says simulated", async () => {
    expect(await ttlStatus(systemClock)).toMatch(/ENABL/);
    expect(await ttlStatus(systemClock, { simulated: true })).toBe("DISABLED");
  });
});
