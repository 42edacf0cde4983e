/**
 * Memory search at a workspace's size: one account's partition filled with N chunks (~1,200
 * characters of text and an int8 vector each, as POST /v1/memory stores them), then searched: the time
 * of one search (Query of the whole partition + cosine and BM25 in process), split into the read and
 * the ranking, and the bytes read. Embeddings come from an in-process deterministic model, so the
 * figure is the store's and not a model server's.
 *
 * `npx tsx bench/memory-search.ts [chunks=5000] [dimensions=1024] [searches=20]` (DynamoDB Local, Java).
 */
import { performance } from "node:perf_hooks";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { createDb } from "../shared/adapters/dynamo/db.ts";
import { agentKeys } from "../shared/adapters/dynamo/keys.ts";
import { DynamoMemoryStore } from "../shared/adapters/dynamo/memory-store.ts";
import { ensureTables, tableNames } from "../shared/adapters/dynamo/tables.ts";
import { startDynamoLocal } from "../shared/adapters/local/dynamodb-local.ts";
import type { Embeddings } from "../shared/kb/ports.ts";
import type { MemoryDoc } from "../shared/kb/types.ts";

const [chunks = 5000, dims = 1024, searches = 20] = process.argv.slice(2).map(Number);

/** Words hashed to a seeded pseudo-random vector: the same text, the same vector. */
class HashEmbeddings implements Embeddings {
  readonly modelId = `bench-hash@${dims}`;
  async embed(texts: string[]) {
    return texts.map((t) => {
      let s = 0;
      for (const ch of t) s = (s * 31 + ch.charCodeAt(0)) >>> 0;
      return Array.from({ length: dims }, () => {
        s = (s * 1664525 + 1013904223) >>> 0;
        return s / 2 ** 32 - 0.5;
      });
    });
  }
}

const WORDS =
  "budget renewal security audit pipeline forecast hiring dashboard export migration pricing quarter launch vendor contract integration onboarding champion procurement legal".split(
    " ",
  );
function text(i: number): string {
  const out: string[] = [];
  let s = i + 1;
  while (out.join(" ").length < 1200) {
    s = (s * 1103515245 + 12345) >>> 0;
    out.push(WORDS[s % WORDS.length] as string);
  }
  return `${out.join(" ")}.`;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)] ?? 0;

async function main() {
  const dynamo = await startDynamoLocal();
  try {
    const db = createDb({
      tables: tableNames("bench"),
      endpoint: dynamo.endpoint,
      credentials: dynamo.credentials,
      durabilityBarrier: false,
    });
    await ensureTables(db.raw, db.tables, { ttl: false });
    const store = new DynamoMemoryStore(db, {
      embeddings: new HashEmbeddings(),
      maxChunksPerAccount: chunks,
    });
    const perDoc = 50;
    const t0 = performance.now();
    for (let d = 0; d * perDoc < chunks; d++) {
      const n = Math.min(perDoc, chunks - d * perDoc);
      const docs: MemoryDoc[] = Array.from({ length: n }, (_, i) => ({
        docId: `doc-${d}#${i}`,
        accountId: "acme",
        kind: "transcript",
        title: `Call ${d}`,
        text: text(d * perDoc + i),
        source: "bench",
        at: "2026-03-10T14:00:00.000Z",
        chunk: { of: `doc-${d}`, index: i, count: n },
      }));
      await store.addDocument(docs, `h${d}`);
    }
    const writeMs = performance.now() - t0;
    const times: number[] = [];
    const before = db.roundTrips.count;
    for (let i = 0; i < searches; i++) {
      const s = performance.now();
      await store.search("acme", "worried about the renewal price", 5);
      times.push(performance.now() - s);
    }
    const pages = (db.roundTrips.count - before) / searches;
    // The read alone: the same Query pages without ranking.
    const reads: number[] = [];
    for (let i = 0; i < searches; i++) {
      const s = performance.now();
      let start: Record<string, unknown> | undefined;
      do {
        const res = await db.doc.send(
          new QueryCommand({
            TableName: db.tables.state,
            KeyConditionExpression: "pk = :pk",
            ExpressionAttributeValues: { ":pk": agentKeys.memoryPartition("acme") },
            ExclusiveStartKey: start,
          }),
        );
        start = res.LastEvaluatedKey;
      } while (start);
      reads.push(performance.now() - s);
    }
    console.log(
      JSON.stringify({
        chunks,
        dims,
        writeSeconds: Number((writeMs / 1000).toFixed(1)),
        searchMs: { p50: Math.round(pct(times, 0.5)), p95: Math.round(pct(times, 0.95)) },
        readMs: { p50: Math.round(pct(reads, 0.5)), p95: Math.round(pct(reads, 0.95)) },
        queryPagesPerSearch: pages,
        bytesPerChunkApprox: 1200 + dims + 200,
      }),
    );
  } finally {
    await dynamo.stop();
  }
}

await main();
