import type { DynamoDBStreamEvent } from "aws-lambda";
import { lazy } from "../../shared/adapters/aws/powertools.ts";
import { meteredHandler } from "../../shared/adapters/aws/powertools-metrics.ts";
import { ledgerChanges } from "../../shared/adapters/aws/stream-records.ts";
import { parseAwsEnv } from "../../shared/runtime/aws-env.ts";
import { s3Archive } from "../../shared/runtime/aws-s3.ts";
import { type ArchiveWriter, archiveLedgerChanges } from "../../shared/usecases/archive.ts";

/**
 * Ledger stream -> S3 NDJSON (gzip) by date. A failed write fails the batch: the event source
 * mapping retries (bisecting) and sends what never succeeds to its DLQ.
 */
export const makeHandler = (archive: () => ArchiveWriter) =>
  meteredHandler(async (event: DynamoDBStreamEvent, tools) => {
    const result = await archiveLedgerChanges({ archive: archive() }, ledgerChanges(event.Records));
    tools.metrics.addMetric("ArchivedRows", "Count", result.rows);
    return { objects: result.objects.length, rows: result.rows };
  });

export const handler = makeHandler(lazy(() => s3Archive(parseAwsEnv())));
