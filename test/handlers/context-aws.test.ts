/**
 * Context packets and memory by meaning in AWS (issue 12, items 1 and 4), through the deployed
 * handlers with API Gateway HTTP API (payload v2) events as the IAM authorizer delivers them:
 * - GET /v1/context on the knowledge API function, and /mcp's get_context, give an agent its packet,
 *   each item with its provenance (both were a 404 in AWS: no knowledge reader was wired);
 * - with the embeddings environment the CDK app sets (EMBEDDINGS_*), pointed at the local fake
 *   embeddings server, a transcript is found by a paraphrase sharing no word with it, through both.
 */
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHandler } from "../../functions/api/mcp.ts";
import { TITAN_V2, TitanEmbeddings } from "../../shared/adapters/embeddings/bedrock-titan.ts";
import { OpenAICompatibleEmbeddings } from "../../shared/adapters/embeddings/openai-compatible.ts";
import { KNOWLEDGE_TABLE } from "../../shared/http/groups/knowledge.ts";
import type { AwsRuntime } from "../../shared/runtime/aws.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import { awsEmbeddings } from "../../shared/runtime/aws-embeddings.ts";
import { memoryWith } from "../../shared/runtime/aws-memory.ts";
import {
  type FakeEmbeddingsServer,
  startFakeEmbeddings,
  startFakeTitan,
} from "../helpers/fake-embeddings.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { seedAcme } from "../helpers/world.ts";
import { apiEvent, awsRuntimeFor, lambdaContext } from "./lambda.ts";

let rt: TestRuntime;
let fake: FakeEmbeddingsServer;
beforeAll(async () => {
  [rt, fake] = await Promise.all([startRuntime({ runWorkers: false }), startFakeEmbeddings()]);
  await Promise.all([
    seedAcme(rt.deps, "ctx-acme"),
    seedAcme(rt.deps, "vec-acme"),
    seedAcme(rt.deps, "ctx-other"),
  ]);
});
afterAll(async () => {
  await fake?.close();
  await rt?.close();
});

const AGENT = "h-writer";
const ctx = lambdaContext("dev-harness-api-knowledge");

/** The captured IAM event, re-pointed at a route of the knowledge function or at /mcp. */
function iamEvent(method: "GET" | "POST", path: string, query?: Record<string, string>, body?: unknown) {
  const e = apiEvent(method, path, { agent: AGENT }, query, body);
  if (path === "/mcp") {
    e.headers.accept = "application/json, text/event-stream";
    e.headers["mcp-protocol-version"] = "2025-06-18";
  }
  return e;
}

async function mcpTool(runtime: () => AwsRuntime, name: string, args: unknown) {
  const mcp = makeHandler(runtime);
  const message = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } };
  const res = await mcp(iamEvent("POST", "/mcp", undefined, message), lambdaContext("dev-harness-api-mcp"));
  expect(res.statusCode, res.body).toBe(200);
  const result = JSON.parse(res.body).result as { isError?: boolean; content: { text: string }[] };
  expect(result.isError, result.content[0]?.text).toBeFalsy();
  return JSON.parse(result.content[0]?.text ?? "null");
}

interface Packet {
  target: { accountId: string };
  items: { kind: string; text: string; provenance: { source: string; at: string } }[];
}

function expectPacket(packet: Packet, accountId: string) {
  expect(packet.target.accountId).toBe(accountId);
  const kinds = packet.items.map((i) => i.kind);
  expect(kinds).toEqual(expect.arrayContaining(["account", "signal"]));
  for (const item of packet.items) {
    expect(item.provenance.source, item.kind).toEqual(expect.any(String));
    expect(Date.parse(item.provenance.at), item.kind).not.toBeNaN();
  }
}

