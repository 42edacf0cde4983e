/**
 * Keyword search over one account's memory: BM25 over a few hundred chunks (transcripts, threads,
 * notes). Finds "the call where they mentioned Salesforce"; meaning without shared words is the
 * embeddings' part (kb/hybrid-search.ts fuses both). Without an embeddings model this is the search.
 */
import type { MemoryDoc, MemoryHit, MemoryProvenance } from "./types.ts";

const STOP = new Set(
  "a an and are as at be by for from has have in is it its of on or our that the their this to was we were will with you your".split(
    " ",
  ),
);

export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 1 && !STOP.has(t));
}

const K1 = 1.2;
const B = 0.75;

/** The query's distinct terms, as BM25 and the excerpt see them. */
export const queryTerms = (query: string) => [...new Set(tokenize(query))];

/** BM25 score of each document for the query, in the documents' order (0: no term in common). */
export function bm25Scores(docs: MemoryDoc[], terms: string[]): number[] {
  if (terms.length === 0 || docs.length === 0) return docs.map(() => 0);
  const wanted = new Set(terms);
  // One pass per document: its length and how often each query term occurs in it.
  const stats = docs.map((d) => {
    const toks = tokenize(`${d.title} ${d.text}`);
    const tf = new Map<string, number>();
    for (const t of toks) if (wanted.has(t)) tf.set(t, (tf.get(t) ?? 0) + 1);
    return { length: toks.length, tf };
  });
  const avg = stats.reduce((s, d) => s + d.length, 0) / docs.length || 1;
  const df = new Map<string, number>();
  for (const t of terms) df.set(t, stats.filter((d) => d.tf.has(t)).length);
  return stats.map(({ length, tf: counts }) => {
    let score = 0;
    for (const t of terms) {
      const tf = counts.get(t) ?? 0;
      if (tf === 0) continue;
      const n = df.get(t) ?? 0;
      const idf = Math.log(1 + (docs.length - n + 0.5) / (n + 0.5));
      score += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * length) / avg));
    }
    return Number(score.toFixed(4));
  });
}

/** Keyword search alone: what memory search is without an embeddings model. */
export function searchDocs(docs: MemoryDoc[], query: string, limit: number): MemoryHit[] {
  const terms = queryTerms(query);
  const scores = bm25Scores(docs, terms);
  return docs
    .map((doc, i) => ({ doc, score: scores[i] ?? 0 }))
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || a.doc.docId.localeCompare(b.doc.docId))
    .slice(0, limit)
    .map(({ doc, score }) => memoryHit(doc, score, terms, { keyword: score }));
}

export function memoryHit(
  doc: MemoryDoc,
  score: number,
  terms: string[],
  match: MemoryHit["match"],
): MemoryHit {
  return { doc, score, excerpt: excerpt(doc.text, terms), provenance: provenanceOf(doc), match };
}

/** A hit's citation: a chunk names its document; a one-piece document is its own chunk 0 of 1. */
export function provenanceOf(doc: MemoryDoc): MemoryProvenance {
  return {
    docId: doc.chunk?.of ?? doc.docId,
    chunkIndex: doc.chunk?.index ?? 0,
    chunkCount: doc.chunk?.count ?? 1,
    source: doc.source,
    ...(doc.url ? { url: doc.url } : {}),
    ...(doc.sourceId ? { sourceId: doc.sourceId } : {}),
    ...(doc.author ? { author: doc.author } : {}),
    occurredAt: doc.at,
  };
}

/**
 * The sentence with the most query terms, so a packet carries the passage, not the whole transcript.
 * A hit found by meaning alone shares no term: it gets the chunk's first sentence.
 */
function excerpt(text: string, terms: string[]): string {
  const sentences = sentencesOf(text);
  let best = sentences[0] ?? "";
  let bestScore = -1;
  for (const s of sentences) {
    const toks = tokenize(s);
    const score = terms.filter((t) => toks.includes(t)).length;
    if (score > bestScore) {
      best = s;
      bestScore = score;
    }
  }
  return trimExcerpt(best);
}

export const sentencesOf = (text: string) => text.split(/(?<=[.!?])\s+/);
export const trimExcerpt = (s: string) => (s.length > 280 ? `${s.slice(0, 277)}...` : s);
