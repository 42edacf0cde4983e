/**
 * Signal times as the knowledge base stores them (issue 8, deliverable 5): each signal's time also as
 * epoch ms, written when signals are added, so the gate reads a number instead of parsing text per
 * decision. Signals stored before the number existed get it at the next write to the account's list.
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stateKeys } from "../../shared/adapters/dynamo/keys.ts";
import type { Signal } from "../../shared/domain/kb.ts";
import { addSignals } from "../../shared/usecases/admin.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { acme, agent, emailProposal, seedAcme } from "../helpers/world.ts";

let rt: TestRuntime;
beforeAll(async () => {
  rt = await startRuntime({ runWorkers: false });
  await seedAcme(rt.deps);
});
afterAll(() => rt.close());

const HOUR = 3_600_000;
const withNumbers = (signals: Signal[]) => signals.every((s) => s.occurredAtMs === Date.parse(s.occurredAt));

describe("signal times in the knowledge base", () => {
  it("are stored with their epoch ms, and the gate's intent reads them", async () => {
    const account = await rt.deps.kb.getAccount("acme");
    expect(account?.signals).toHaveLength(3);
    expect(withNumbers(account?.signals ?? [])).toBe(true);
    const { decision } = await rt.deps.gate.propose(emailProposal("writer"), agent("writer"));
    expect(decision.context.intent?.score).toBe(75);
  });

  it("an account whose signals were stored as text only gets the numbers at the next signal write", async () => {
    const now = rt.clock.now();
    const old: Signal[] = [1, 2].map((d) => ({
      type: "pricing_page_visit",
      occurredAt: new Date(now - d * HOUR).toISOString(),
    }));
    await rt.db.doc.send(
      new PutCommand({
        TableName: rt.db.tables.state,
        Item: {
          ...stateKeys.account("old"),
          ...acme,
          domain: "old.io",
          accountId: "old",
          signals: old,
          updatedAt: new Date(now).toISOString(),
        },
      }),
    );
    const before = await rt.deps.kb.getAccount("old");
    expect(before?.signals.some((s) => s.occurredAtMs !== undefined)).toBe(false);
    await addSignals(rt.deps, {
      signals: [
        { accountId: "old", type: "demo_request", occurredAt: new Date(now - 5 * 60_000).toISOString() },
      ],
    });
    const after = await rt.deps.kb.getAccount("old");
    expect(after?.signals.map((s) => s.type)).toEqual([
      "demo_request",
      "pricing_page_visit",
      "pricing_page_visit",
    ]);
    expect(withNumbers(after?.signals ?? [])).toBe(true);
  });
});
