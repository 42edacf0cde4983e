/**
 * The Bedrock adapter against a local fake of the Converse API: the real BedrockRuntimeClient with its
 * endpoint on 127.0.0.1, so the request it signs and sends, and the answer it parses, are the SDK's.
 */
import { createServer } from "node:http2";
import type { AddressInfo } from "node:net";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BedrockModel } from "../../shared/adapters/model/bedrock-model.ts";
import { ModelError } from "../../shared/agents/ports.ts";
import {
  converseReply,
  draftInput,
  type FakeModelServer,
  startFakeConverse,
} from "../helpers/fake-model-servers.ts";

const MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0";
let server: FakeModelServer;
const bedrock = () =>
  new BedrockModel({
    modelId: MODEL,
    client: new BedrockRuntimeClient({
      endpoint: server.url,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" },
      maxAttempts: 2,
    }),
  });

beforeAll(async () => {
  server = await startFakeConverse();
});
afterAll(() => server.close());
afterEach(() => {
  server.requests.length = 0;
  server.replies.length = 0;
});

describe("Bedrock model (Converse)", () => {
  it("drafts with the shared prompt, names the model, keeps only citations among the facts", async () => {
    server.replies.push(
      converseReply({
        subject: "Series B",
        body: "Hi Jane, congrats on the Series B.",
        groundedOn: ["https://acme.io/news/series-b", "https://elsewhere.example/"],
      }),
    );
    const m = bedrock();
    expect(m.modelId).toBe(`bedrock:${MODEL}`);
    expect(await m.draftMessage(draftInput)).toEqual({
      subject: "Series B",
      body: "Hi Jane, congrats on the Series B.",
      groundedOn: ["https://acme.io/news/series-b"],
    });
    const req = server.requests[0];
    expect(decodeURIComponent(req?.url ?? "")).toBe(`/model/${MODEL}/converse`);
    expect(req?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDFAKE\//);
    expect(req?.body.system[0].text).toMatch(/State only facts from the list given/);
    expect(req?.body.messages[0].content[0].text).toContain("(https://acme.io/news/berlin)");
    expect(req?.body.inferenceConfig).toEqual({ maxTokens: 800, temperature: 0.2 });
  });

  it("classifies from prose around the JSON", async () => {
    server.replies.push(
      converseReply(
        'Here you go: {"persona": "vp", "role": "champion", "confidence": 0.7, "rationale": "VP title"} Hope it helps.',
      ),
    );
    expect(
      await bedrock().classifyPersona({
        title: "VP Sales",
        company: "Acme",
        industry: "software",
        personas: [{ name: "vp", role: "champion", hint: "VP titles" }],
      }),
    ).toEqual({ persona: "vp", role: "champion", confidence: 0.7, rationale: "VP title" });
  });

  it("malformed JSON and a throttling storm are ModelErrors", async () => {
    server.replies.push(converseReply('{"body": "x", "groundedOn": [}'));
    await expect(bedrock().draftMessage(draftInput)).rejects.toThrow(/not valid JSON/);
    for (let i = 0; i < 4; i++)
      server.replies.push({
        status: 429,
        headers: { "x-amzn-errortype": "ThrottlingException" },
        body: { message: "Too many requests" },
      });
    const err = await bedrock()
      .draftMessage(draftInput)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toMatch(/Bedrock Converse failed: Too many requests/);
    // Throttled: it may pass, worth the run's retry (outreach-writer.ts).
    expect((err as ModelError).transient).toBe(true);
    expect(server.requests.length).toBe(3);
  });

  it("a call that gets no answer ends at its timeout, retries included, as a ModelError", async () => {
    // Accepts each request (HTTP/2, as the Bedrock runtime client speaks) and never answers.
    const hang = createServer();
    hang.on("stream", () => {});
    await new Promise<void>((resolve) => hang.listen(0, "127.0.0.1", resolve));
    const m = new BedrockModel({
      modelId: MODEL,
      timeoutMs: 300,
      client: new BedrockRuntimeClient({
        endpoint: `http://127.0.0.1:${(hang.address() as AddressInfo).port}`,
        region: "us-east-1",
        credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" },
        maxAttempts: 3,
      }),
    });
    try {
      const started = Date.now();
      const err = await m.draftMessage(draftInput).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelError);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      hang.close();
    }
  });
});
