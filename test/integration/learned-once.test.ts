/**
 * Learning state is counted exactly once per event, against DynamoDB Local: the learned store's
 * countOnce puts a marker for (loop, event id) with attribute_not_exists in the same transaction as
 * the counters' ADDs, so a redelivered event (EventBridge delivers at least once) counts nothing and
 * concurrent lanes lose nothing. Driven through the learning watcher, as the event bus delivers.
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agentKeys } from "../../shared/adapters/dynamo/keys.ts";
import {
  DynamoLearnedStore,
  TEMPLATE_WEEK_RETENTION_MS,
} from "../../shared/adapters/dynamo/learned-store.ts";
import { type LearningDeps, learnFrom } from "../../shared/agents/watchers/learning.ts";
import type { Decision } from "../../shared/domain/decision.ts";
import type { TemplateStat } from "../../shared/kb/types.ts";
import type { DomainEvent } from "../../shared/ports.ts";
import { STORES, startRuntime, type TestRuntime } from "../helpers/runtime.ts";

// Every invariant holds on DynamoDB Local and on the in-process engine the simulation runs on.
describe.each(STORES)("on %s", (store) => {
  let rt: TestRuntime;
  let learned: DynamoLearnedStore;
  beforeEach(async () => {
    rt = await startRuntime({ store });
    learned = new DynamoLearnedStore(rt.db);
  });
  afterEach(() => rt.close());

  /**
   * Executed touches, as the decision store returns them (only the fields the watcher reads).
   * `writtenFor`: the persona the writer wrote the message for (payload.persona), if it said.
   */
  const decision = (decisionId: string, writtenFor?: string, outcomes: Decision["outcomes"] = []): Decision =>
    ({
      decisionId,
      accountId: "acc-1",
      actionKind: "touch",
      status: "executed",
      payload: { variant: "peer-proof", ...(writtenFor ? { persona: writtenFor } : {}) },
      context: { person: { persona: "vp" }, account: { industry: "Software" } },
      outcomes,
    }) as unknown as Decision;

  function watcherDeps(
    writtenFor?: (id: string) => string | undefined,
    outcomes?: (id: string) => Decision["outcomes"],
  ): LearningDeps {
    return {
      decisions: { getDecision: async (id: string) => decision(id, writtenFor?.(id), outcomes?.(id)) },
      learned,
    };
  }

  const executed = (decisionId: string): DomainEvent => ({
    type: "decision.transitioned",
    detail: {
      decisionId,
      from: "dispatched",
      to: "executed",
      agentId: "w",
      actionType: "email.send",
      accountId: "acc-1",
    },
  });
  const outcome = (outcomeId: string, decisionId: string, type = "replied"): DomainEvent => ({
    type: "outcome.recorded",
    detail: { outcomeId, type, decisionId, accountId: "acc-1" },
  });

  const stat = async (): Promise<TemplateStat | undefined> =>
    (await learned.templateStats()).find((s) => s.variant === "peer-proof" && s.persona === "vp");

  it("an executed event for a touch the ledger does not hold as executed counts no send", async () => {
    // Forged on the bus, or SES has since said it never went out (failed).
    const failed: LearningDeps = {
      decisions: { getDecision: async (id: string) => ({ ...decision(id), status: "failed" }) as Decision },
      learned,
    };
    await learnFrom(failed, executed("d-failed"));
    expect((await stat())?.sent ?? 0).toBe(0);
    await learnFrom(watcherDeps(), executed("d-sent"));
    expect((await stat())?.sent).toBe(1);
  });

  it("a send SES then says never went out is taken back once; a failure never counted takes nothing", async () => {
    let status: Decision["status"] = "executed";
    const deps: LearningDeps = {
      decisions: { getDecision: async (id: string) => ({ ...decision(id), status }) as Decision },
      learned,
    };
    const failedEvent = (decisionId: string): DomainEvent => ({
      type: "decision.transitioned",
      detail: { ...executed(decisionId).detail, from: "executed", to: "failed" },
    });
    await learnFrom(deps, executed("d-rejected"));
    await learnFrom(deps, executed("d-kept"));
    expect((await stat())?.sent).toBe(2);
    // SES's Reject for d-rejected (world-outcomes.ts: executed -> failed), delivered three times.
    status = "failed";
    await Promise.all([1, 2, 3].map(() => learnFrom(deps, failedEvent("d-rejected"))));
    // Before, it stayed a send nobody answered: its variant looked worse by it.
    expect((await stat())?.sent).toBe(1);
    // Failed before its executed event was handled (events come in no set order): nothing to take back,
    // and the executed event then finds the ledger's `failed` and counts nothing either.
    await learnFrom(deps, failedEvent("d-early"));
    await learnFrom(deps, executed("d-early"));
    expect((await stat())?.sent).toBe(1);
    // The race: the executed event's handler read the ledger while the touch was still executed, then
    // the failure was handled (nothing counted yet to take back), then the count was made. Before,
    // that count stayed for good; the failure's mark now keeps it from being made.
    const asExecuted: LearningDeps = {
      decisions: { getDecision: async (id: string) => ({ ...decision(id), status: "executed" }) as Decision },
      learned,
    };
    await learnFrom(deps, failedEvent("d-race"));
    await learnFrom(asExecuted, executed("d-race"));
    expect((await stat())?.sent).toBe(1);
  });

  it("a send a soft bounce failed and its Delivery restored counts once, whichever event is handled first", async () => {
    // SES reported an out-of-office bounce before the Delivery: executed -> failed, then failed ->
    // executed (ses-settle.ts's restore). Before, the restore counted nothing (the executed event's
    // marker was there): the email stayed sent with no send counted, and its reply made the variant
    // look better than it was.
    const statuses = new Map<string, Decision["status"]>();
    const deps: LearningDeps = {
      decisions: {
        getDecision: async (id: string) =>
          ({ ...decision(id), status: statuses.get(id) ?? "executed" }) as Decision,
      },
      learned,
    };
    const moved = (decisionId: string, from: string, to: string): DomainEvent => ({
      type: "decision.transitioned",
      detail: { ...executed(decisionId).detail, from, to },
    });
    const failed = (id: string) => moved(id, "executed", "failed");
    const restored = (id: string) => moved(id, "failed", "executed");
    // In order, each delivered twice.
    for (const [event, status] of [
      [executed("d-order"), "executed"],
      [failed("d-order"), "failed"],
      [restored("d-order"), "executed"],
    ] as const) {
      statuses.set("d-order", status);
      await learnFrom(deps, event);
      await learnFrom(deps, event);
    }
    expect((await stat())?.sent).toBe(1);
    await learnFrom(deps, outcome("o-order", "d-order"));
    expect(await stat()).toMatchObject({ sent: 1, replied: 1 });
    // The restore handled before the failure: the failure, read while the ledger said failed, takes
    // nothing back once the restore has left its mark.
    statuses.set("d-late-fail", "executed");
    await learnFrom(deps, executed("d-late-fail"));
    await learnFrom(deps, restored("d-late-fail"));
    const asFailed: LearningDeps = {
      decisions: { getDecision: async (id: string) => ({ ...decision(id), status: "failed" }) as Decision },
      learned,
    };
    await learnFrom(asFailed, failed("d-late-fail"));
    expect((await stat())?.sent).toBe(2);
    // The failure first (nothing counted yet to take back), then the restore, then the executed event.
    statuses.set("d-late-sent", "failed");
    await learnFrom(deps, failed("d-late-sent"));
    statuses.set("d-late-sent", "executed");
    await learnFrom(deps, restored("d-late-sent"));
    await learnFrom(deps, executed("d-late-sent"));
    expect((await stat())?.sent).toBe(3);
    // The restore first, then the executed event, then the failure read before the restore.
    statuses.set("d-restore-first", "executed");
    await learnFrom(deps, restored("d-restore-first"));
    await learnFrom(deps, executed("d-restore-first"));
    await learnFrom(asFailed, failed("d-restore-first"));
    expect((await stat())?.sent).toBe(4);
  });

  describe("learning state is counted once per event", () => {
    it("the same outcome delivered 10 times concurrently is counted once", async () => {
      const deps = watcherDeps();
      await learnFrom(deps, executed("d1"));
      await Promise.all(Array.from({ length: 10 }, () => learnFrom(deps, outcome("o1", "d1"))));
      await Promise.all(Array.from({ length: 10 }, () => learnFrom(deps, executed("d1"))));
      const s = await stat();
      expect(s?.sent).toBe(1);
      expect(s?.replied).toBe(1);
      expect(s?.industry).toBe("software");
    });

    it("a meeting redelivered 10 times concurrently counts once", async () => {
      const deps = watcherDeps();
      await learnFrom(deps, executed("d1"));
      await Promise.all(
        Array.from({ length: 10 }, () => learnFrom(deps, outcome("m1", "d1", "meeting_booked"))),
      );
      expect(await stat()).toMatchObject({ sent: 1, meetings: 1, replied: 0 });
    });

    it("50 different events delivered concurrently are all counted: exactly 50", async () => {
      const deps = watcherDeps();
      const ids = Array.from({ length: 50 }, (_, i) => `d${i}`);
      await Promise.all(ids.map((id) => learnFrom(deps, executed(id))));
      await Promise.all(ids.map((id) => learnFrom(deps, outcome(`o-${id}`, id))));
      const s = await stat();
      expect(s?.sent).toBe(50);
      expect(s?.replied).toBe(50);
    }, 120_000);

    it("a second reply to one touch is the same success: counted once; the marker carries a TTL", async () => {
      const at = "2026-03-10T14:00:00.000Z";
      // The decision as the store holds it once both replies (and a meeting) were appended.
      const deps = watcherDeps(undefined, () => [
        { type: "replied", at, outcomeId: "o1" },
        { type: "replied", at, outcomeId: "o2" },
        { type: "meeting_booked", at, outcomeId: "m1" },
      ]);
      await learnFrom(deps, executed("d1"));
      await learnFrom(deps, outcome("o1", "d1"));
      await learnFrom(deps, outcome("o2", "d1"));
      await learnFrom(deps, outcome("m1", "d1", "meeting_booked"));
      expect(await stat()).toMatchObject({ sent: 1, replied: 1, meetings: 1 });
      const marker = await rt.db.doc.send(
        new GetCommand({
          TableName: rt.db.tables.state,
          Key: agentKeys.learnedEvent("variants", "outcome#o1"),
        }),
      );
      expect(marker.Item?.ttl).toBeGreaterThan(Date.now() / 1000);
    });

    it("a message written for another persona than its recipient's counts in no cell", async () => {
      // d-cx was written for a C-level buyer and reached a VP; d-vp was written for the VP it reached.
      const deps = watcherDeps((id) => (id === "d-cx" ? "c-level" : "vp"));
      for (const id of ["d-cx", "d-vp"]) {
        await learnFrom(deps, executed(id));
        await learnFrom(deps, outcome(`o-${id}`, id));
      }
      expect(await learned.templateStats()).toEqual([
        expect.objectContaining({ variant: "peer-proof", persona: "vp", sent: 1, replied: 1 }),
      ]);
    });

    it("a send and its reply count in the week the send went out", async () => {
      const sent: Decision = {
        ...decision("d-w"),
        execution: { at: "2026-03-08T22:00:00.000Z", idempotencyKey: "d-w:exec:1" },
        updatedAt: "2026-03-10T09:00:00.000Z",
      };
      const deps: LearningDeps = { decisions: { getDecision: async () => sent }, learned };
      await learnFrom(deps, executed("d-w"));
      await learnFrom(deps, outcome("o-w", "d-w"));
      expect(await learned.templateStats()).toEqual([
        expect.objectContaining({ variant: "peer-proof", week: "2026-03-02", sent: 1, replied: 1 }),
      ]);
    });

    it("an outcome on a touch that was never sent (a holdout's organic reply) counts nowhere", async () => {
      const held: Decision = { ...decision("d-h"), status: "blocked" };
      const deps: LearningDeps = { decisions: { getDecision: async () => held }, learned };
      await learnFrom(deps, outcome("o-h", "d-h"));
      expect(await learned.templateStats()).toEqual([]);
    });

    it("a week's cell is kept half a year past its last count; an undated one has no expiry", async () => {
      const t0 = Date.now();
      const at = (ms: number) => new DynamoLearnedStore(rt.db, () => ms);
      const week = { variant: "fact-led", persona: "vp", industry: "Retail", week: "2026-03-02" };
      const undated = { variant: "fact-led", persona: "vp", industry: "Retail" };
      await at(t0).countOnce("variants", "e-w", [{ key: week, field: "sent" }]);
      await at(t0).countOnce("variants", "e-u", [{ key: undated, field: "sent" }]);
      const item = await rt.db.doc.send(
        new GetCommand({
          TableName: rt.db.tables.state,
          Key: agentKeys.templateStat("fact-led", "vp", "Retail", "2026-03-02"),
        }),
      );
      expect(item.Item?.ttl).toBe(Math.ceil((t0 + TEMPLATE_WEEK_RETENTION_MS) / 1000));
      expect((await at(t0 + 25 * 7 * 86_400_000).templateStats()).map((s) => s.week)).toEqual([
        undefined,
        "2026-03-02",
      ]);
      // Past its expiry and not yet swept by DynamoDB: not read.
      expect((await at(t0 + 27 * 7 * 86_400_000).templateStats()).map((s) => s.week)).toEqual([undefined]);
    });

    it("the store answers whether it counted", async () => {
      const key = { variant: "fact-led", persona: "cfo", industry: "Retail" };
      const first = await learned.countOnce("variants", "e1", [{ key, field: "sent" }]);
      const again = await learned.countOnce("variants", "e1", [{ key, field: "sent" }]);
      const next = await learned.countOnce("variants", "e2", [{ key, field: "sent" }]);
      expect([first, again, next]).toEqual([true, false, true]);
      const cell = (await learned.templateStats()).find((x) => x.variant === "fact-led");
      expect(cell).toMatchObject({ persona: "cfo", industry: "retail", sent: 2 });
    });
  });
});
