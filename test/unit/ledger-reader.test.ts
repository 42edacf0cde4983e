/**
 * The ledger reader's parallel Scan (adapters/dynamo/ledger-reader.ts): every segment's pages reach
 * the verifier, and one segment failing fails the scan without leaving another's failure unhandled.
 */
import type { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import type { Db } from "../../shared/adapters/dynamo/db.ts";
import { ledgerKeys } from "../../shared/adapters/dynamo/keys.ts";
import { DynamoLedgerReader } from "../../shared/adapters/dynamo/ledger-reader.ts";

/** A Db whose Scan answers each segment's `pages` pages, or fails where `fail` says. */
function fakeDb(pages: number, fail: { segment: number; page: number }[] = []) {
  const send = async (cmd: ScanCommand) => {
    const { Segment: segment = 0, ExclusiveStartKey: start } = cmd.input;
    const n = Number(start?.n ?? 0);
    await new Promise((r) => setTimeout(r, (segment + 1) * 2));
    if (fail.some((f) => f.segment === segment && f.page === n))
      throw new Error(`segment ${segment} throttled`);
    const stream = `S${segment}`;
    return {
      Items: [{ ...ledgerKeys.event(stream, n + 1), stream, seq: n + 1 }],
      ...(n + 1 < pages ? { LastEvaluatedKey: { n: n + 1 } } : {}),
    };
  };
  return { doc: { send }, tables: { ledger: "ledger", state: "state" } } as unknown as Db;
}

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => void unhandled.push(e);
afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
});

describe("the ledger reader's parallel scan", () => {
  it("yields every page of every segment", async () => {
    const seen: string[] = [];
    for await (const page of new DynamoLedgerReader(fakeDb(3), 4).scan())
      for (const e of page.events) seen.push(`${e.stream}#${e.keySeq}`);
    expect(seen.sort()).toEqual(
      ["S0", "S1", "S2", "S3"].flatMap((s) => [1, 2, 3].map((n) => `${s}#${n}`)).sort(),
    );
  });

  it("fails when a segment fails, and another segment failing after it is not an unhandled rejection", async () => {
    process.on("unhandledRejection", onUnhandled);
    const reader = new DynamoLedgerReader(
      fakeDb(5, [
        { segment: 0, page: 1 },
        { segment: 3, page: 0 },
      ]),
      4,
    );
    const read = async () => {
      for await (const _ of reader.scan());
    };
    // Whichever fails first (on a loaded machine the timers may fire in one batch) fails the scan.
    await expect(read()).rejects.toThrow(/segment [03] throttled/);
    // The other segments' reads in flight settle; nothing is left unhandled.
    await new Promise((r) => setTimeout(r, 50));
    expect(unhandled).toEqual([]);
  });

  it("a reader that stops early leaves no read of a segment unhandled", async () => {
    process.on("unhandledRejection", onUnhandled);
    // Segment 0's second page fails after the reader took its first and stopped.
    const reader = new DynamoLedgerReader(fakeDb(5, [{ segment: 0, page: 1 }]), 4);
    for await (const page of reader.scan()) {
      expect(page.events).toHaveLength(1);
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(unhandled).toEqual([]);
  });
});
