/**
 * The embeddings adapters against local fakes: an OpenAI-compatible /v1/embeddings server, and
 * Bedrock's InvokeModel for Titan Text Embeddings v2 through the real BedrockRuntimeClient (so the
 * request it signs and sends, and the answer it parses, are the SDK's).
 */
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TitanEmbeddings } from "../../shared/adapters/embeddings/bedrock-titan.ts";
import { EmbeddingsError } from "../../shared/adapters/embeddings/http-retry.ts";
import { OpenAICompatibleEmbeddings } from "../../shared/adapters/embeddings/openai-compatible.ts";
import { createEmbeddings, embeddingsConfigFromFlags } from "../../shared/adapters/embeddings/select.ts";
import {
  conceptEmbedding,
  type FakeEmbeddingsServer,
  type FakeTitanServer,
  startFakeEmbeddings,
  startFakeTitan,
} from "../helpers/fake-embeddings.ts";

const KEY = "sk-test-secret-0123456789";
let oai: FakeEmbeddingsServer;
let titan: FakeTitanServer;
beforeAll(async () => {
  [oai, titan] = await Promise.all([startFakeEmbeddings(), startFakeTitan()]);
});
afterAll(async () => {
  await Promise.all([oai.close(), titan.close()]);
});
afterEach(() => {
  oai.requests.length = 0;
  titan.requests.length = 0;
  oai.failNext(0, 200);
  titan.failNext(0, 200);
  titan.answerDimensions(undefined);
});

const noSleep = { sleep: async () => {} };

describe("OpenAI-compatible embeddings", () => {
  const client = (extra: Partial<ConstructorParameters<typeof OpenAICompatibleEmbeddings>[0]> = {}) =>
    new OpenAICompatibleEmbeddings({ baseUrl: oai.url, model: "nomic-embed-text", apiKey: KEY, ...extra });

  it("one vector per text in input order (the server answers out of order), in batches, with the key", async () => {
    const texts = ["budget worries", "security audit", "hiring engineers", "launch timeline", "lunch"];
    const out = await client({ batchSize: 2 }).embed(texts);
    expect(out).toEqual(texts.map(conceptEmbedding));
    expect(oai.requests.map((r) => r.input.length)).toEqual([2, 2, 1]);
    expect(oai.requests[0]?.model).toBe("nomic-embed-text");
    expect(oai.requests[0]?.authorization).toBe(`Bearer ${KEY}`);
  });

  it("retries 429 and 5xx (bounded), honouring Retry-After; a 400 fails at once; the key is never in the error", async () => {
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(ms);
    };
    oai.failNext(2, 429, { "retry-after": "1" });
    expect(await client({ retry: { sleep } }).embed(["cost"])).toEqual([conceptEmbedding("cost")]);
    expect(waits).toEqual([1000, 1000]);
    expect(oai.requests).toHaveLength(3);

    oai.requests.length = 0;
    oai.failNext(10, 503);
    const spent = await client({ retry: { ...noSleep, maxAttempts: 3 } })
      .embed(["cost"])
      .catch((e) => e);
    expect(spent).toBeInstanceOf(EmbeddingsError);
    expect(oai.requests).toHaveLength(3);

    oai.requests.length = 0;
    oai.failNext(1, 400);
    const bad = await client({ retry: noSleep })
      .embed(["cost"])
      .catch((e: Error) => e);
    expect(bad).toBeInstanceOf(EmbeddingsError);
    expect(oai.requests).toHaveLength(1);
    for (const e of [spent, bad]) expect(`${e.message} ${e.stack}`).not.toContain(KEY);
  });

  it("a refusal that quotes the texts sent (notes about people) is not carried into the error", async () => {
    const note = "Call notes: Jane Doe wants pricing for 40 seats before March";
    const echo = await client({
      retry: noSleep,
      fetch: async () =>
        new Response(JSON.stringify({ error: { message: `input rejected: '${note.slice(0, 40)}'` } }), {
          status: 400,
        }),
    })
      .embed([note])
      .catch((e: Error) => e);
    expect(echo).toBeInstanceOf(EmbeddingsError);
    expect((echo as Error).message).toMatch(/HTTP 400 \(its message quotes the request: left out\)/);
    expect((echo as Error).message).not.toContain("Jane");
  });

  it("a wait longer than the bound fails now instead of holding the request", async () => {
    oai.failNext(1, 429, { "retry-after": "120" });
    await expect(client({ retry: noSleep }).embed(["cost"])).rejects.toThrow(/HTTP 429/);
    expect(oai.requests).toHaveLength(1);
  });
});

