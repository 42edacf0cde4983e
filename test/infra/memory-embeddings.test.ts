/**
 * Memory by meaning in the deployment (issue 12, item 4): with `harness:embeddings`, the knowledge API
 * function and /mcp (the two that embed) carry the EMBEDDINGS_* environment and the one grant it needs,
 * Bedrock's InvokeModel on exactly the configured foundation model or the read of the key's secret, and
 * no other function gets either. Two syntheses without bundling, cdk-nag on (it fails synthesis on a
 * finding); the config's own checks without synthesis.
 */
import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { beforeAll, describe, expect, it } from "vitest";
import { HarnessConfig } from "../../infra/config.ts";
import { enableMemoryEmbeddings, MemoryEmbeddingsConfig } from "../../infra/constructs/memory-embeddings.ts";
import { TITAN_V2 } from "../../shared/adapters/embeddings/bedrock-titan.ts";
import { type Synthesized, settleBeforeBlocking, synthHarness } from "./synth.ts";

const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dev-harness-embeddings-key-AbCdEf";
const OPENAI = {
  provider: "openai-compatible",
  baseUrl: "https://embed.example.com/v1",
  model: "text-embedding-3-small",
  dimensions: 512,
  keySecretArn: ARN,
};
const EMBEDDERS = ["HTTP API: knowledge routes", "HTTP API: /mcp (MCP server, streamable HTTP)"];

let bedrock: Synthesized;
let openai: Synthesized;
beforeAll(async () => {
  await settleBeforeBlocking();
  bedrock = synthHarness({
    bundle: false,
    context: { "harness:embeddings": JSON.stringify({ provider: "bedrock", dimensions: 512 }) },
  });
  await settleBeforeBlocking();
  openai = synthHarness({ bundle: false, context: { "harness:embeddings": JSON.stringify(OPENAI) } });
});

/** Every Lambda function's description, environment and its role's policy statements. */
function functions(s: Synthesized) {
  const t = s.serviceTemplate;
  const policies = Object.values(t.findResources("AWS::IAM::Policy"));
  return Object.values(t.findResources("AWS::Lambda::Function")).map((f) => {
    const role = f.Properties.Role?.["Fn::GetAtt"]?.[0];
    const statements = policies
      .filter((p) => p.Properties.Roles?.some((r: any) => r.Ref === role))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    return {
      description: String(f.Properties.Description ?? ""),
      env: (f.Properties.Environment?.Variables ?? {}) as Record<string, unknown>,
      statements: statements as { Action: string | string[]; Resource: unknown }[],
    };
  });
}

const titanInvokes = (st: { Action: string | string[]; Resource: unknown }[]) =>
  st.filter((x) => JSON.stringify(x.Resource).includes(`foundation-model/${TITAN_V2}`));
const secretReads = (st: { Action: string | string[]; Resource: unknown }[]) =>
  st.filter((x) => [x.Action].flat().includes("secretsmanager:GetSecretValue") && x.Resource === ARN);

describe("memory embeddings in AWS", () => {
  it("Bedrock: the environment and InvokeModel on exactly Titan v2 for the two functions that embed", () => {
    const fns = functions(bedrock);
    const embedders = fns.filter((f) => f.env.EMBEDDINGS_PROVIDER);
    expect(embedders.map((f) => f.description).sort()).toEqual([...EMBEDDERS].sort());
    for (const f of embedders) {
      expect(f.env).toMatchObject({ EMBEDDINGS_MODEL: TITAN_V2, EMBEDDINGS_DIMENSIONS: "512" });
      const grants = titanInvokes(f.statements);
      expect(grants, f.description).toHaveLength(1);
      expect(grants[0]?.Action).toBe("bedrock:InvokeModel");
    }
    for (const f of fns.filter((x) => !x.env.EMBEDDINGS_PROVIDER))
      expect(titanInvokes(f.statements), f.description).toEqual([]);
  });

  it("OpenAI-compatible: its URL and model there, the key's secret read by those two only, no Titan grant anywhere", () => {
    const fns = functions(openai);
    const embedders = fns.filter((f) => f.env.EMBEDDINGS_PROVIDER);
    expect(embedders.map((f) => f.description).sort()).toEqual([...EMBEDDERS].sort());
    for (const f of embedders)
      expect(f.env).toMatchObject({
        EMBEDDINGS_PROVIDER: "openai-compatible",
        EMBEDDINGS_BASE_URL: OPENAI.baseUrl,
        EMBEDDINGS_MODEL: OPENAI.model,
        EMBEDDINGS_DIMENSIONS: "512",
        EMBEDDINGS_KEY_SECRET_ARN: ARN,
      });
    for (const f of fns) {
      expect(secretReads(f.statements), f.description).toHaveLength(f.env.EMBEDDINGS_PROVIDER ? 1 : 0);
      expect(titanInvokes(f.statements), f.description).toEqual([]);
    }
  });

  it("an inference profile id is granted through its profile, as the agents' model is, InvokeModel only", () => {
    const stack = new Stack(new App(), "T", { env: { account: "123456789012", region: "us-east-1" } });
    const role = new Role(stack, "R", { assumedBy: new ServicePrincipal("lambda.amazonaws.com") });
    const env: Record<string, string> = {};
    // Another family's model would get Titan's request body: refused, naming the field.
    expect(() =>
      MemoryEmbeddingsConfig.parse({ provider: "bedrock", modelId: "us.cohere.embed-v4:0" }),
    ).toThrow(/a Titan Text Embeddings v2 model id/);
    // v1 takes no dimensions and answers 1,536 values.
    expect(() =>
      MemoryEmbeddingsConfig.parse({ provider: "bedrock", modelId: "amazon.titan-embed-text-v1" }),
    ).toThrow(/modelId/);
    const id = "us.amazon.titan-embed-text-v2:0";
    const config = MemoryEmbeddingsConfig.parse({ provider: "bedrock", modelId: id });
    enableMemoryEmbeddings({ addEnvironment: (k: string, v: string) => (env[k] = v) }, role, config, []);
    expect(env.EMBEDDINGS_MODEL).toBe(id);
    const statements = Object.values(Template.fromStack(stack).findResources("AWS::IAM::Policy")).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    expect(JSON.stringify(statements.map((st) => st.Resource))).toContain(`inference-profile/${id}`);
    expect(new Set(statements.flatMap((st) => [st.Action].flat()))).toEqual(new Set(["bedrock:InvokeModel"]));
  });

  it("the config names a wrong field: a key over plain http, a dimension Titan has not", () => {
    const http = HarnessConfig.safeParse({
      embeddings: { ...OPENAI, baseUrl: "http://embed.example.com/v1" },
    });
    expect(http.success).toBe(false);
    expect(JSON.stringify(http.error?.issues)).toMatch(/baseUrl.*an https URL|an https URL.*baseUrl/);
    const dims = HarnessConfig.safeParse({ embeddings: { provider: "bedrock", dimensions: 300 } });
    expect(dims.error?.issues[0]?.path).toEqual(["embeddings", "dimensions"]);
    expect(HarnessConfig.parse({}).embeddings).toBeUndefined();
  });
});
