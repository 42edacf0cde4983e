/**
 * Listing trust (GET /v1/trust, the console's trust page, the demo's daily trust points) reads the
 * trust records, not the state table: a directory partition written with each record is queried for
 * a page's keys. It used to Scan the whole table filtered on the trust prefix, so its cost grew with
 * the knowledge base and a page could come back short or empty with a cursor. On DynamoDB Local and
 * the in-process engine.
 */
import { BatchWriteCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import { PageCursors } from "../../shared/adapters/dynamo/cursor.ts";
import { DynamoTrustStore } from "../../shared/adapters/dynamo/trust-store.ts";
import { DependencyError, ValidationError } from "../../shared/domain/errors.ts";
import { allPages } from "../../shared/usecases/pages.ts";
import { STORES, startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { pin } from "./helpers/store.ts";

let rt: TestRuntime;
afterEach(() => rt.close());

/** `n` items of another kind in the state table, as a knowledge base holds them. */
async function fillState(n: number) {
  for (let i = 0; i < n; i += 25) {
    const items = Array.from({ length: Math.min(25, n - i) }, (_, j) => ({
      PutRequest: { Item: { pk: `ACCOUNT#filler-${i + j}`, sk: "PROFILE", name: "x".repeat(200) } },
    }));
    await rt.db.doc.send(new BatchWriteCommand({ RequestItems: { [rt.db.tables.state]: items } }));
  }
}

describe.each(STORES)("trust listing (%s)", (store) => {
  it("pages hold `limit` records in agent order, at a cost that does not grow with the table", async () => {
    rt = await startRuntime({ store, runWorkers: false });
    for (const id of ["writer-c", "writer-a", "writer-e", "writer-b", "writer-d"])
      await pin(rt, id, "email.send", 2);
    await pin(rt, "writer-a", "linkedin.message", 1);
    await fillState(3000);
    // The first listing of a deployment fills the directory from older records, once (below).
    await rt.deps.trust.list({ limit: 1 });

    const before = rt.db.roundTrips.count;
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await rt.deps.trust.list({ limit: 2, ...(cursor ? { cursor } : {}) });
      pages.push(page.items.map((r) => `${r.agentId}/${r.actionType}`));
      cursor = page.cursor;
    } while (cursor);
    const trips = rt.db.roundTrips.count - before;

    expect(pages.flat()).toEqual([
      "writer-a/email.send",
      "writer-a/linkedin.message",
      "writer-b/email.send",
      "writer-c/email.send",
      "writer-d/email.send",
      "writer-e/email.send",
    ]);
    // Three full pages (a last empty one at most, as DynamoDB may not know the partition ended).
    expect(pages.slice(0, 3).map((p) => p.length)).toEqual([2, 2, 2]);
    expect(pages.length).toBeLessThanOrEqual(4);
    // A Query and a BatchGet per page: the 3,000 other items are never read.
    expect(trips).toBeLessThanOrEqual(2 * pages.length);
    // The records are the stored ones, as get() reads them.
    const one = await rt.deps.trust.get("writer-c", "email.send");
    const listed = (await allPages((page) => rt.deps.trust.list(page))).find((r) => r.agentId === "writer-c");
    expect(listed).toEqual(one);
  });

  it("records saved before the directory existed are listed, filled once by the first listings", async () => {
    rt = await startRuntime({ store, runWorkers: false });
    await pin(rt, "writer-a", "email.send", 2);
    // Records as the store wrote them before the directory: no `listed` mark, no directory item.
    const stored = await rt.deps.trust.get("writer-a", "email.send");
    const { listed: _l, ...legacy } = stored as unknown as Record<string, unknown>;
    const legacyIds = Array.from({ length: 30 }, (_, i) => `legacy-${String(i).padStart(2, "0")}`);
    for (const id of legacyIds)
      await rt.db.doc.send(
        new PutCommand({
          TableName: rt.db.tables.state,
          Item: { ...legacy, pk: `TRUST#${id}`, sk: "ACTION#email.send", agentId: id },
        }),
      );
    await fillState(400);
    // A small fill budget: 2 Scan calls of 50 items per listing, so it takes several listings.
    const store2 = new DynamoTrustStore(rt.db, PageCursors.ephemeral(), Date.now, {
      callsPerListing: 2,
      itemsPerCall: 50,
    });
    let retries = 0;
    for (;;) {
      try {
        await store2.list({ limit: 1 });
        break;
      } catch (err) {
        // Each unfinished listing answers "retry" (503) and has moved the fill on.
        expect(err).toBeInstanceOf(DependencyError);
        retries++;
        expect(retries).toBeLessThan(10);
      }
    }
    expect(retries).toBeGreaterThanOrEqual(2);
    const ids = (await allPages((page) => store2.list(page))).map((r) => r.agentId);
    expect(ids).toEqual([...legacyIds, "writer-a"]);
    // Done once: another process's store does not scan again.
    const before = rt.db.roundTrips.count;
    expect((await allPages((page) => rt.deps.trust.list(page))).map((r) => r.agentId)).toEqual(ids);
    expect(rt.db.roundTrips.count - before).toBeLessThanOrEqual(3);
  });

  it("a cursor of the listing's old Scan is refused, not sent to DynamoDB", async () => {
    rt = await startRuntime({ store, runWorkers: false });
    const cursors = PageCursors.ephemeral();
    const trust = new DynamoTrustStore(rt.db, cursors);
    const old = await cursors.encode("trust", { pk: "TRUST#writer-a", sk: "ACTION#email.send" });
    await expect(trust.list({ limit: 2, cursor: old })).rejects.toBeInstanceOf(ValidationError);
  });
});