describe("Titan Text Embeddings v2 (Bedrock InvokeModel)", () => {
  const client = (maxAttempts = 3) =>
    new BedrockRuntimeClient({
      endpoint: titan.url,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" },
      maxAttempts,
    });

  it("asks for the configured dimensions, normalised, one text per call, and answers in order", async () => {
    const t = new TitanEmbeddings({ dimensions: 256, client: client() });
    expect(t.modelId).toBe("bedrock:amazon.titan-embed-text-v2:0@256");
    const out = await t.embed(["budget worries", "security audit", "hiring"]);
    expect(out).toHaveLength(3);
    for (const v of out) {
      expect(v).toHaveLength(256);
      expect(Math.hypot(...v)).toBeCloseTo(1, 6);
    }
    expect(titan.requests.map((r) => r.path)).toEqual(
      Array(3).fill("/model/amazon.titan-embed-text-v2:0/invoke"),
    );
    expect(titan.requests.map((r) => r.body.inputText).sort()).toEqual([
      "budget worries",
      "hiring",
      "security audit",
    ]);
    expect(titan.requests[0]?.body).toMatchObject({ dimensions: 256, normalize: true });
    // Paraphrases land close, other topics far: what memory search relies on.
    const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] as number), 0);
    const [money] = await t.embed(["the spending is too expensive"]);
    expect(dot(money as number[], out[0] as number[])).toBeGreaterThan(0.5);
    expect(dot(money as number[], out[1] as number[])).toBeLessThan(0.2);
  });

  it("throttling is retried by the SDK within its attempts; past them, an EmbeddingsError", async () => {
    titan.failNext(1, 429);
    const t = new TitanEmbeddings({ dimensions: 512, client: client(3) });
    expect(await t.embed(["cost"])).toHaveLength(1);
    expect(titan.requests).toHaveLength(2);

    titan.requests.length = 0;
    titan.failNext(5, 500);
    await expect(new TitanEmbeddings({ client: client(2) }).embed(["cost"])).rejects.toBeInstanceOf(
      EmbeddingsError,
    );
    expect(titan.requests).toHaveLength(2);
  });

  it("an answer of another size than configured is an error, not a vector", async () => {
    titan.answerDimensions(128);
    await expect(new TitanEmbeddings({ dimensions: 256, client: client() }).embed(["x"])).rejects.toThrow(
      /not a 256-dimension embedding/,
    );
  });
});

describe("createEmbeddings (configuration)", () => {
  it("none is keyword search; bedrock defaults to Titan v2 at 1024; the key is passed, not configured", () => {
    expect(createEmbeddings({ provider: "none" })).toBeUndefined();
    expect(createEmbeddings({ provider: "bedrock", region: "eu-west-1" })?.modelId).toBe(
      "bedrock:amazon.titan-embed-text-v2:0@1024",
    );
    expect(
      createEmbeddings({ provider: "openai-compatible", baseUrl: oai.url, model: "m", dimensions: 64 }, KEY)
        ?.modelId,
    ).toBe("openai-compatible:m@64");
    expect(() => createEmbeddings({ provider: "bedrock", dimensions: 300 as 256 })).toThrow(/dimensions/);
  });
});

describe("embeddingsConfigFromFlags (harness serve)", () => {
  it("names the missing or wrong flag", () => {
    expect(embeddingsConfigFromFlags({})).toEqual({ provider: "none" });
    expect(() =>
      embeddingsConfigFromFlags({ embeddings: "openai-compatible", embeddingsModel: "m" }),
    ).toThrow(/^--embeddings-url: /);
    expect(() => embeddingsConfigFromFlags({ embeddings: "bedrock", embeddingsDimensions: "300" })).toThrow(
      /^--embeddings-dimensions: /,
    );
    expect(
      embeddingsConfigFromFlags({
        embeddings: "openai-compatible",
        embeddingsUrl: "http://127.0.0.1:11434/v1",
        embeddingsModel: "nomic-embed-text",
      }),
    ).toEqual({
      provider: "openai-compatible",
      baseUrl: "http://127.0.0.1:11434/v1",
      model: "nomic-embed-text",
    });
  });
});
