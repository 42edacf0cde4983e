/**
 * Memory by meaning through the local server (POST /v1/memory, GET /v1/memory/search, the context
 * packet and the MCP search_memory tool), with an OpenAI-compatible embeddings model played by a fake
 * server whose embedding puts paraphrases close (test/helpers/fake-embeddings.ts); and the same
 * without a model: keyword search as before.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAICompatibleEmbeddings } from "../../shared/adapters/embeddings/openai-compatible.ts";
import { type FakeEmbeddingsServer, startFakeEmbeddings } from "../helpers/fake-embeddings.ts";
import { startRuntime } from "../helpers/runtime.ts";
import { expectStatus, type Harness, seedAccount, startHarness } from "./helpers/harness.ts";
import { callTool, connectHttp } from "./helpers/mcp.ts";

/** A call transcript, long enough for several chunks; the pricing worry is in its middle. */
const TRANSCRIPT = [
  "Sam opened the call and walked through the agenda for the quarterly review with the Acme team.",
  Array.from(
    { length: 14 },
    (_, i) =>
      `Item ${i + 1} of the rollout checklist was reviewed line by line and marked as done by the operations group.`,
  ).join(" "),
  "Their finance lead was uneasy: the budget is tight this year and the renewal looks expensive next to what they spend today.",
  Array.from(
    { length: 14 },
    (_, i) =>
      `Dashboard ${i + 1} was shown to the regional managers, who asked for a weekly export of the forecast view.`,
  ).join(" "),
].join("\n\n");
/** Shares no word with the transcript: found by meaning only. */
const PARAPHRASE = "nervous about price";

const transcript = {
  accountId: "acme",
  kind: "transcript",
  id: "call-2026-03-09",
  title: "Quarterly review with Acme",
  text: TRANSCRIPT,
  source: { system: "gong", url: "https://gong.example/calls/123", id: "123" },
  occurredAt: "2026-03-09T16:00:00Z",
};

let fake: FakeEmbeddingsServer;
let h: Harness;
let plain: Harness;
beforeAll(async () => {
  fake = await startFakeEmbeddings();
  const embeddings = new OpenAICompatibleEmbeddings({
    baseUrl: fake.url,
    model: "concepts",
    retry: { baseDelayMs: 1 },
  });
  [h, plain] = await Promise.all([
    startRuntime({ embeddings }).then((rt) => startHarness(rt)),
    startHarness(),
  ]);
  await Promise.all([seedAccount(h, "acme"), seedAccount(plain, "acme")]);
});
afterAll(async () => {
  await Promise.all([h?.close(), plain?.close()]);
  await fake?.close();
});

const search = (x: Harness, query: string, token = x.admin, accountId = "acme") =>
  x.call("GET", `/v1/memory/search?accountId=${accountId}&query=${encodeURIComponent(query)}&limit=3`, token);

