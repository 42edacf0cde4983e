/**
 * The OpenAI-compatible adapter against a local fake of chat completions (node:http, 127.0.0.1): a
 * grounded draft, malformed JSON, 429 then success honouring Retry-After, a 500 storm, a server
 * without JSON mode, and the key kept out of errors.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { OpenAICompatibleModel, retryAfterMs } from "../../shared/adapters/model/openai-compatible-model.ts";
import { createModel } from "../../shared/adapters/model/select.ts";
import { ModelError } from "../../shared/agents/ports.ts";
import {
  chatReply,
  draftInput,
  type FakeModelServer,
  startFakeOpenAI,
} from "../helpers/fake-model-servers.ts";

const KEY = "sk-test-very-secret-0123456789";
let server: FakeModelServer;
const waits: number[] = [];
const model = (extra: Partial<ConstructorParameters<typeof OpenAICompatibleModel>[0]> = {}) =>
  new OpenAICompatibleModel({
    baseUrl: server.url,
    model: "llama3.1:8b",
    apiKey: KEY,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...extra,
  });

beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(() => server.close());
afterEach(() => {
  server.requests.length = 0;
  server.replies.length = 0;
  waits.length = 0;
});

describe("OpenAI-compatible model", () => {
  it("drafts through chat completions in JSON mode, names the model, keeps only citations among the facts", async () => {
    server.replies.push(
      chatReply({
        subject: "Berlin",
        body: "Hi Jane, congrats on Berlin.",
        groundedOn: ["https://acme.io/news/berlin", "https://invented.example/x"],
      }),
    );
    const m = model();
    expect(m.modelId).toBe("openai-compatible:llama3.1:8b");
    const draft = await m.draftMessage(draftInput);
    expect(draft).toEqual({
      subject: "Berlin",
      body: "Hi Jane, congrats on Berlin.",
      groundedOn: ["https://acme.io/news/berlin"],
    });
    const req = server.requests[0];
    expect(req?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req?.body).toMatchObject({ model: "llama3.1:8b", response_format: { type: "json_object" } });
    expect(req?.body.messages[0].content).toMatch(/State only facts from the list given/);
    expect(req?.body.messages[1].content).toContain(
      "- Acme raised a Series B. (https://acme.io/news/series-b)",
    );
  });

  it("reads JSON out of a fenced block with leading prose", async () => {
    server.replies.push(
      chatReply(
        'Sure! Here is the draft:\n```json\n{"subject": "Hi", "body": "Body with a } brace", "groundedOn": []}\n```',
      ),
    );
    expect((await model().draftMessage(draftInput)).body).toBe("Body with a } brace");
  });

  it("malformed JSON or a field the schema refuses is a ModelError naming the problem", async () => {
    server.replies.push(chatReply('{"subject": "Hi", "body": "unterminated'));
    await expect(model().draftMessage(draftInput)).rejects.toThrow(/not valid JSON/);
    server.replies.push(chatReply({ subject: "Hi", groundedOn: [] }));
    const err = await model()
      .draftMessage(draftInput)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toMatch(/body:/);
    // An answer it cannot read: asking again would not help (outreach-writer.ts).
    expect((err as ModelError).transient).toBe(false);
    server.replies.push(chatReply("I cannot help with that."));
    await expect(model().draftMessage(draftInput)).rejects.toThrow(/no JSON object/);
  });

  it("429 then success: waits what Retry-After asks, then answers", async () => {
    server.replies.push({ status: 429, headers: { "retry-after": "2" }, body: { error: "slow down" } });
    const draft = await model().draftMessage(draftInput);
    expect(draft.groundedOn).toEqual(["https://acme.io/news/berlin"]);
    expect(server.requests).toHaveLength(2);
    expect(waits).toEqual([2000]);
  });

  it("a 500 storm: bounded attempts, then a ModelError without the key", async () => {
    for (let i = 0; i < 10; i++) server.replies.push({ status: 500, body: `upstream ${KEY} exploded` });
    const err = await model({ maxAttempts: 3 })
      .classifyPersona({ title: "Head of Growth", company: "Acme", industry: "software", personas: [] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toMatch(/HTTP 500/);
    expect((err as ModelError).transient).toBe(true);
    expect((err as Error).message).not.toContain(KEY);
    expect(server.requests).toHaveLength(3);
    expect(waits).toEqual([500, 1000]);
  });

  it("a Retry-After beyond the bound fails at once instead of hanging the agent", async () => {
    server.replies.push({ status: 503, headers: { "retry-after": "3600" }, body: {} });
    await expect(model({ maxRetryDelayMs: 5000 }).draftMessage(draftInput)).rejects.toThrow(/beyond/);
    expect(server.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it("a 401 is not retried", async () => {
    server.replies.push({ status: 401, body: { error: { message: "bad key" } } });
    const err = await model()
      .draftMessage(draftInput)
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/HTTP 401/);
    expect((err as ModelError).transient).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it("a refusal that quotes the prompt (names, facts) is not carried into the error; one that does not is", async () => {
    // As a validating proxy answers: the request's input quoted back.
    server.replies.push({
      status: 422,
      body: {
        detail: [
          {
            type: "string_too_long",
            msg: "input too long",
            input_value:
              "recipient Jane Doe, VP Sales at Acme. Acme opened a Berlin office. Acme raised a Series B.",
          },
        ],
      },
    });
    const quoted = await model()
      .draftMessage(draftInput)
      .catch((e: Error) => e);
    expect(quoted).toBeInstanceOf(ModelError);
    expect((quoted as Error).message).toMatch(/HTTP 422 \(its message quotes the request: left out\)/);
    expect((quoted as Error).message).not.toMatch(/Berlin|Series B/);
    server.replies.push({
      status: 400,
      body: { error: { message: "model not loaded; write ops@example.com" } },
    });
    const plain = await model()
      .draftMessage(draftInput)
      .catch((e: Error) => e);
    expect((plain as Error).message).toMatch(/HTTP 400 .*model not loaded; write \[address\]/);
  });

  it("a server that refuses response_format is asked again without it, and remembered", async () => {
    server.replies.push({ status: 400, body: { error: { message: "Unknown field: response_format" } } });
    const m = model();
    await m.draftMessage(draftInput);
    await m.draftMessage(draftInput);
    expect(server.requests.map((r) => "response_format" in r.body)).toEqual([true, false, false]);
  });

  it("no key, no authorization header; a key read lazily (a secret store) is read once", async () => {
    await createModel({ provider: "openai-compatible", baseUrl: server.url, model: "m" }).draftMessage(
      draftInput,
    );
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
    let reads = 0;
    const m = model({
      apiKey: async () => {
        reads++;
        return "from-secret";
      },
    });
    await m.draftMessage(draftInput);
    await m.draftMessage(draftInput);
    expect(reads).toBe(1);
    expect(server.requests[2]?.headers.authorization).toBe("Bearer from-secret");
  });

  it("an unreachable server is a ModelError after its attempts", async () => {
    const m = new OpenAICompatibleModel({
      baseUrl: "http://127.0.0.1:9/v1",
      model: "m",
      maxAttempts: 2,
      sleep: async () => {},
    });
    const err = await m.draftMessage(draftInput).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).transient).toBe(true);
  });

  it("Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-03-10T14:00:00Z");
    expect(retryAfterMs("3", now)).toBe(3000);
    expect(retryAfterMs("Tue, 10 Mar 2026 14:00:05 GMT", now)).toBe(5000);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs("soon", now)).toBeUndefined();
  });
});
