/**
 * Full-text search for the local semantic memory: BM25 over a handful of documents (one account's
 * transcripts, threads and notes). Good enough to find "the call where they mentioned Salesforce";
 * in AWS the Embeddings port adds vector similarity.
 */
import type { MemoryDoc, MemoryHit } from "./types.ts";

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

export function searchDocs(docs: MemoryDoc[], query: string, limit: number): MemoryHit[] {
  const terms = [...new Set(tokenize(query))];
  if (terms.length === 0 || docs.length === 0) return [];
  const tokenized = docs.map((d) => tokenize(`${d.title} ${d.text}`));
  const avg = tokenized.reduce((s, t) => s + t.length, 0) / docs.length || 1;
  const df = new Map<string, number>();
  for (const t of terms) df.set(t, tokenized.filter((toks) => toks.includes(t)).length);
  const hits: MemoryHit[] = [];
  docs.forEach((doc, i) => {
    const toks = tokenized[i] ?? [];
    let score = 0;
    for (const t of terms) {
      const tf = toks.filter((x) => x === t).length;
      if (tf === 0) continue;
      const n = df.get(t) ?? 0;
      const idf = Math.log(1 + (docs.length - n + 0.5) / (n + 0.5));
      score += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * toks.length) / avg));
    }
    if (score > 0) hits.push({ doc, score: Number(score.toFixed(4)), excerpt: excerpt(doc.text, terms) });
  });
  return hits.sort((a, b) => b.score - a.score || a.doc.docId.localeCompare(b.doc.docId)).slice(0, limit);
}

/** The sentence with the most query terms, so a packet carries the passage, not the whole transcript. */
function excerpt(text: string, terms: string[]): string {
  const sentences = text.split(/(?<=[.!?])\s+/);
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
  return best.length > 280 ? `${best.slice(0, 277)}...` : best;
}
