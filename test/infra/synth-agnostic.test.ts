/**
 * `npm run synth` on a machine without AWS credentials synthesizes environment-agnostic stacks: the
 * account and region are tokens. Every cdk-nag acknowledgment must still be a plain string then (one
 * built from a token failed synthesis with KeyMustResolveToString). Templates only, no bundling.
 */
import { describe, expect, it } from "vitest";
import { settleBeforeBlocking, synthHarness } from "./synth.ts";

describe("synthesis without an account or region", () => {
  it("passes cdk-nag with every stack environment-agnostic", async () => {
    await settleBeforeBlocking();
    const s = synthHarness({ bundle: false, env: "agnostic" });
    expect(s.assembly.stacks.map((x) => [x.stackName, x.environment.account]).sort()).toEqual([
      ["Harness-dev-Console", "unknown-account"],
      ["Harness-dev-Service", "unknown-account"],
      ["Harness-dev-Stateful", "unknown-account"],
    ]);
  });
});
