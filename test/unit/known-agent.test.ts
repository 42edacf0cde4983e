/**
 * isKnownAgent (behind PUT /v1/trust/{agentId}/{actionType}) asks the decision store only whether the
 * agent made a decision: a key-only question (DecisionStore.hasDecisionBy), never a listing of its
 * decisions, which would open sealed personal data (in AWS: kms:Decrypt, which the admin function
 * does not hold).
 */
import { describe, expect, it } from "vitest";
import type { DecisionStore, TokenStore, TrustStore } from "../../shared/ports.ts";
import { isKnownAgent, type KnownAgentDeps, pinKnownAgent } from "../../shared/usecases/trust.ts";
import { version } from "./helpers/fixtures.ts";

const spec = version();

function deps(agentsWithDecisions: string[]) {
  const asked: string[] = [];
  // Only the key-only question exists here: a listing (queryDecisions) would throw.
  const decisions = {
    hasDecisionBy: async (agentId: string) => {
      asked.push(agentId);
      return agentsWithDecisions.includes(agentId);
    },
  } as Pick<DecisionStore, "hasDecisionBy">;
  const d: KnownAgentDeps = {
    clock: { now: () => 0 },
    trust: { get: async () => undefined } as unknown as TrustStore,
    tokens: { list: async () => [] } as unknown as TokenStore,
    decisions,
  };
  return { d, asked };
}

describe("isKnownAgent", () => {
  it("knows an agent by its decisions through the key-only question, and only after the cheaper sources", async () => {
    const { d, asked } = deps(["field-bot"]);
    expect(await isKnownAgent(d, spec, "field-bot")).toBe(true);
    expect(await isKnownAgent(d, spec, "nobody")).toBe(false);
    expect(asked).toEqual(["field-bot", "nobody"]);
  });

  it("pinKnownAgent refuses an agent with no decision (404) without listing anything", async () => {
    const { d } = deps([]);
    await expect(pinKnownAgent(d, spec, "nobody", "email.send", 3, "r", "admin")).rejects.toMatchObject({
      name: "NotFoundError",
    });
  });
});