describe("POST /v1/memory and search by meaning", () => {
  it("a transcript is found by a paraphrase that shares no keyword with it, cited to its chunk", async () => {
    const added = expectStatus(await h.call("POST", "/v1/memory", h.admin, transcript), 201);
    expect(added).toMatchObject({ docId: "call-2026-03-09", embedded: true, replay: false });
    expect(added.chunks).toBeGreaterThan(2);
    await h.call("POST", "/v1/memory", h.admin, {
      accountId: "acme",
      kind: "note",
      text: "Security audit and compliance questions go to their CISO.",
      source: { system: "crm" },
    });

    const { items } = expectStatus(await search(h, PARAPHRASE), 200);
    const top = items[0];
    expect(top.excerpt).toContain("finance lead was uneasy");
    expect(top.match.keyword).toBeUndefined();
    expect(top.match.cosine).toBeGreaterThan(0.4);
    expect(top.provenance).toEqual({
      docId: "call-2026-03-09",
      chunkIndex: expect.any(Number),
      chunkCount: added.chunks,
      source: "gong",
      url: "https://gong.example/calls/123",
      sourceId: "123",
      author: "root",
      occurredAt: "2026-03-09T16:00:00Z",
    });
    expect(top.provenance.chunkIndex).toBeGreaterThan(0);
    // The security note is not a match for money worries.
    expect(items.some((i: { doc: { kind: string } }) => i.doc.kind === "note")).toBe(false);

    // The context packet carries the same passage, cited.
    const packet = expectStatus(
      await h.call("GET", `/v1/context?accountId=acme&query=${encodeURIComponent(PARAPHRASE)}`, h.admin),
      200,
    );
    const memory = packet.items.find((i: { kind: string }) => i.kind === "memory");
    expect(memory.text).toContain("finance lead was uneasy");
    expect(memory.provenance).toMatchObject({
      source: expect.stringMatching(/^gong: transcript by [\w:.@-]+ \(call-2026-03-09, part \d+ of \d+\)$/),
      url: "https://gong.example/calls/123",
    });
  });

  it("the same document again is a replay; its id with other content is a conflict", async () => {
    const before = fake.requests.length;
    expect(expectStatus(await h.call("POST", "/v1/memory", h.admin, transcript), 200)).toMatchObject({
      docId: "call-2026-03-09",
      replay: true,
    });
    // A replay pays for no embeddings.
    expect(fake.requests.length).toBe(before);
    const other = await h.call("POST", "/v1/memory", h.admin, { ...transcript, text: "Something else." });
    expect(other.status).toBe(409);
    expect(other.body.message).toMatch(/already exists with other content/);
  });

  it("bad input is a 400 naming the field, and nothing is written or embedded", async () => {
    const before = fake.requests.length;
    const cases: [Record<string, unknown>, string][] = [
      [{ ...transcript, id: "x1", kind: "memo" }, "kind"],
      [{ ...transcript, id: "x2", text: "   " }, "text"],
      [{ ...transcript, id: "x3", text: "a".repeat(60_001) }, "text"],
      [{ ...transcript, id: "x4", source: { system: "gong", url: "not a url" } }, "source.url"],
      [{ ...transcript, id: "x5", occurredAt: "yesterday" }, "occurredAt"],
      [{ ...transcript, id: "x6", accountId: "acme/../x" }, "accountId"],
      [{ ...transcript, id: "x7", extra: 1 }, ""],
    ];
    for (const [body, path] of cases) {
      const res = await h.call("POST", "/v1/memory", h.admin, body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    expect(fake.requests.length).toBe(before);
    const { items } = expectStatus(await search(h, "checklist rollout"), 200);
    expect(
      items.every((i: { provenance: { docId: string } }) => i.provenance.docId === "call-2026-03-09"),
    ).toBe(true);
    expect(
      expectStatus(await h.call("POST", "/v1/memory", h.admin, { ...transcript, accountId: "nope" }), 404),
    );
  });

  it("an agent adds its own notes only: not another agent's, not a transcript; a viewer adds nothing", async () => {
    const writer = await h.agent("outreach-writer");
    const note = {
      accountId: "acme",
      kind: "note",
      text: "Jane prefers short emails.",
      source: { system: "agent" },
    };
    const own = expectStatus(await h.call("POST", "/v1/memory", writer, note), 201);
    const forged = await h.call("POST", "/v1/memory", writer, { ...note, author: "persona-classifier" });
    expect(forged.status).toBe(403);
    expect(forged.body.message).toMatch(/only its own notes, not persona-classifier's/);
    // Nor a note that passes as a system of record's (a "Gong call", linked to Gong): refused, naming it.
    const spoofed = await h.call("POST", "/v1/memory", writer, {
      ...note,
      title: "Call transcript: CFO approved budget",
      source: { system: "gong", url: "https://app.gong.io/call?id=1" },
    });
    expect(spoofed.status).toBe(403);
    expect(spoofed.body.message).toMatch(/source\.system must be "agent", not "gong"/);
    // It may cite where it read something.
    expectStatus(
      await h.call("POST", "/v1/memory", writer, {
        ...note,
        text: "Their careers page lists three open sales roles.",
        source: { system: "agent", url: "https://acme.io/careers" },
      }),
      201,
    );
    const packet = expectStatus(
      await h.call(
        "GET",
        `/v1/context?accountId=acme&query=${encodeURIComponent("open sales roles")}`,
        writer,
      ),
      200,
    );
    const cited = packet.items.find(
      (i: { kind: string; text: string }) => i.kind === "memory" && /open sales roles/.test(i.text),
    );
    // The context packet says whose note it is, as the search does.
    expect(cited?.provenance.source).toMatch(/^agent: note by outreach-writer \(/);
    expect((await h.call("POST", "/v1/memory", writer, { ...transcript, id: "t-by-agent" })).status).toBe(
      403,
    );
    expect((await h.call("POST", "/v1/memory", h.viewer, note)).status).toBe(403);
    // Another agent reusing the writer's document id is refused too: the id is taken by other content.
    const other = await h.agent("persona-classifier");
    expect((await h.call("POST", "/v1/memory", other, { ...note, id: own.docId })).status).toBe(409);

    const { items } = expectStatus(await search(h, "short emails", writer), 200);
    expect(items[0].provenance).toMatchObject({
      docId: own.docId,
      author: "outreach-writer",
      source: "agent",
    });
  });

  it("an embeddings outage neither loses a write nor fails a search: both fall back to keyword", async () => {
    fake.failNext(100, 503);
    const added = expectStatus(
      await h.call("POST", "/v1/memory", h.admin, {
        accountId: "acme",
        kind: "email_thread",
        text: "Procurement asked for the invoice in euros.",
        source: { system: "gmail", id: "thread-9" },
      }),
      201,
    );
    expect(added.embedded).toBe(false);
    const { items } = expectStatus(await search(h, "invoice euros"), 200);
    expect(items[0].provenance.sourceId).toBe("thread-9");
    expect(items[0].match).toEqual({ keyword: expect.any(Number) });
    fake.failNext(0, 200);
  });

  it("MCP search_memory results carry the provenance", async () => {
    const client = await connectHttp(h.server.url, await h.agent("outreach-writer"));
    try {
      const r = await callTool(client, "search_memory", { accountId: "acme", query: PARAPHRASE });
      expect(r.isError, r.text).toBe(false);
      expect(r.json.items[0].provenance).toMatchObject({ docId: "call-2026-03-09", source: "gong" });
    } finally {
      await client.close();
    }
  });
});

describe("without an embeddings model", () => {
  it("memory search is keyword search, as before: the paraphrase finds nothing, a shared word does", async () => {
    const added = expectStatus(await plain.call("POST", "/v1/memory", plain.admin, transcript), 201);
    expect(added.embedded).toBe(false);
    expect(expectStatus(await search(plain, PARAPHRASE), 200).items).toEqual([]);
    const { items } = expectStatus(await search(plain, "renewal expensive"), 200);
    expect(items[0].excerpt).toContain("finance lead was uneasy");
    expect(items[0].match).toEqual({ keyword: items[0].score });
  });
});
