/**
 * The daily ledger digest: a Merkle root over every stream's head, written with the heads to the
 * archive (Object Lock in AWS where enabled). A digest is written only over a ledger that verifies
 * since the previous digest, so a digest never vouches for tampered history; each one names the
 * previous one's root, so digests chain as well.
 */

import { ConflictError } from "../domain/errors.ts";
import { merkleRoot } from "../domain/ledger-chain.ts";
import { iso } from "../domain/time.ts";
import type { Clock } from "../ports.ts";
import { digestKey } from "./archive.ts";
import {
  type Digest,
  type LedgerVerifyDeps,
  listDigests,
  readDigest,
  type VerifyResult,
  verifyFrom,
} from "./ledger-verify.ts";

export interface LedgerDigestDeps extends LedgerVerifyDeps {
  clock: Clock;
}

export type DigestOutcome =
  | { written: true; key: string; root: string; streams: number; events: number; verified: VerifyResult }
  | { written: false; verified: VerifyResult };

/** Verify since the previous digest; when the ledger verifies, write the next digest. */
export async function writeDigest(deps: LedgerDigestDeps): Promise<DigestOutcome> {
  const all = await listDigests(deps.digests);
  const verified = await verifyFrom(deps, all, all.length - 1);
  if (!verified.ok) return { written: false, verified };
  const at = iso(deps.clock.now());
  const previous = all.at(-1);
  const heads = [...verified.heads].sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0));
  const root = merkleRoot(heads);
  const digest: Digest = {
    version: 1,
    at,
    root,
    previous: previous
      ? { key: previous.key, root: (await readDigest(deps.digests, previous.key)).root }
      : null,
    streams: heads.length,
    events: verified.events,
    heads,
  };
  const key = digestKey(at);
  await deps.digests.putDigest(key, JSON.stringify(digest));
  return { written: true, key, root, streams: heads.length, events: verified.events, verified };
}

/** `writeDigest` for the API and the CLI: a ledger that does not verify is a conflict, with the count. */
export async function digestNow(deps: LedgerDigestDeps) {
  const outcome = await writeDigest(deps);
  if (!outcome.written) {
    const n = outcome.verified.problems.length + outcome.verified.moreProblems;
    throw new ConflictError(
      `the ledger does not verify since the last digest (${n} problem${n === 1 ? "" : "s"}): no digest written; run harness ledger verify`,
    );
  }
  const { verified: _v, ...rest } = outcome;
  return rest;
}

/**
 * Once a day on the given clock (the scheduler's): write a digest if none was written for today's
 * date (UTC) yet. Meant to be called on every scheduler tick: a day is attempted once (a ledger that
 * does not verify is reported, not re-verified every tick); a run that failed is retried after
 * RETRY_MS. Runs are serialized, so a slow run and the next tick never write two digests.
 */
export function dailyDigest(
  deps: LedgerDigestDeps,
  report: (outcome: DigestOutcome | { error: unknown }) => void = () => {},
) {
  const RETRY_MS = 15 * 60_000;
  let doneFor: string | undefined;
  let retryAt = 0;
  let running: Promise<void> | undefined;
  const run = async () => {
    const now = deps.clock.now();
    const today = iso(now).slice(0, 10);
    if (doneFor === today || now < retryAt) return;
    try {
      if (!(await listDigests(deps.digests)).some((d) => d.at.startsWith(today)))
        report(await writeDigest(deps));
      doneFor = today;
    } catch (error) {
      retryAt = now + RETRY_MS;
      report({ error });
    }
  };
  return (): Promise<void> => {
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  };
}
