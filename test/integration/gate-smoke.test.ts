import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, linkedinProposal, seedAcme } from "../helpers/world.ts";

let rt: TestRuntime;
beforeAll(async () => {
  rt = await startRuntime();
  await seedAcme(rt.deps);
});
afterAll(() => rt.close());

describe("gate smoke", () => {
  it("decides an email and defers a LinkedIn message to the same account", async () => {
    const first = await rt.deps.gate.propose(emailProposal("writer"), agent("writer"));
    expect(first.decision.verdict).toBe("require_approval");
    const second = await rt.deps.gate.propose(linkedinProposal("li"), agent("li"));
    expect(second.decision.verdict).toBe("defer");
    expect(second.decision.retryAfter).toBeDefined();
  });
});
