/**
 * The archiver under the stream mapping's retries: a batch that fails part-way is retried whole and
 * then in halves (bisectBatchOnError). Object keys are deterministic per batch, so every retry
 * overwrites what an earlier attempt wrote, and a failed attempt empties what it wrote: no row ends up
 * archived twice, even when one half never succeeds.
 */
import { gunzipSync } from "node:zlib";
import { marshall } from "@aws-sdk/util-dynamodb";
import { describe, expect, it } from "vitest";
import { makeHandler as archiver } from "../../functions/ledger/archiver.ts";
import { S3ArchiveWriter } from "../../shared/adapters/aws/s3-archive-writer.ts";
import { fixture, lambdaContext } from "./lambda.ts";

const ctx = lambdaContext("archiver");

/** Six ledger changes in stream order: a decision image, then one of its events, three times. */
function records() {
  const template = fixture("dynamodb-stream-ledger-insert.json").Records[0];
  return [0, 1, 2, 3, 4, 5].map((i) => {
    const id = `d_${Math.floor(i / 2)}`;
    const item =
      i % 2 === 0
        ? { pk: `DEC#${id}`, sk: "DECISION", decisionId: id, updatedAt: "2026-03-10T10:00:00.000Z" }
        : { pk: `DEC#${id}`, sk: "EV#0001", type: "decided", at: "2026-03-10T10:00:00.000Z" };
    const r = structuredClone(template);
    r.dynamodb.Keys = marshall({ pk: item.pk, sk: item.sk });
    r.dynamodb.NewImage = marshall(item);
    r.dynamodb.SequenceNumber = String(1000 + i);
    return r;
  });
}

/** An S3 bucket in memory whose next puts under `failPrefix` fail (a throttled PutObject). */
function bucket() {
  const objects = new Map<string, string[]>();
  const state = { failures: 0, failPrefix: "", landed: "" };
  const s3 = {
    send: async (cmd: { input: { Key: string; Body: Buffer } }) => {
      if (state.failures > 0 && cmd.input.Key.startsWith(state.failPrefix)) {
        state.failures--;
        throw Object.assign(new Error("SlowDown"), { name: "SlowDown" });
      }
      const text = gunzipSync(cmd.input.Body).toString("utf8");
      // NDJSON as Athena reads it: every line is a row, so an emptied object must hold no line at all.
      objects.set(cmd.input.Key, text === "" ? [] : text.replace(/\n$/, "").split("\n"));
      // Stored, but the client hears an error (a timeout after S3 committed the write), once.
      if (state.landed && cmd.input.Key.startsWith(state.landed)) {
        state.landed = "";
        throw Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
      }
    },
  };
  return { objects, state, writer: new S3ArchiveWriter(s3 as never, "archive") };
}

