/**
 * Embedding vectors as memory stores them: unit length, each component quantised to a signed byte
 * (1 byte per dimension: 1 KiB for Titan v2 at 1024 dimensions, a quarter of Float32), so a chunk and
 * its vector fit one DynamoDB item and a whole account's memory is one Query. Ranking by cosine loses
 * little to the quantisation: components of a unit vector rarely come near ±1, and the error per
 * component (≤ 1/254) averages out over hundreds of dimensions (test/unit/memory-vectors.test.ts).
 */

/** The vector at unit length; a zero vector (an empty text) stays zero. */
export function normalize(v: readonly number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm === 0 ? v.map(() => 0) : v.map((x) => x / norm);
}

/** One signed byte per component of the unit vector, as the bytes of an Int8Array. */
export function quantize(v: readonly number[]): Uint8Array {
  const unit = normalize(v);
  const out = new Int8Array(unit.length);
  for (let i = 0; i < unit.length; i++)
    out[i] = Math.max(-127, Math.min(127, Math.round((unit[i] ?? 0) * 127)));
  return new Uint8Array(out.buffer);
}

/** Cosine similarity of a stored (quantised) vector and a query vector; undefined if the sizes differ. */
export function cosine(stored: Uint8Array, query: readonly number[]): number | undefined {
  if (stored.length !== query.length) return undefined;
  const a = new Int8Array(stored.buffer, stored.byteOffset, stored.byteLength);
  let dot = 0;
  let na = 0;
  let nq = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = query[i] ?? 0;
    dot += x * y;
    na += x * x;
    nq += y * y;
  }
  return na === 0 || nq === 0 ? 0 : dot / Math.sqrt(na * nq);
}
