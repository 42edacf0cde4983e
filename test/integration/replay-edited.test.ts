/**
 * A replay re-decides what the agents proposed. A reviewer's edit changes what is sent (the decision's
 * payload), and the agent's version stays in the decision's `edited` event: the replay judges that one,
 * so a spec that would have caught the drafts people had to fix shows it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOUR } from "../../shared/domain/time.ts";
import { approve } from "../../shared/usecases/lifecycle.ts";
import { replaySpec } from "../../shared/usecases/replay.ts";
import { startRuntime, T0, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, seedAcme } from "../helpers/world.ts";
import { approver, defaultSpecObject } from "./helpers/store.ts";

let rt: TestRuntime;
beforeAll(async () => {
  rt = await startRuntime({ runWorkers: false });
});
afterAll(async () => {
  await rt?.close();
});

const DRAFT =
  "Hi Jane, saw your team comparing plans this week. Let's circle back on synergies: happy to share how similar teams rolled out.";
const FIXED =
  "Hi Jane, saw your team comparing plans this week. Happy to share how similar teams rolled out in two weeks.";

describe("replay of a decision a reviewer edited", () => {
  it("judges the agent's draft, not the reviewer's text", async () => {
    await seedAcme(rt.deps, "rp-edit");
    const proposal = emailProposal("rp-writer", "rp-edit", "rp-edit-jane", {
      payload: { subject: "Your pricing research", body: DRAFT },
    });
    const { decision } = await rt.deps.gate.propose(proposal, agent("rp-writer"));
    expect(decision.verdict).toBe("require_approval");
    const edited = await approve(
      rt.deps,
      decision.decisionId,
      { digest: decision.payloadDigest, payload: { ...decision.payload, body: FIXED } },
      approver,
    );
    expect(edited.payload.body).toBe(FIXED);

    const window = {
      since: new Date(T0 - HOUR).toISOString(),
      until: new Date(rt.clock.now() + HOUR).toISOString(),
    };
    const strict = defaultSpecObject();
    strict.quality.content.bannedPhrases = ["circle back"];
    const r = await replaySpec(rt.deps, { spec: strict, ...window });
    const flip = r.flips.find((f) => f.decisionId === decision.decisionId);
    // Before: no flip; the replay read the reviewer's fixed text as the agent's proposal.
    expect(flip?.replayed).toBe("block");
    expect(flip?.changedBy).toEqual([expect.objectContaining({ check: "content_quality", now: "fail" })]);
    // The spec in force does not flip it: the draft passed the gate as it was.
    const same = await replaySpec(rt.deps, { spec: defaultSpecObject(), ...window });
    expect(same.flips.find((f) => f.decisionId === decision.decisionId)).toBeUndefined();
  });
});
