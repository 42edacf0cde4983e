/**
 * A/B by spec version, end to end through the API: arms by a stable hash of the account id, each
 * deciding under its spec version, a holdout that gets no touches, and the outcomes report checked
 * against a count over the ledger made here independently.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { assignArm, type Experiment } from "../../shared/domain/arms.ts";
import { parseSpecText } from "../../shared/domain/spec-text.ts";
import { wilson } from "../../shared/domain/wilson.ts";
import { createLocalRuntime, defaultSpecText } from "../../shared/runtime/local.ts";
import { agent, emailProposal } from "../helpers/world.ts";
import {
  expectStatus,
  type Harness,
  pin,
  proposeOk,
  seedAccount,
  startHarness,
  waitForStatus,
} from "./helpers/harness.ts";

const AGENT = "outreach-writer";
const ACCOUNTS = Array.from({ length: 36 }, (_, i) => `exp${i}`);
const v1 = () => parseSpecText(defaultSpecText());
const EXPERIMENT: Experiment = {
  name: "strict-icp-test",
  arms: [
    { name: "control", version: 1, weight: 40 },
    { name: "strict", version: 2, weight: 40 },
  ],
  holdout: { name: "holdout", weight: 20 },
};
const armOf = (accountId: string) => assignArm(EXPERIMENT, accountId).arm;

let h: Harness;
/** Every decision made, by account. */
const decided = new Map<string, any>();

beforeAll(async () => {
  h = await startHarness();
  // v2: v1 plus an exclusion every seeded account (industry Software) falls under.
  const strict = v1();
  strict.icp.exclusions.push({ name: "no-software", field: "industry", in: ["Software"], mode: "enforce" });
  expect(expectStatus(await h.call("POST", "/v1/specs", h.admin, strict), 201).version).toBe(2);
  // v3: v1's rules, carrying the experiment.
  const v3 = expectStatus(
    await h.call("POST", "/v1/specs", h.admin, { ...v1(), experiments: EXPERIMENT }),
    201,
  );
  expect(v3.version).toBe(3);
  await pin(h, AGENT, "email.send", 3);
  for (const id of ACCOUNTS) await seedAccount(h, id);
  for (const id of ACCOUNTS) decided.set(id, await proposeOk(h, emailProposal(AGENT, id)));
  for (const [id, d] of decided)
    if (armOf(id) === "control") decided.set(id, await waitForStatus(h, d.decisionId, "executed"));
}, 180_000);
afterAll(() => h?.close());

describe("experiments", () => {
  it("assigns every arm, holdout included, and records the arm on each decision", () => {
    const arms = new Set(ACCOUNTS.map(armOf));
    expect([...arms].sort()).toEqual(["control", "holdout", "strict"]);
    for (const [id, d] of decided) expect(d.arm, id).toBe(armOf(id));
  });

  it("decides each arm under its version's rules: only the strict arm's accounts are stopped by its exclusion", () => {
    for (const [id, d] of decided) {
      const arm = armOf(id);
      const exclusion = d.checks.find((c: any) => c.rule === "no-software");
      if (arm === "control") {
        expect(d.specVersion, id).toBe(1);
        expect(d.status).toBe("executed");
        expect(exclusion).toBeUndefined();
      } else if (arm === "strict") {
        expect(d.specVersion, id).toBe(2);
        expect(d.verdict).toBe("block");
        expect(exclusion).toMatchObject({ check: "icp", result: "fail" });
        expect(d.checks.some((c: any) => c.check === "experiment")).toBe(false);
      } else {
        // The holdout decides under the current spec (v3, v1's rules) and is blocked by the experiment alone.
        expect(d.specVersion, id).toBe(3);
        expect(d.verdict).toBe("block");
        expect(exclusion).toBeUndefined();
        const failing = d.checks.filter((c: any) => c.result === "fail" && !c.shadow);
        expect(failing.map((c: any) => c.check)).toEqual(["experiment"]);
        expect(d.reasons[0]).toMatch(/holdout/);
      }
    }
  });

  it("gives the holdout no touches: nothing reaches the outbox, nothing is reserved", async () => {
    for (const [id, d] of decided) {
      const sent = h.rt.sandbox.entries.filter((e) => e.decisionId === d.decisionId);
      expect(sent.length, id).toBe(armOf(id) === "control" ? 1 : 0);
    }
    // The holdout account's contact state holds no touch: a second proposal is blocked the same way.
    const held = ACCOUNTS.find((id) => armOf(id) === "holdout") as string;
    const again = await proposeOk(h, emailProposal(AGENT, held, `${held}-bob`));
    expect(again.verdict).toBe("block");
    expect(again.arm).toBe("holdout");
    decided.set(`${held}#2`, again);
  });

  it("keeps arms across a restart: a new runtime on the same tables assigns the same arms", async () => {
    const restarted = await createLocalRuntime({
      endpoint: inject("dynamoEndpoint"),
      credentials: inject("dynamoCredentials"),
      tablePrefix: h.rt.db.tables.state.replace(/-state$/, ""),
      clock: h.rt.clock,
      simulated: true,
      tokens: h.rt.tokens,
      connector: h.rt.sandbox,
      log: () => {},
      // Deciding only: the executor of the first runtime stays the only one.
      runWorkers: false,
    });
    try {
      for (const id of ACCOUNTS.slice(0, 12)) {
        const { decision } = await restarted.deps.gate.propose(
          emailProposal(AGENT, id, `${id}-bob`, { proposalId: `restart-${id}` }),
          agent(AGENT),
        );
        expect(decision.arm, id).toBe(decided.get(id).arm);
        expect(decision.specVersion, id).toBe(decided.get(id).specVersion);
        decided.set(`${id}#restart`, decision);
      }
    } finally {
      await restarted.close();
    }
  });

  it("refuses an experiment naming a version that does not exist, and publishes nothing", async () => {
    const bad = await h.call("POST", "/v1/specs", h.admin, {
      ...v1(),
      experiments: { ...EXPERIMENT, arms: [EXPERIMENT.arms[0], { name: "strict", version: 99, weight: 40 }] },
    });
    expectStatus(bad, 400);
    expect(bad.body.issues.map((i: any) => i.path)).toEqual(["experiments.arms[1].version"]);
    expect(expectStatus(await h.call("GET", "/v1/specs/current", h.viewer), 200).version).toBe(3);
  });
});

