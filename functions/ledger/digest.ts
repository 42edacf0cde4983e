import { lazy } from "../../shared/adapters/aws/powertools.ts";
import { meteredHandler } from "../../shared/adapters/aws/powertools-metrics.ts";
import { systemClock } from "../../shared/adapters/local/clock.ts";
import { iso } from "../../shared/domain/time.ts";
import { parseWith } from "../../shared/domain/validation.ts";
import * as z from "../../shared/domain/zod-mini.ts";
import { createAwsDb } from "../../shared/runtime/aws-db.ts";
import { parseAwsEnv } from "../../shared/runtime/aws-env.ts";
import { awsLedgerIntegrity } from "../../shared/runtime/aws-ledger.ts";
import { type LedgerDigestDeps, writeDigest } from "../../shared/usecases/ledger-digest.ts";
import { listDigests } from "../../shared/usecases/ledger-verify.ts";

/** The EventBridge schedule's event: only its shape is checked, the digest's time is the clock's. */
const ScheduledEvent = z.object({
  "detail-type": z.literal("Scheduled Event"),
  source: z.literal("aws.events"),
  time: z.iso.datetime(),
});

/**
 * Daily, on an EventBridge schedule: verify the ledger since the previous digest, then write the next
 * digest to the archive. A ledger that does not verify gets no digest; the problems are logged (stream
 * and seq, no content) and counted in the LedgerVerifyProblems metric, which an alarm watches.
 */
export const makeHandler = (deps: () => LedgerDigestDeps) =>
  meteredHandler(async (event: unknown, tools) => {
    parseWith(ScheduledEvent, event, "event");
    // One digest a day: a schedule delivered again, or retried after the digest was written, writes
    // no second one (the admin API's POST /v1/ledger/digest still writes on demand).
    const today = iso(deps().clock.now()).slice(0, 10);
    const done = (await listDigests(deps().digests)).find((d) => d.at.startsWith(today));
    if (done) {
      tools.logger.info("a digest was written today already", { key: done.key });
      return { written: false, already: done.key };
    }
    const outcome = await writeDigest(deps());
    const { verified } = outcome;
    const problems = verified.problems.length + verified.moreProblems;
    tools.metrics.addMetric("LedgerVerifyProblems", "Count", problems);
    tools.metrics.addMetric("LedgerEventsVerified", "Count", verified.events);
    tools.metrics.addMetric("LedgerDigestWritten", "Count", outcome.written ? 1 : 0);
    if (!outcome.written) {
      tools.logger.error("the ledger does not verify since the last digest: no digest written", {
        problems,
        first: verified.problems
          .slice(0, 20)
          .map(({ kind, stream, seq, digest }) => ({ kind, stream, seq, digest })),
      });
      return { written: false, problems };
    }
    tools.logger.info("ledger digest written", {
      key: outcome.key,
      root: outcome.root,
      streams: outcome.streams,
    });
    return {
      written: true,
      key: outcome.key,
      root: outcome.root,
      streams: outcome.streams,
      events: outcome.events,
    };
  });

export const handler = makeHandler(
  lazy(() => {
    const env = parseAwsEnv();
    const db = createAwsDb(env);
    return { ...awsLedgerIntegrity(env)(db), clock: systemClock };
  }),
);
