/**
 * The pure parts of memory by meaning: chunking with overlap, int8 vectors, and the fusion of cosine
 * and keyword ranks (kb/chunking.ts, kb/vectors.ts, kb/hybrid-search.ts).
 */
import { describe, expect, it } from "vitest";
import { chunkText } from "../../shared/kb/chunking.ts";
import { hybridSearch } from "../../shared/kb/hybrid-search.ts";
import { searchDocs } from "../../shared/kb/text-search.ts";
import type { MemoryDoc } from "../../shared/kb/types.ts";
import { cosine, normalize, quantize } from "../../shared/kb/vectors.ts";

const doc = (docId: string, text: string, extra: Partial<MemoryDoc> = {}): MemoryDoc => ({
  docId,
  accountId: "acme",
  kind: "note",
  title: "",
  text,
  source: "test",
  at: "2026-03-10T14:00:00.000Z",
  ...extra,
});

/** A deterministic pseudo-random generator, so the vector test is the same every run. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

describe("chunkText", () => {
  const sentences = Array.from(
    { length: 60 },
    (_, i) => `Sentence number ${i} talks about topic ${i % 7} at some length here.`,
  );
  const text = `${sentences.slice(0, 30).join(" ")}\n\n${sentences.slice(30).join(" ")}`;

  it("packs whole sentences up to the size, each chunk repeating the end of the one before", () => {
    const chunks = chunkText(text, { maxTokens: 60, overlapTokens: 20 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(240);
    // Every sentence is in some chunk, whole.
    for (const s of sentences) expect(chunks.some((c) => c.includes(s))).toBe(true);
    // Overlap: each chunk after the first starts with a sentence the previous chunk ended with.
    for (let i = 1; i < chunks.length; i++) {
      const firstSentence = (chunks[i] as string).split(/(?<=\.)\s+/)[0] as string;
      expect(chunks[i - 1]).toContain(firstSentence);
    }
  });

  it("keeps a paragraph break as a blank line, and cuts an over-long sentence between words", () => {
    const chunks = chunkText(text, { maxTokens: 400, overlapTokens: 0 });
    expect(chunks.some((c) => c.includes("here.\n\nSentence number 30"))).toBe(true);
    const long = Array.from({ length: 300 }, (_, i) => `word${i}`).join(" ");
    const cut = chunkText(long, { maxTokens: 50, overlapTokens: 0 });
    expect(cut.length).toBeGreaterThan(1);
    for (const c of cut) expect(c.length).toBeLessThanOrEqual(200);
    expect(cut.join(" ")).toBe(long);
  });

  it("a short text is one chunk; an empty one none", () => {
    expect(chunkText("One line.")).toEqual(["One line."]);
    expect(chunkText("  \n\n ")).toEqual([]);
  });
});

describe("int8 vectors", () => {
  it("rank by cosine as Float32 vectors do: error under 0.01 at 256 dimensions", () => {
    const r = rng(7);
    const q = Array.from({ length: 256 }, r);
    const unitQ = normalize(q);
    let worst = 0;
    for (let n = 0; n < 50; n++) {
      const v = Array.from({ length: 256 }, r).map((x, i) => x + (q[i] as number) * (n / 50));
      const exact = normalize(v).reduce((s, x, i) => s + x * (unitQ[i] as number), 0);
      worst = Math.max(worst, Math.abs((cosine(quantize(v), q) as number) - exact));
    }
    expect(worst).toBeLessThan(0.01);
  });

  it("a vector of another size is not compared; a zero vector has cosine 0", () => {
    expect(cosine(quantize([1, 0, 0]), [1, 0])).toBeUndefined();
    expect(cosine(quantize([0, 0]), [1, 0])).toBe(0);
  });
});

describe("hybridSearch (reciprocal-rank fusion)", () => {
  const docs = [
    doc("a", "They use Salesforce and want a cheaper renewal."),
    doc("b", "The CFO is uneasy about spending this year."),
    doc("c", "Security review is scheduled for May."),
    doc("d", "Lunch was nice."),
  ];

  it("finds by meaning what shares no keyword, and puts first what both rankings agree on", () => {
    // "cost worries": no term in common with b; a matches "cost" nowhere either; by cosine b and a are close.
    expect(searchDocs(docs, "cost worries", 5)).toEqual([]);
    const hits = hybridSearch(docs, "cost worries", [0.7, 0.9, 0.05, 0.1], 5);
    expect(hits.map((h) => h.doc.docId)).toEqual(["b", "a"]);
    expect(hits[0]?.match).toEqual({ cosine: 0.9 });
    // "salesforce": keyword rank 1 for a; cosine puts a second: a wins on both.
    const both = hybridSearch(docs, "salesforce", [0.5, 0.6, 0.1, 0.1], 5);
    expect(both[0]?.doc.docId).toBe("a");
    expect(both[0]?.match.keyword).toBeGreaterThan(0);
    expect(both[0]?.score).toBeGreaterThan(both[1]?.score as number);
  });

  it("a chunk without a vector competes by keyword; below the cosine floor nothing matches by meaning", () => {
    const hits = hybridSearch(docs, "security", [undefined, 0.1, undefined, 0.15], 5);
    expect(hits.map((h) => h.doc.docId)).toEqual(["c"]);
    expect(hits[0]?.match).toEqual({ keyword: expect.any(Number) });
  });

  it("cites the document and chunk a hit comes from", () => {
    const chunk = doc("call-1#2", "The CFO is uneasy about spending this year.", {
      chunk: { of: "call-1", index: 2, count: 4 },
      url: "https://rec.example/call-1",
      author: "root",
    });
    const [hit] = hybridSearch([chunk], "money worries", [0.8], 1);
    expect(hit?.provenance).toEqual({
      docId: "call-1",
      chunkIndex: 2,
      chunkCount: 4,
      source: "test",
      url: "https://rec.example/call-1",
      author: "root",
      occurredAt: "2026-03-10T14:00:00.000Z",
    });
  });
});
