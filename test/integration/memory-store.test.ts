/**
 * The memory store on DynamoDB Local: the per-account cap refuses a document whole, two writers of
 * one document id never mix their chunks, and vectors of another model are never compared.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoMemoryStore } from "../../shared/adapters/dynamo/memory-store.ts";
import { ConflictError } from "../../shared/domain/errors.ts";
import type { Embeddings } from "../../shared/kb/ports.ts";
import type { MemoryDoc } from "../../shared/kb/types.ts";
import { conceptEmbedding } from "../helpers/fake-embeddings.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";

let rt: TestRuntime;
beforeAll(async () => {
  rt = await startRuntime({ runWorkers: false });
});
afterAll(() => rt?.close());

const concepts = (modelId: string): Embeddings => ({
  modelId,
  embed: async (texts) => texts.map(conceptEmbedding),
});

function chunks(accountId: string, docId: string, texts: string[]): MemoryDoc[] {
  return texts.map((text, index) => ({
    docId: `${docId}#${index}`,
    accountId,
    kind: "note",
    title: docId,
    text,
    source: "test",
    at: "2026-03-10T14:00:00.000Z",
    chunk: { of: docId, index, count: texts.length },
  }));
}

describe("DynamoMemoryStore", () => {
  it("refuses a document that would pass the account's cap, whole, naming the limit", async () => {
    const store = new DynamoMemoryStore(rt.db, { maxChunksPerAccount: 4 });
    expect(await store.addDocument(chunks("capped", "a", ["one.", "two.", "three."]), "ha")).toEqual({
      created: true,
      embedded: false,
    });
    const err = await store.addDocument(chunks("capped", "b", ["four.", "five."]), "hb").catch((e) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.message).toMatch(/holds 3 chunks; this document adds 2 and the limit is 4/);
    expect(await store.search("capped", "five", 5)).toEqual([]);
    // Another account has its own allowance.
    expect((await store.addDocument(chunks("other", "b", ["four.", "five."]), "hb")).created).toBe(true);
  });

  it("agents' own notes may fill half the account's memory: a transcript still finds room", async () => {
    const store = new DynamoMemoryStore(rt.db, { maxChunksPerAccount: 6 });
    const note = (docId: string, texts: string[]) =>
      chunks("noted", docId, texts).map((c) => ({ ...c, source: "agent" }));
    expect((await store.addDocument(note("n1", ["one.", "two."]), "h1")).created).toBe(true);
    const err = await store.addDocument(note("n2", ["three.", "four."]), "h2").catch((e) => e);
    // Before: taken, and notes went on until the account's memory was full for good.
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.message).toMatch(
      /agents' notes .* hold 2 chunks; this note adds 2 and agents' notes may hold 3/,
    );
    const call = chunks("noted", "call", ["t1.", "t2.", "t3.", "t4."]);
    expect((await store.addDocument(call, "h3")).created).toBe(true);
  });

  it("two writers of one id at once: one document stored whole, the other refused, nothing mixed", async () => {
    const store = new DynamoMemoryStore(rt.db);
    const a = chunks("race", "same", ["alpha one.", "alpha two.", "alpha three."]);
    const b = chunks("race", "same", ["beta one.", "beta two."]);
    const results = await Promise.allSettled([
      store.addDocument(a, "hash-a"),
      store.addDocument(b, "hash-b"),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(
      results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason),
    ).toEqual([expect.any(ConflictError)]);
    const hits = [...(await store.search("race", "alpha", 10)), ...(await store.search("race", "beta", 10))];
    const kinds = new Set(hits.map((h) => h.doc.text.split(" ")[0]));
    expect(kinds.size).toBe(1);
    expect(hits).toHaveLength(kinds.has("alpha") ? 3 : 2);
  });

  it("vectors are compared only with the model that made them; others compete by keyword", async () => {
    const v1 = new DynamoMemoryStore(rt.db, { embeddings: concepts("concepts@v1") });
    await v1.addDocument(chunks("models", "pricey", ["The renewal looks expensive."]), "h1");
    expect((await v1.search("models", "worried about cost", 3))[0]?.match.cosine).toBeGreaterThan(0.5);
    const v2 = new DynamoMemoryStore(rt.db, { embeddings: concepts("concepts@v2") });
    expect(await v2.search("models", "worried about cost", 3)).toEqual([]);
    expect((await v2.search("models", "renewal", 3))[0]?.match).toEqual({ keyword: expect.any(Number) });
  });

  it("erasing a person named in a chunk redacts its text and drops its vector", async () => {
    const store = new DynamoMemoryStore(rt.db, { embeddings: concepts("concepts@v1") });
    await store.addDocument(chunks("erase", "call", ["Bob said that Jane Doe owns the budget."]), "h");
    expect((await store.search("erase", "money", 1))[0]?.match.cosine).toBeGreaterThan(0.5);
    const erasure = rt.deps.erasure;
    if (!erasure) throw new Error("the local runtime has an erasure store");
    await erasure.scrub({ personId: "erase-jane", names: ["Jane", "Doe"] });
    expect(await store.search("erase", "money", 1)).toEqual([]);
    const [hit] = await store.search("erase", "budget", 1);
    expect(hit?.doc.text).not.toMatch(/Jane|Doe/);
    expect(hit?.match).toEqual({ keyword: expect.any(Number) });
  });
});
