/**
 * The spec steers every agent at once: publishing a new version changes the very next decision, the
 * decision records the version it was made under, and actions still waiting are re-validated on it.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { publishSpec } from "../../shared/usecases/admin.ts";
import { approve } from "../../shared/usecases/lifecycle.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, seedAcme } from "../helpers/world.ts";
import {
  approver,
  decisionEvents,
  defaultSpecObject,
  publishVariant,
  touchCounters,
} from "./helpers/store.ts";

let rt: TestRuntime;
beforeEach(async () => {
  rt = await startRuntime();
});
afterEach(() => rt.close());

const smallerCompanies = (spec: any) => {
  spec.icp.employees = { min: 50, max: 200 };
};

describe("spec changes", () => {
  it("a spec that excludes the account blocks the next proposal, recording the new version", async () => {
    await seedAcme(rt.deps, "acme"); // 250 employees
    await seedAcme(rt.deps, "beta");
    const v1 = await rt.deps.specs.current();
    const before = await rt.deps.gate.propose(emailProposal("writer", "acme"), agent("writer"));
    expect(before.decision.verdict).toBe("require_approval");
    expect(before.decision.specVersion).toBe(v1?.version);

    const v2 = await publishVariant(rt, smallerCompanies);
    expect(v2.version).toBe((v1?.version ?? 0) + 1);

    const after = await rt.deps.gate.propose(emailProposal("writer", "beta"), agent("writer"));
    expect(after.decision.verdict).toBe("block");
    expect(after.decision.specVersion).toBe(v2.version);
    expect(after.decision.specHash).toBe(v2.hash);
    const failed = after.decision.checks.filter((c) => c.result === "fail" && !c.shadow);
    expect(failed.map((c) => c.check)).toEqual(["icp"]);
    expect(after.decision.reasons).toHaveLength(1);
    expect(after.decision.reasons[0]).toMatch(/^icp/);
    expect(after.decision.reservation).toEqual({ touch: false, counters: [] });
    expect((await rt.deps.decisions.getContactState("beta")).touches).toEqual([]);

    // Publishing the default again (a new version) lets the next proposal through again.
    const { spec: v3, created } = await publishSpec(rt.deps, defaultSpecObject(), "admin");
    expect(created).toBe(true);
    expect(v3.version).toBe(v2.version + 1);
    const again = await rt.deps.gate.propose(emailProposal("sdr", "beta"), agent("sdr"));
    expect(again.decision.verdict).toBe("require_approval");
    expect(again.decision.specVersion).toBe(v3.version);
  });

  it("an action awaiting approval is re-validated on the current spec before dispatch", async () => {
    await seedAcme(rt.deps, "acme");
    const { decision } = await rt.deps.gate.propose(emailProposal("writer", "acme"), agent("writer"));
    expect(decision.verdict).toBe("require_approval");
    await publishVariant(rt, smallerCompanies);

    const result = await approve(rt.deps, decision.decisionId, { digest: decision.payloadDigest }, approver);
    expect(result.status).toBe("rejected");
    expect(rt.sandbox.entries).toEqual([]);
    expect((await rt.deps.decisions.getContactState("acme")).touches).toEqual([]);
    expect(await touchCounters(rt, "writer", "email")).toEqual({ agent: 0, channel: 0 });
    const events = await decisionEvents(rt, decision.decisionId);
    expect(events.map((e) => e.type)).toEqual(["decided", "revalidation_failed"]);
    expect(events[1]?.detail).toContain("icp");
  });
});
