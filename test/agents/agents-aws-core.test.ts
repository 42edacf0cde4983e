/**
 * The agents' AWS wiring is given the agents a function runs (shared/runtime/agents-aws-core.ts): the
 * crm-import function runs that agent alone, so its bundle carries no other workflow; no agent
 * function has a gate of its own (they propose through the API).
 */
import { describe, expect, it } from "vitest";
import { defineAgent } from "../../shared/agents/definition.ts";
import { crmImport } from "../../shared/agents/workflows/crm-import.ts";
import { agentsAwsRuntime } from "../../shared/runtime/agents-aws-core.ts";
import { createAwsModel } from "../../shared/runtime/model-aws.ts";

// Nothing here reaches DynamoDB or a model: the wiring only builds clients.
const ENV = { AGENT_ID: "crm-import", STATE_TABLE: "state", AWS_REGION: "us-east-1" };
/** An agent that proposes one email per run. */
const proposer = defineAgent({
  id: "proposer",
  description: "proposes one email",
  trigger: { kind: "manual" },
  actions: ["email.send"],
  handler: async (_inv, ctx) => {
    await ctx.propose({
      key: "one",
      action: { type: "email.send" },
      target: { accountId: "acme" },
      payload: {},
      reasoning: "a test",
      confidence: 0.5,
    });
  },
});

/** An agent that drafts with its model without declaring `usesModel`. */
const drafter = defineAgent({
  id: "drafter",
  description: "drafts an email",
  trigger: { kind: "manual" },
  actions: ["email.send"],
  handler: async (_inv, ctx) => {
    await ctx.model.draftMessage({} as never);
  },
});

describe("agentsAwsRuntime", () => {
  it("an agent not declared to call a model is refused its model, naming where to declare it", async () => {
    const { runner } = agentsAwsRuntime({ agents: [drafter] }, { ...ENV, AGENT_ID: "drafter" });
    const run = await runner.run("drafter", { kind: "manual", input: {}, by: "test" });
    // In AWS its role is not granted the model (infra/constructs/agent-model.ts): it fails here first.
    expect(run.error).toMatch(/agent drafter does not call a model: declare usesModel/);
  });

  it("an agent that calls a model runs only where its entry gives the model", async () => {
    // It says which model it was given.
    const writer = defineAgent({
      id: "writer",
      description: "names its model",
      trigger: { kind: "manual" },
      actions: ["email.send"],
      usesModel: true,
      handler: async (_inv, ctx) => {
        throw new Error(`model ${ctx.model.modelId}`);
      },
    });
    expect(() => agentsAwsRuntime({ agents: [writer] }, { ...ENV, AGENT_ID: "writer" })).toThrow(
      "writer call a model: their function's entry gives it one (AgentsAwsExtras.model)",
    );
    const given = createAwsModel(ENV);
    const { runner } = agentsAwsRuntime({ agents: [writer] }, { ...ENV, AGENT_ID: "writer" }, undefined, {
      model: createAwsModel,
    });
    const run = await runner.run("writer", { kind: "manual", input: {}, by: "test" });
    expect(given.modelId).not.toBe("none");
    expect(run.error).toBe(`model ${given.modelId}`);
  });

  it("may continue a run in a new invocation only for an agent that declares it (only its role may invoke itself)", () => {
    const inLambda = { ...ENV, AWS_LAMBDA_FUNCTION_NAME: "dev-harness-agent-x" };
    const { continues: _c, ...once } = crmImport;
    const quiet = { ...once, id: "quiet" };
    expect(
      agentsAwsRuntime({ agents: [quiet] }, { ...inLambda, AGENT_ID: "quiet" }).continueRun,
    ).toBeUndefined();
    // The CRM import continues (a backfill goes on: workflows/crm-import.ts).
    expect(agentsAwsRuntime({ agents: [crmImport] }, inLambda).continueRun).toBeTypeOf("function");
    const writer = { ...crmImport, id: "writer", continues: true as const };
    expect(
      agentsAwsRuntime({ agents: [writer] }, { ...inLambda, AGENT_ID: "writer" }).continueRun,
    ).toBeTypeOf("function");
    // Outside Lambda there is no function to invoke.
    expect(
      agentsAwsRuntime({ agents: [writer] }, { ...ENV, AGENT_ID: "writer" }).continueRun,
    ).toBeUndefined();
  });

  it("runs only the agents it is given: another AGENT_ID is a configuration error naming them", () => {
    expect(agentsAwsRuntime({ agents: [crmImport] }, ENV).agentId).toBe("crm-import");
    expect(() => agentsAwsRuntime({ agents: [crmImport] }, { ...ENV, AGENT_ID: "outreach-writer" })).toThrow(
      "AGENT_ID outreach-writer is not an agent of this function (crm-import)",
    );
  });

  // No gate in an agent's function (its role may not write the ledger): the API is the only way.
  it("without HARNESS_API_URL, a proposal fails naming it rather than going ungated", async () => {
    const { runner } = agentsAwsRuntime({ agents: [proposer] }, { ...ENV, AGENT_ID: "proposer" });
    const run = await runner.run("proposer", { kind: "manual", input: {}, by: "test" });
    expect(run.error).toBe(
      "HARNESS_API_URL is not set: an agent's function proposes through the harness's API",
    );
    expect(run.proposals).toEqual([]);
  });
});
