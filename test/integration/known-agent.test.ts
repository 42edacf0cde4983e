/**
 * DecisionStore.hasDecisionBy, the "has this agent made a decision?" behind an admin's pin: one Query
 * on the byAgent index with Limit 1 and only key attributes projected, so it never reads a decision's
 * sealed personal fields and never needs a data key. In AWS the admin function holds the byAgent
 * index read and no kms:Decrypt (test/infra/stacks.test.ts); a listing of the agent's decisions
 * (queryDecisions) would open them and fail there.
 */
import type { QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../shared/adapters/dynamo/db.ts";
import { DynamoDecisionStore } from "../../shared/adapters/dynamo/decision-store.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, seedAcme } from "../helpers/world.ts";

let rt: TestRuntime;
beforeAll(async () => {
  rt = await startRuntime({ runWorkers: false });
  await seedAcme(rt.deps, "acme");
  // A decision about Jane: its personal fields are sealed under her data key.
  await rt.deps.gate.propose(emailProposal("known-writer", "acme"), agent("known-writer"));
});
afterAll(() => rt.close());

/** A store whose every data-key use throws, on a client that records what it is asked. */
function keylessStore() {
  const sent: { command: string; input: QueryCommandInput; items: Record<string, unknown>[] }[] = [];
  const doc = {
    send: async (command: { constructor: { name: string }; input: QueryCommandInput }) => {
      const out = await rt.db.doc.send(command as never);
      sent.push({
        command: command.constructor.name,
        input: command.input,
        items: ((out as { Items?: Record<string, unknown>[] }).Items ?? []).map((i) => ({ ...i })),
      });
      return out;
    },
  };
  const noKeys = new Proxy(
    {},
    {
      get: (_t, prop) => () => {
        throw new Error(`a data key was used (${String(prop)})`);
      },
    },
  );
  const store = new DynamoDecisionStore({ ...rt.db, doc } as unknown as Db, noKeys as never);
  return { store, sent };
}

describe("hasDecisionBy", () => {
  it("answers with one key-only Query (byAgent, Limit 1), opening no data key", async () => {
    const { store, sent } = keylessStore();
    expect(await store.hasDecisionBy("known-writer")).toBe(true);
    expect(await store.hasDecisionBy("never-proposed")).toBe(false);
    expect(sent.map((s) => s.command)).toEqual(["QueryCommand", "QueryCommand"]);
    for (const { input, items } of sent) {
      expect(input).toMatchObject({ TableName: rt.db.tables.ledger, IndexName: "byAgent", Limit: 1 });
      expect(input.ProjectionExpression).toBeDefined();
      // Nothing but keys came back: no sealed blob, no name, no email.
      for (const item of items) expect(Object.keys(item).sort()).toEqual(["pk", "sk"]);
    }
    expect(sent[0]?.items).toHaveLength(1);
  });

  it("a listing of the same agent's decisions, by contrast, opens the data key", async () => {
    const { store } = keylessStore();
    await expect(store.queryDecisions({ agentId: "known-writer", limit: 1 })).rejects.toThrow(
      /a data key was used/,
    );
  });
});