describe("archiver retries", () => {
  it("a batch failed part-way, retried whole and then in halves, archives every row exactly once", async () => {
    const { objects, state, writer } = bucket();
    const handler = archiver(() => writer);
    const batch = records();
    // The decisions object is written, then the events object fails, as does emptying it: the batch
    // fails. Twice.
    state.failures = 4;
    state.failPrefix = "events/";
    await expect(handler({ Records: batch }, ctx)).rejects.toThrow(/archive write/);
    // Retried as is: the same keys, the decisions object is overwritten; it fails again.
    await expect(handler({ Records: batch }, ctx)).rejects.toThrow(/archive write/);
    const afterWhole = [...objects.keys()];
    expect(afterWhole).toEqual(["decisions/dt=2026-03-10/1000.ndjson.gz"]);
    // Bisected: both halves succeed.
    await handler({ Records: batch.slice(0, 3) }, ctx);
    await handler({ Records: batch.slice(3) }, ctx);

    const rows = [...objects.values()].flat().map((l) => JSON.parse(l) as Record<string, string>);
    const ids = rows.map((r) => `${r.decisionId ?? r.stream}:${r.type ?? "decision"}`);
    expect(ids.sort()).toEqual(
      [
        "d_0:decision",
        "d_1:decision",
        "d_2:decision",
        "DEC#d_0:decided",
        "DEC#d_1:decided",
        "DEC#d_2:decided",
      ].sort(),
    );
    expect(new Set(ids).size).toBe(6);
  });

  it("a row goes under its UTC date, whatever offset its time was reported with", async () => {
    const { objects, writer } = bucket();
    const [decisionRecord, eventRecord] = records();
    const late = structuredClone(eventRecord);
    // An outcome recorded with its reporter's offset: 23:30 in New York is the 7th in UTC.
    late.dynamodb.NewImage = marshall({
      pk: "OUT#p_1",
      sk: "EV#0001",
      type: "replied",
      at: "2026-12-06T23:30:00-05:00",
    });
    await archiver(() => writer)({ Records: [decisionRecord, late] }, ctx);
    // Before, the first ten characters named the 6th: a query of the 7th's partition missed the row.
    expect([...objects.keys()].sort()).toEqual([
      "decisions/dt=2026-03-10/1000.ndjson.gz",
      "events/dt=2026-12-07/1001.ndjson.gz",
    ]);
  });

  it("a write that landed although the client heard an error is emptied too", async () => {
    const { objects, state, writer } = bucket();
    const handler = archiver(() => writer);
    state.landed = "events/";
    await expect(handler({ Records: records() }, ctx)).rejects.toThrow(/archive write/);
    // Before, the events object kept the batch's rows, which the batch's retry (or its halves) wrote again.
    expect([...objects.values()].flat()).toEqual([]);
  });

  it("a put that hangs is given up within its time, and what the attempt wrote is emptied", async () => {
    const objects = new Map<string, string>();
    const hung: string[] = [];
    const s3 = {
      send: (cmd: { input: { Key: string; Body: Buffer } }, o?: { abortSignal?: AbortSignal }) => {
        // The events object's put never answers (a stalled connection), unless it is given up.
        if (cmd.input.Key.startsWith("events/") && cmd.input.Body.length > 20) {
          hung.push(cmd.input.Key);
          return new Promise((_, reject) =>
            o?.abortSignal?.addEventListener("abort", () =>
              reject(Object.assign(new Error("aborted"), { name: "AbortError" })),
            ),
          );
        }
        objects.set(cmd.input.Key, gunzipSync(cmd.input.Body).toString("utf8"));
        return Promise.resolve({});
      },
    };
    const handler = archiver(() => new S3ArchiveWriter(s3 as never, "archive", 50));
    await expect(handler({ Records: records() }, ctx)).rejects.toThrow(/archive write .* failed: AbortError/);
    expect(hung).toHaveLength(1);
    // The decisions object written before it holds no row now; the retry writes the batch again.
    expect(objects.get("decisions/dt=2026-03-10/1000.ndjson.gz")).toBe("");
  });

  it("a half that never succeeds (to the DLQ) leaves none of its rows, and the other half's rows once", async () => {
    const { objects, state, writer } = bucket();
    const handler = archiver(() => writer);
    const batch = records();
    // The events object named by the first half's first event (1001) can never be written.
    state.failures = Number.POSITIVE_INFINITY;
    state.failPrefix = "events/dt=2026-03-10/1001";
    await expect(handler({ Records: batch }, ctx)).rejects.toThrow(/archive write/);
    await expect(handler({ Records: batch }, ctx)).rejects.toThrow(/archive write/);
    // Bisected: the first half fails on every retry and goes to the DLQ; the second half succeeds.
    for (let i = 0; i < 3; i++)
      await expect(handler({ Records: batch.slice(0, 3) }, ctx)).rejects.toThrow(/archive write/);
    await handler({ Records: batch.slice(3) }, ctx);

    const rows = [...objects.values()].flat().map((l) => JSON.parse(l) as Record<string, string>);
    const ids = rows.map((r) => `${r.decisionId ?? r.stream}:${r.type ?? "decision"}`);
    // Before, the whole batch's decisions object (1000) kept d_2's image, which the second half wrote again.
    expect(ids.sort()).toEqual(["d_2:decision", "DEC#d_1:decided", "DEC#d_2:decided"].sort());
    expect(objects.get("decisions/dt=2026-03-10/1000.ndjson.gz")).toEqual([]);
  });
});