describe("outcomes report", () => {
  const outcome = (body: Record<string, unknown>) =>
    h.call("POST", "/v1/outcomes", h.admin, body).then((r) => expectStatus(r, 201));

  beforeAll(async () => {
    const byArm = (arm: string) => ACCOUNTS.filter((id) => armOf(id) === arm);
    const control = byArm("control");
    // Control: replies on the first three touches, a meeting on the first, an unsubscribe on the fourth.
    for (const id of control.slice(0, 3))
      await outcome({ decisionId: decided.get(id).decisionId, type: "replied" });
    await outcome({ decisionId: decided.get(control[0] as string).decisionId, type: "meeting_booked" });
    await outcome({ decisionId: decided.get(control[3] as string).decisionId, type: "unsubscribed" });
    // Holdout: a meeting booked with no touch, recorded by person: it lands on the held-out touch.
    const held = byArm("holdout")[0] as string;
    const res = await outcome({ personId: `${held}-jane`, type: "meeting_booked" });
    expect(res.attributedTo).toBe(decided.get(held).decisionId);
  });

  /** Every decision in the ledger, listed page by page through the API, counted here. */
  async function ledger(): Promise<any[]> {
    const all: any[] = [];
    let cursor: string | undefined;
    do {
      const q = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const page = expectStatus(
        await h.call("GET", `/v1/decisions?agentId=${AGENT}&limit=100${q}`, h.viewer),
        200,
      );
      all.push(...page.items);
      cursor = page.cursor ?? undefined;
    } while (cursor);
    return all;
  }
  const has = (d: any, type: string) => d.outcomes.some((o: any) => o.type === type);

  it("by arm matches a count over the ledger, with Wilson intervals and accounts per arm", async () => {
    const report = expectStatus(await h.call("GET", "/v1/reports/outcomes?by=arm", h.viewer), 200);
    expect(report.experiment).toBe(EXPERIMENT.name);
    const all = (await ledger()).filter((d) => d.arm);
    expect(report.decisionsRead).toBe(all.length);
    expect(report.groups.map((g: any) => g.arm)).toEqual(["control", "strict", "holdout"]);
    for (const g of report.groups) {
      const mine = all.filter((d) => d.arm === g.arm);
      const touches = mine.filter((d) => d.actionKind === "touch" && d.status === "executed");
      const counted =
        g.arm === "holdout" ? [...touches, ...mine.filter((d) => d.status === "blocked")] : touches;
      expect(g.accounts, g.arm).toBe(new Set(mine.map((d) => d.accountId)).size);
      expect(g.touches, g.arm).toBe(touches.length);
      const expected = {
        replies: counted.filter((d) => has(d, "replied")).length,
        meetings: counted.filter((d) => has(d, "meeting_booked")).length,
        unsubscribes: counted.filter((d) => has(d, "unsubscribed")).length,
        complaints: counted.filter((d) => has(d, "complaint")).length,
      };
      expect(g.counts, g.arm).toEqual(expected);
      expect(g.perTouch.replies).toEqual(wilson(expected.replies, touches.length) ?? null);
      const meetingAccounts = new Set(
        counted.filter((d) => has(d, "meeting_booked")).map((d) => d.accountId),
      );
      expect(g.accountsWith.meetings).toBe(meetingAccounts.size);
      expect(g.perAccount.meetings).toEqual(wilson(meetingAccounts.size, g.accounts) ?? null);
    }
    const [control, strict, holdout] = report.groups;
    expect(control.counts).toEqual({ replies: 3, meetings: 1, unsubscribes: 1, complaints: 0 });
    expect(strict.touches).toBe(0);
    expect(holdout).toMatchObject({ holdout: true, touches: 0, heldOut: expect.any(Number) });
    expect(holdout.counts.meetings).toBe(1);
    expect(holdout.perTouch.meetings).toBeNull();
    expect(holdout.perAccount.meetings.rate).toBeCloseTo(1 / holdout.accounts, 10);
  });

  it("by spec version matches a count of executed touches per version", async () => {
    const report = expectStatus(await h.call("GET", "/v1/reports/outcomes?by=specVersion", h.viewer), 200);
    const executed = (await ledger()).filter((d) => d.status === "executed" && d.actionKind === "touch");
    const versions = [...new Set(executed.map((d) => d.specVersion))].sort();
    expect(report.groups.map((g: any) => g.specVersion)).toEqual(versions);
    for (const g of report.groups) {
      const mine = executed.filter((d) => d.specVersion === g.specVersion);
      expect(g.touches).toBe(mine.length);
      expect(g.counts.replies).toBe(mine.filter((d) => has(d, "replied")).length);
      expect(g.counts.meetings).toBe(mine.filter((d) => has(d, "meeting_booked")).length);
    }
  });

  it("counts only decisions made in the window", async () => {
    const later = new Date(h.rt.clock.now() + 86_400_000).toISOString();
    const report = expectStatus(
      await h.call(
        "GET",
        `/v1/reports/outcomes?by=arm&from=${later}&to=${new Date(h.rt.clock.now() + 2 * 86_400_000).toISOString()}`,
        h.viewer,
      ),
      200,
    );
    expect(report.decisionsRead).toBe(0);
    expect(report.groups.every((g: any) => g.accounts === 0 && g.touches === 0)).toBe(true);
  });

  it("answers bad input with 400 naming the field, and is not for agents", async () => {
    const path = async (q: string) => {
      const res = await h.call("GET", `/v1/reports/outcomes?${q}`, h.viewer);
      expectStatus(res, 400);
      return res.body.issues.map((i: any) => i.path);
    };
    expect(await path("by=week")).toEqual(["by"]);
    expect(await path("")).toEqual(["by"]);
    expect(await path("by=arm&from=yesterday")).toEqual(["from"]);
    expect(await path("by=arm&to=2026-13-45")).toEqual(["to"]);
    expect(await path("by=arm&from=2026-03-10&to=2026-03-01")).toEqual(["from"]);
    expect(await path("by=arm&from=2025-01-01&to=2026-01-01")).toEqual(["from"]);
    expect(await path("by=arm&limit=5")).toEqual([""]);
    const asAgent = await h.call("GET", "/v1/reports/outcomes?by=arm", await h.agent(AGENT));
    expect(asAgent.status).toBe(403);
  });
});

