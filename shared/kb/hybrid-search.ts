/**
 * Memory search by meaning and by keyword at once: reciprocal-rank fusion (RRF) of the cosine ranking
 * and the BM25 ranking. Ranks, not scores, are fused because the two scales share nothing: BM25 is
 * unbounded and grows with the account's vocabulary, and cosines of one model bunch in a narrow band
 * that differs from model to model (Titan v2 and a small local model disagree on what 0.4 means). A
 * weighted sum would need weights tuned per model and per corpus; RRF needs none, and a chunk both
 * rankings put near the top wins, which is what a person searching expects.
 */
import { bm25Scores, memoryHit, queryTerms, sentencesOf, trimExcerpt } from "./text-search.ts";
import type { MemoryDoc, MemoryHit } from "./types.ts";

export interface HybridOptions {
  /** RRF's damping constant: 60, as in Cormack, Clarke and Büttcher (SIGIR 2009). @default 60 */
  k?: number;
  /**
   * Below this cosine a chunk is not a match by meaning (it may still match by keyword): nearest
   * neighbours always exist, and an unrelated note should not fill a context packet. @default 0.2
   */
  minCosine?: number;
  /** How many of the closest chunks take part in the fusion. @default 20 */
  vectorDepth?: number;
}

export const DEFAULT_MIN_COSINE = 0.2;

/**
 * `cosines[i]` is document i's similarity to the query, undefined where it has no vector (written
 * while the model was down, or by another model): such a document competes by keyword only.
 */
export function hybridSearch(
  docs: MemoryDoc[],
  query: string,
  cosines: readonly (number | undefined)[],
  limit: number,
  options: HybridOptions = {},
): MemoryHit[] {
  const k = options.k ?? 60;
  const terms = queryTerms(query);
  const keyword = bm25Scores(docs, terms);
  const fused = new Map<number, number>();
  const add = (order: number[]) => {
    for (const [rank, docIndex] of order.entries())
      fused.set(docIndex, (fused.get(docIndex) ?? 0) + 1 / (k + rank + 1));
  };
  add(rankBy(keyword, (s) => s > 0));
  add(
    rankBy(cosines, (c) => c >= (options.minCosine ?? DEFAULT_MIN_COSINE)).slice(
      0,
      options.vectorDepth ?? 20,
    ),
  );
  // Ranked first, then only the hits returned are built (their excerpts cost a pass over the text).
  const docId = (i: number) => (docs[i] as MemoryDoc).docId;
  return [...fused.entries()]
    .sort((a, b) => b[1] - a[1] || docId(a[0]).localeCompare(docId(b[0])))
    .slice(0, limit)
    .map(([i, score]) => {
      const kw = keyword[i] ?? 0;
      const cos = cosines[i];
      return memoryHit(docs[i] as MemoryDoc, Number(score.toFixed(6)), terms, {
        ...(kw > 0 ? { keyword: kw } : {}),
        ...(cos !== undefined ? { cosine: Number(cos.toFixed(4)) } : {}),
      });
    });
}

/** Indexes of the values that pass, best first (ties: earlier document first, for stable answers). */
function rankBy(values: readonly (number | undefined)[], passes: (v: number) => boolean): number[] {
  return values
    .flatMap((v, i) => (v !== undefined && passes(v) ? [{ v, i }] : []))
    .sort((a, b) => b.v - a.v || a.i - b.i)
    .map((x) => x.i);
}

/** Sentences per hit whose vectors an excerpt by meaning may ask for (bounds the extra call). */
export const EXCERPT_SENTENCES = 16;

/**
 * Hits found by meaning alone share no word with the query, so the keyword excerpt would be the
 * chunk's first sentence, often the overlap from the chunk before. These are the sentences to embed
 * to pick the closest one instead: [hit index, its sentences].
 */
export function sentencesToPlace(hits: MemoryHit[]): [number, string[]][] {
  return hits.flatMap((h, i): [number, string[]][] =>
    h.match.keyword === undefined && h.match.cosine !== undefined
      ? [[i, sentencesOf(h.doc.text).slice(0, EXCERPT_SENTENCES)]]
      : [],
  );
}

/** The hits with each placed excerpt set to its sentence closest to the query. */
export function placeExcerpts(
  hits: MemoryHit[],
  places: [number, string[]][],
  similarity: (sentence: string) => number | undefined,
): MemoryHit[] {
  const out = [...hits];
  for (const [i, sentences] of places) {
    let best: string | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const s of sentences) {
      const score = similarity(s);
      if (score !== undefined && score > bestScore) {
        best = s;
        bestScore = score;
      }
    }
    const hit = out[i];
    if (hit && best !== undefined) out[i] = { ...hit, excerpt: trimExcerpt(best) };
  }
  return out;
}
