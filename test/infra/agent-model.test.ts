/**
 * The agents' model in the deployment: with `harness:model` an OpenAI-compatible server, the agent
 * functions carry its URL and name, only the agents that call their model may read the key's secret,
 * and no role is granted Bedrock; without it, Bedrock, granted to those agents only (the CRM import,
 * the list builders and the syncs never call a model). Synthesis without bundling.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { agentRoleName } from "../../infra/constructs/agent-functions.ts";
import { MODEL_AGENT_IDS } from "../../shared/agents/builtin.ts";
import { agentRegistry } from "../../shared/agents/registry.ts";
import { type Synthesized, settleBeforeBlocking, synthHarness } from "./synth.ts";

const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dev-harness-model-key-AbCdEf";
const MODEL = {
  provider: "openai-compatible",
  baseUrl: "https://llm.example.com/v1",
  model: "gpt-4o-mini",
  keySecretArn: ARN,
};

let s: Synthesized;
beforeAll(async () => {
  await settleBeforeBlocking();
  s = synthHarness({ bundle: false, context: { "harness:model": JSON.stringify(MODEL) } });
});

/** Each agent role's policy statements, by agent id. */
function agentStatements(t: Synthesized["serviceTemplate"]) {
  const roles = t.findResources("AWS::IAM::Role");
  const policies = t.findResources("AWS::IAM::Policy");
  const out = new Map<string, any[]>();
  for (const a of agentRegistry) {
    const logical = Object.entries(roles).find(
      ([, r]) => r.Properties.RoleName === agentRoleName("dev", a.id),
    )?.[0];
    const statements = Object.values(policies)
      .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === logical))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    out.set(a.id, statements);
  }
  return out;
}

describe("the agents' model in AWS", () => {
  it("an OpenAI-compatible server: its URL, name and key in the model agents' environment and grants only", () => {
    const fns = Object.values(s.serviceTemplate.findResources("AWS::Lambda::Function")).filter(
      (f) => f.Properties.Environment?.Variables?.AGENT_ID,
    );
    expect(fns.length).toBeGreaterThan(MODEL_AGENT_IDS.length);
    for (const f of fns) {
      const vars = f.Properties.Environment.Variables;
      if (MODEL_AGENT_IDS.includes(vars.AGENT_ID))
        expect(vars, vars.AGENT_ID).toMatchObject({
          MODEL_PROVIDER: "openai-compatible",
          MODEL_BASE_URL: MODEL.baseUrl,
          MODEL_NAME: MODEL.model,
          MODEL_KEY_SECRET_ARN: ARN,
        });
      // The others build no model (their entries give none): no configuration of it either.
      else
        expect(
          Object.keys(vars).filter((k) => k.startsWith("MODEL_")),
          vars.AGENT_ID,
        ).toEqual([]);
    }
    const statements = agentStatements(s.serviceTemplate);
    for (const [agentId, st] of statements) {
      const text = JSON.stringify(st);
      expect(text, agentId).not.toMatch(/bedrock:InvokeModel/);
      const reads = st.filter(
        (x) => [x.Action].flat().includes("secretsmanager:GetSecretValue") && x.Resource === ARN,
      );
      expect(reads.length, agentId).toBe(MODEL_AGENT_IDS.includes(agentId) ? 1 : 0);
    }
  });

  it("Bedrock (the default model): only the agents that call their model may invoke it", () => {
    const bedrock = synthHarness({ bundle: false });
    const statements = agentStatements(bedrock.serviceTemplate);
    expect(statements.size).toBe(agentRegistry.length);
    for (const [agentId, st] of statements) {
      const invokes = st.filter((x) => [x.Action].flat().some((a: string) => a.startsWith("bedrock:")));
      expect(invokes.length > 0, agentId).toBe(MODEL_AGENT_IDS.includes(agentId));
    }
  });

  it("a key sent over plain http is refused at synth, naming the field", () => {
    expect(() =>
      synthHarness({
        bundle: false,
        context: { "harness:model": JSON.stringify({ ...MODEL, baseUrl: "http://llm.example.com/v1" }) },
      }),
    ).toThrow(/harness\.model\.baseUrl: an https URL/);
  });
});