describe("GET /v1/context in AWS (keyword-only deployment)", () => {
  const runtime = () => awsRuntimeFor(rt, { extras: { memory: memoryWith(undefined) } });

  it("an agent gets its context packet with provenance from the knowledge function and from /mcp", async () => {
    const api = apiHandler(KNOWLEDGE_TABLE, runtime);
    const query = { accountId: "ctx-acme", personId: "ctx-acme-jane", budgetTokens: "800" };
    const res = await api(iamEvent("GET", "/v1/context", query), ctx);
    expect(res.statusCode, res.body).toBe(200);
    const packet = JSON.parse(res.body) as Packet;
    expectPacket(packet, "ctx-acme");
    expect(packet.items.find((i) => i.kind === "account")?.provenance.source).toBeTruthy();

    const viaMcp = (await mcpTool(runtime, "get_context", {
      accountId: "ctx-acme",
      personId: "ctx-acme-jane",
      budgetTokens: 800,
    })) as Packet;
    expectPacket(viaMcp, "ctx-acme");
    // The same reader behind both doors: the same items.
    expect(viaMcp.items.map((i) => i.text)).toEqual(packet.items.map((i) => i.text));
    expect(packet.items.filter((i) => i.kind === "person")).toHaveLength(1);

    // Another account's person beside this account's facts: left out, not mixed in.
    const mixed = await api(
      iamEvent("GET", "/v1/context", {
        accountId: "ctx-acme",
        personId: "ctx-other-jane",
        budgetTokens: "800",
      }),
      ctx,
    );
    expect(mixed.statusCode, mixed.body).toBe(200);
    expect((JSON.parse(mixed.body) as Packet).items.filter((i) => i.kind === "person")).toEqual([]);
  });
});

/** Shares no word with the transcript below: only an embeddings model finds it. */
const PARAPHRASE = "nervous about price";
const TRANSCRIPT =
  "Their finance lead was uneasy: the budget is tight this year and the renewal looks expensive.";

