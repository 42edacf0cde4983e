/**
 * The agents' model in AWS from the function's environment: Bedrock (also from a model id alone, as
 * deployments set it before providers existed), an OpenAI-compatible server whose key is read from
 * Secrets Manager on first use, the local model by default; a bad environment names the variable.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MODEL_AGENT_IDS } from "../../shared/agents/builtin.ts";
import { agentRegistry } from "../../shared/agents/registry.ts";
import { AGENT_CALL_BOUNDS, createAwsModel, modelConfigFromEnv } from "../../shared/runtime/model-aws.ts";
import { draftInput, type FakeModelServer, startFakeOpenAI } from "../helpers/fake-model-servers.ts";

const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dev-harness-model-key-AbCdEf";

/** A Secrets Manager client that answers one secret and counts the reads. */
function fakeSecrets(value: string) {
  const reads: string[] = [];
  return {
    reads,
    send: async (cmd: GetSecretValueCommand) => {
      reads.push(String(cmd.input.SecretId));
      return { SecretString: value };
    },
  } as never as { reads: string[]; send: () => Promise<unknown> };
}

let server: FakeModelServer;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(() => server.close());

describe("model from the AWS environment", () => {
  it("a model id alone is Bedrock; nothing is the local model; the provider picks otherwise", () => {
    expect(modelConfigFromEnv({ BEDROCK_MODEL_ID: "anthropic.x", AWS_REGION: "eu-west-1" })).toEqual({
      provider: "bedrock",
      modelId: "anthropic.x",
      region: "eu-west-1",
    });
    expect(modelConfigFromEnv({})).toEqual({ provider: "local" });
    expect(
      modelConfigFromEnv({
        MODEL_PROVIDER: "openai-compatible",
        MODEL_BASE_URL: "https://llm.internal/v1",
        MODEL_NAME: "llama3.1:70b",
        BEDROCK_MODEL_ID: "ignored",
      }),
    ).toEqual({ provider: "openai-compatible", baseUrl: "https://llm.internal/v1", model: "llama3.1:70b" });
    expect(createAwsModel({}).modelId).toBe("local-deterministic-model/v1");
  });

  it("a missing or malformed variable is named", () => {
    expect(() => modelConfigFromEnv({ MODEL_PROVIDER: "openai-compatible", MODEL_NAME: "m" })).toThrow(
      /MODEL_BASE_URL/,
    );
    expect(() => modelConfigFromEnv({ MODEL_PROVIDER: "gpt" })).toThrow(/MODEL_PROVIDER/);
    expect(() => modelConfigFromEnv({ MODEL_PROVIDER: "bedrock", MODEL_KEY_SECRET_ARN: "my-key" })).toThrow(
      /MODEL_KEY_SECRET_ARN: a Secrets Manager secret's full ARN/,
    );
  });

  it("the OpenAI-compatible key comes from Secrets Manager on the first call, once, plain or JSON", async () => {
    const env = {
      MODEL_PROVIDER: "openai-compatible",
      MODEL_BASE_URL: server.url,
      MODEL_NAME: "served-model",
      MODEL_KEY_SECRET_ARN: ARN,
    };
    const plain = fakeSecrets("sk-from-secrets");
    const model = createAwsModel(env, plain as never);
    expect(model.modelId).toBe("openai-compatible:served-model");
    expect(plain.reads).toEqual([]);
    await model.draftMessage(draftInput);
    await model.draftMessage(draftInput);
    expect(plain.reads).toEqual([ARN]);
    expect(server.requests.at(-1)?.headers.authorization).toBe("Bearer sk-from-secrets");

    const json = fakeSecrets('{"apiKey": "sk-json"}');
    await createAwsModel(env, json as never).draftMessage(draftInput);
    expect(server.requests.at(-1)?.headers.authorization).toBe("Bearer sk-json");
  });

  it("the agents granted the key are registry agents", () => {
    const ids = new Set(agentRegistry.map((a) => a.id));
    for (const id of MODEL_AGENT_IDS) expect(ids.has(id), id).toBe(true);
  });

  it("an agent function's question to an OpenAI-compatible server ends within its bounds when nobody answers", async () => {
    // Accepts and never answers: unbounded, each of 4 attempts would wait 60 s.
    const hang = createServer(() => {});
    await new Promise<void>((resolve) => hang.listen(0, "127.0.0.1", resolve));
    try {
      const model = createAwsModel({
        MODEL_PROVIDER: "openai-compatible",
        MODEL_BASE_URL: `http://127.0.0.1:${(hang.address() as AddressInfo).port}/v1`,
        MODEL_NAME: "m",
      });
      const started = Date.now();
      await expect(model.draftMessage(draftInput)).rejects.toThrow();
      const { timeoutMs, maxAttempts, maxRetryDelayMs } = AGENT_CALL_BOUNDS;
      expect(Date.now() - started).toBeLessThan(timeoutMs * maxAttempts + maxRetryDelayMs + 2_000);
    } finally {
      hang.closeAllConnections();
      hang.close();
    }
  }, 30_000);
});
