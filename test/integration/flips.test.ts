/**
 * The flip index and the review tally against DynamoDB Local: written in the decision's (or the
 * review's) own transaction, so each counts exactly once whatever the retries, and a decision with
 * more shadow rules than its transaction has room for is still decided.
 */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_FLIPS_PER_DECISION } from "../../shared/adapters/dynamo/flip-store.ts";
import { steerKeys } from "../../shared/adapters/dynamo/keys.ts";
import { streams } from "../../shared/domain/decision.ts";
import { ConflictError } from "../../shared/domain/errors.ts";
import { cellId } from "../../shared/learning/rules.ts";
import { reject } from "../../shared/usecases/lifecycle.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, seedAcme } from "../helpers/world.ts";
import { approver, publishVariant } from "./helpers/store.ts";

let rt: TestRuntime;
beforeEach(async () => {
  rt = await startRuntime();
});
afterEach(() => rt.close());

const shadowRule = (name: string) => ({
  name,
  when: { actionTypes: ["email.send"] },
  effect: "block",
  mode: "shadow",
});

async function partition(rt: TestRuntime, pk: string) {
  const res = await rt.db.doc.send(
    new QueryCommand({
      TableName: rt.db.tables.state,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": pk },
      ConsistentRead: true,
    }),
  );
  return res.Items ?? [];
}

describe("flip index", () => {
  it("a commit retried after it succeeded adds no flip and no count", async () => {
    const v = await publishVariant(rt, (s) => {
      s.rules = [shadowRule("r1")];
    });
    await seedAcme(rt.deps, "acme");
    const { decision } = await rt.deps.gate.propose(emailProposal("w", "acme"), agent("w"));
    expect(decision.verdict).toBe("require_approval");
    // The same commit again, as a client retry racing the first would send it.
    const again = await rt.deps.decisions.commitDecision({
      decision,
      event: {
        stream: streams.decision(decision.decisionId),
        seq: 1,
        type: "decided",
        at: decision.decidedAt,
        actor: "agent:w",
        detail: "retry",
      },
      counters: [],
    });
    expect(again).toEqual({ ok: false, conflict: { kind: "exists" } });
    const flips = await rt.deps.flips?.list(v.version, "r1", { limit: 10 });
    expect(flips?.items.map((f) => f.decisionId)).toEqual([decision.decisionId]);
    expect((await rt.deps.flips?.totals(v.version, "r1"))?.total).toBe(1);
    const cells = await partition(rt, steerKeys.flipCountPartition(v.version, "r1"));
    expect(cells.map((c) => c.count)).toEqual([1]);
  });

  it("a spec may hold as many shadow rules as a commit has room for flips, and every one is recorded", async () => {
    const names = Array.from({ length: MAX_FLIPS_PER_DECISION }, (_, i) => `r${String(i).padStart(2, "0")}`);
    // One more would not fit a decision's transaction: the spec is refused, naming the limit.
    await expect(
      publishVariant(rt, (s) => {
        s.rules = [...names, "one-too-many"].map(shadowRule);
      }),
    ).rejects.toThrow(/at most 40 may be at once/);
    const v = await publishVariant(rt, (s) => {
      s.rules = names.map(shadowRule);
    });
    await seedAcme(rt.deps, "acme");
    const { decision } = await rt.deps.gate.propose(emailProposal("w", "acme"), agent("w"));
    expect(decision.verdict).toBe("require_approval");
    const recorded: string[] = [];
    for (const n of names)
      if ((await partition(rt, steerKeys.flipPartition(v.version, n))).length > 0) recorded.push(n);
    expect(recorded).toEqual(names);
  });
});

describe("review tally", () => {
  it("a rejection counts once in its cell, whatever the retries", async () => {
    await seedAcme(rt.deps, "acme");
    const { decision } = await rt.deps.gate.propose(emailProposal("w", "acme"), agent("w"));
    await reject(rt.deps, decision.decisionId, { note: "no" }, approver);
    await expect(reject(rt.deps, decision.decisionId, { note: "no" }, approver)).rejects.toThrow(
      ConflictError,
    );
    const tally = await rt.deps.drafts?.tally(
      cellId({ actionType: "email.send", persona: "vp", industry: "Software" }),
    );
    expect(tally).toMatchObject({ reviewed: 1, rejected: 1 });
    expect(tally?.openDraftId).toBeUndefined();
  });
});