describe("memory by meaning in AWS (EMBEDDINGS_* environment)", () => {
  it("a transcript added through the knowledge function is found by a paraphrase, there and over /mcp", async () => {
    const embeddings = awsEmbeddings({
      EMBEDDINGS_PROVIDER: "openai-compatible",
      EMBEDDINGS_BASE_URL: fake.url,
      EMBEDDINGS_MODEL: "concepts",
    });
    expect(embeddings?.modelId).toBe("openai-compatible:concepts");
    const runtime = () => awsRuntimeFor(rt, { extras: { memory: memoryWith(embeddings) } });
    const api = apiHandler(KNOWLEDGE_TABLE, runtime);
    // The admin route adds transcripts; the agent may add its own note, which is what the IAM role does here.
    const added = await api(
      iamEvent("POST", "/v1/memory", undefined, {
        accountId: "vec-acme",
        kind: "note",
        text: TRANSCRIPT,
        source: { system: "agent" },
      }),
      ctx,
    );
    expect(added.statusCode, added.body).toBe(201);
    expect(JSON.parse(added.body)).toMatchObject({ embedded: true });

    const found = await api(
      iamEvent("GET", "/v1/memory/search", { accountId: "vec-acme", query: PARAPHRASE }),
      ctx,
    );
    expect(found.statusCode, found.body).toBe(200);
    const items = JSON.parse(found.body).items as { excerpt: string; match: { cosine?: number } }[];
    expect(items[0]?.excerpt).toContain("finance lead was uneasy");
    expect(items[0]?.match.cosine).toBeGreaterThan(0.5);

    const viaMcp = await mcpTool(runtime, "search_memory", { accountId: "vec-acme", query: PARAPHRASE });
    expect(JSON.stringify(viaMcp)).toContain("finance lead was uneasy");

    // Without the model (a keyword-only deployment) the paraphrase finds nothing: the match was by meaning.
    const plain = apiHandler(KNOWLEDGE_TABLE, () =>
      awsRuntimeFor(rt, { extras: { memory: memoryWith(undefined) } }),
    );
    const none = await plain(
      iamEvent("GET", "/v1/memory/search", { accountId: "vec-acme", query: PARAPHRASE }),
      ctx,
    );
    expect(JSON.parse(none.body).items).toEqual([]);
  });

  it("an embeddings server that never answers costs a search its budget, then keyword search answers", async () => {
    const { createServer } = await import("node:http");
    // Takes the request and never answers, as a hung server does.
    const hung = createServer(() => {});
    await new Promise<void>((r) => hung.listen(0, "127.0.0.1", r));
    const port = (hung.address() as { port: number }).port;
    try {
      const embeddings = awsEmbeddings({
        EMBEDDINGS_PROVIDER: "openai-compatible",
        EMBEDDINGS_BASE_URL: `http://127.0.0.1:${port}/v1`,
        EMBEDDINGS_MODEL: "concepts",
      });
      const api = apiHandler(KNOWLEDGE_TABLE, () =>
        awsRuntimeFor(rt, { extras: { memory: memoryWith(embeddings) } }),
      );
      const started = Date.now();
      const found = await api(
        iamEvent("GET", "/v1/memory/search", { accountId: "vec-acme", query: "finance lead" }),
        ctx,
      );
      // Before, 3 attempts of 30 s each: the function (29 s) died first and the agent got a 500.
      expect(found.statusCode, found.body).toBe(200);
      expect(JSON.parse(found.body).items[0]?.excerpt).toContain("finance lead was uneasy");
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      hung.closeAllConnections();
      await new Promise<void>((r) => hung.close(() => r()));
    }
  }, 30_000);

  it("no EMBEDDINGS_PROVIDER: keyword search; a bad variable is named; lazy ids are the adapters' own", () => {
    expect(awsEmbeddings({})).toBeUndefined();
    // Vectors are tagged with the model id before the adapter is loaded: it must be the adapter's.
    const titan = {
      EMBEDDINGS_PROVIDER: "bedrock",
      EMBEDDINGS_MODEL: TITAN_V2,
      EMBEDDINGS_DIMENSIONS: "512",
    };
    expect(awsEmbeddings(titan)?.modelId).toBe(
      new TitanEmbeddings({ modelId: TITAN_V2, dimensions: 512 }).modelId,
    );
    const openai = { baseUrl: fake.url, model: "m", dimensions: 64 };
    expect(
      awsEmbeddings({
        EMBEDDINGS_PROVIDER: "openai-compatible",
        EMBEDDINGS_BASE_URL: openai.baseUrl,
        EMBEDDINGS_MODEL: openai.model,
        EMBEDDINGS_DIMENSIONS: "64",
      })?.modelId,
    ).toBe(new OpenAICompatibleEmbeddings(openai).modelId);
    expect(() =>
      awsEmbeddings({ EMBEDDINGS_PROVIDER: "bedrock", EMBEDDINGS_MODEL: "m", EMBEDDINGS_DIMENSIONS: "300" }),
    ).toThrow(/EMBEDDINGS_DIMENSIONS/);
    expect(() => awsEmbeddings({ EMBEDDINGS_PROVIDER: "openai-compatible", EMBEDDINGS_MODEL: "m" })).toThrow(
      /EMBEDDINGS_BASE_URL/,
    );
  });

  it("Bedrock: the lazily loaded Titan client asks and answers as the Titan adapter does (fake Titan)", async () => {
    const titan = await startFakeTitan();
    // The SDK's own endpoint override and fake credentials: the deployed code passes neither.
    const fakeEnv = {
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: titan.url,
      AWS_ACCESS_KEY_ID: "AKIDFAKE",
      AWS_SECRET_ACCESS_KEY: "fake",
    };
    const before = Object.fromEntries(Object.keys(fakeEnv).map((k) => [k, process.env[k]]));
    Object.assign(process.env, fakeEnv);
    try {
      const lazy = awsEmbeddings({
        EMBEDDINGS_PROVIDER: "bedrock",
        EMBEDDINGS_MODEL: TITAN_V2,
        EMBEDDINGS_DIMENSIONS: "256",
        AWS_REGION: "us-east-1",
      });
      const texts = ["budget worries", "security audit", "hiring"];
      const got = await lazy?.embed(texts);
      const asked = titan.requests.map((r) => r.body);
      titan.requests.length = 0;
      const want = await new TitanEmbeddings({
        dimensions: 256,
        client: new BedrockRuntimeClient({
          region: "us-east-1",
          endpoint: titan.url,
          credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" },
        }),
      }).embed(texts);
      expect(got).toEqual(want);
      // Four calls in flight: the same requests, in any order.
      const byText = (a: { inputText: string }, b: { inputText: string }) =>
        a.inputText.localeCompare(b.inputText);
      expect(asked.sort(byText)).toEqual(titan.requests.map((r) => r.body).sort(byText));
      titan.failNext(5, 500);
      await expect(lazy?.embed(["cost"])).rejects.toThrow(/bedrock:amazon.titan-embed-text-v2:0@256/);
    } finally {
      for (const [k, v] of Object.entries(before))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      await titan.close();
    }
  });
});