describe("approvals under an experiment", () => {
  let a: Harness;
  const strict = () => {
    const s = v1();
    s.icp.exclusions.push({ name: "no-software", field: "industry", in: ["Software"], mode: "enforce" });
    return s;
  };
  const approve = async (d: any) =>
    expectStatus(
      await a.call("POST", `/v1/decisions/${d.decisionId}/approve`, a.approver, { digest: d.payloadDigest }),
      200,
    );

  beforeAll(async () => {
    a = await startHarness();
    expectStatus(await a.call("POST", "/v1/specs", a.admin, strict()), 201);
    // v3: the strict rules, but every account in one arm deciding under v1.
    const one = { name: "approvals", arms: [{ name: "control", version: 1, weight: 1 }] };
    expectStatus(await a.call("POST", "/v1/specs", a.admin, { ...strict(), experiments: one }), 201);
    for (const id of ["apv1", "apv2"]) await seedAccount(a, id);
  }, 120_000);
  afterAll(() => a?.close());

  it("re-checks an approved action under the account's arm's version, not the current spec's own rules", async () => {
    // Level 1 (not pinned): waits for a human. Decided under v1, which has no exclusion.
    const d = await proposeOk(a, emailProposal("writer-2", "apv1"));
    expect(d).toMatchObject({ verdict: "require_approval", arm: "control", specVersion: 1 });
    expect((await approve(d)).status).not.toBe("rejected");
    await waitForStatus(a, d.decisionId, "executed");
  });

  it("does not contact an account the experiment moved to the holdout while its action waited", async () => {
    const d = await proposeOk(a, emailProposal("writer-2", "apv2"));
    expect(d).toMatchObject({ verdict: "require_approval", arm: "control" });
    // v4: v1's rules, the same experiment with a holdout taking (all but) every account.
    const moved = {
      name: "approvals",
      arms: [{ name: "control", version: 1, weight: 1e-9 }],
      holdout: { name: "holdout", weight: 1 },
    };
    expectStatus(await a.call("POST", "/v1/specs", a.admin, { ...v1(), experiments: moved }), 201);
    expect(assignArm(moved, "apv2").arm).toBe("holdout");
    const after = await approve(d);
    expect(after.status).toBe("rejected");
    const events = expectStatus(await a.call("GET", `/v1/decisions/${d.decisionId}`, a.viewer), 200).events;
    const failed = events.find((e: any) => e.type === "revalidation_failed");
    expect(failed.data.checks.map((c: any) => c.check)).toEqual(["experiment"]);
    expect(a.rt.sandbox.entries.filter((e) => e.decisionId === d.decisionId)).toEqual([]);
  });
});
