import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { LocalRuntime } from "../shared/runtime/local.ts";
import type { CommandRecorder } from "./command-recorder.ts";
import { assertFreshAllow, happyInput } from "./happy-path.ts";

export interface LatencySamples {
  /** Milliseconds of each `gate.propose`. */
  gate: number[];
  /** Of each `gate.propose`, the milliseconds spent inside its DynamoDB requests. */
  gateInDynamo: number[];
  /** Milliseconds of each bare single-item TransactWriteItems. */
  bare: number[];
}

/**
 * `gate.propose` on the happy path next to the cheapest write the gate could possibly make: a
 * single-item TransactWriteItems putting a small item into the state table. The two alternate, so that
 * both see the same DynamoDB Local (JIT, GC, table size) at the same moment.
 */
export async function measureGateLatency(
  runtime: LocalRuntime,
  recorder: CommandRecorder,
  agentIds: readonly string[],
  accountIds: readonly string[],
  warmUp: number,
): Promise<LatencySamples> {
  const { deps, db } = runtime;
  const samples: LatencySamples = { gate: [], gateInDynamo: [], bare: [] };
  for (const [i, accountId] of accountIds.entries()) {
    const { input, principal } = happyInput(agentIds[i % agentIds.length]!, accountId);
    const bare = new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: db.tables.state,
            Item: { pk: "BENCH#bare", sk: `ITEM#${i}`, accountId, at: deps.clock.now(), n: i },
          },
        },
      ],
    });

    const busy = recorder.busyMs();
    let t = performance.now();
    const result = await deps.gate.propose(input, principal);
    const gateMs = performance.now() - t;
    const inDynamoMs = recorder.busyMs() - busy;
    assertFreshAllow(result, accountId);

    t = performance.now();
    await db.doc.send(bare);
    const bareMs = performance.now() - t;

    if (i >= warmUp) {
      samples.gate.push(gateMs);
      samples.gateInDynamo.push(inDynamoMs);
      samples.bare.push(bareMs);
    }
  }
  return samples;
}
