/**
 * Ledger verification: recompute every event's hash, follow every stream's chain, compare each
 * stream's recorded head with its last event, check each decision record against the hash its
 * stream's last event carries, and check that every head a digest recorded is still in the chain. Each problem names the stream and the seq. With `since`, the digest written at or before
 * that date is the trusted anchor: each stream's history up to the head it recorded is taken as
 * verified then, and only what follows is hashed and linked.
 */

import { ValidationError } from "../domain/errors.ts";
import { type ChainHead, decisionRecordHash, merkleRoot, type StreamHead } from "../domain/ledger-chain.ts";
import {
  checkDigests,
  checkEvent,
  checkHead,
  checkLinks,
  checkRecord,
  type LedgerProblem,
  type Link,
  ProblemList,
  type StoredEvent,
} from "../domain/ledger-checks.ts";
import * as z from "../domain/zod-mini.ts";
import { type DigestArchive, digestTime } from "./archive.ts";

export interface LedgerPage {
  events: StoredEvent[];
  /** Heads kept in the ledger table itself (decision items, head items). */
  heads: StreamHead[];
  /** Decision records as stored, each under its decision's stream. */
  records: { stream: string; item: Record<string, unknown> }[];
}

export type { LedgerProblem, ProblemKind, StoredEvent } from "../domain/ledger-checks.ts";

/** The ledger as the verifier reads it (a paginated Scan of the ledger table in DynamoDB). */
export interface LedgerReader {
  scan(): AsyncIterable<LedgerPage>;
  /** The heads of these streams that are kept beside state outside the ledger table (spec, trust, pauses). */
  stateHeads(streams: string[]): Promise<StreamHead[]>;
  /**
   * One stream as it is now, read again after the scan: its events after `afterSeq`, its head and, for
   * a decision, its record (see settle in verifyFrom).
   */
  reread?(
    stream: string,
    afterSeq: number,
  ): Promise<{ events: StoredEvent[]; head?: ChainHead; record?: Record<string, unknown> }>;
}

/** How many times a stream that does not check out after the scan is read again before it is reported. */
const REREADS = 3;

export const Digest = z.object({
  version: z.literal(1),
  at: z.iso.datetime(),
  root: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  previous: z.nullable(z.object({ key: z.string(), root: z.string() })),
  streams: z.number().check(z.int(), z.nonnegative()),
  events: z.number().check(z.int(), z.nonnegative()),
  heads: z.array(
    z.object({
      stream: z.string().check(z.minLength(1)),
      seq: z.number().check(z.int(), z.positive()),
      hash: z.string().check(z.minLength(1)),
    }),
  ),
});
export type Digest = z.infer<typeof Digest>;

export interface VerifyResult {
  ok: boolean;
  problems: LedgerProblem[];
  /** Problems found beyond the ones listed. */
  moreProblems: number;
  streams: number;
  /** Events hashed and linked (with an anchor, those at or after each stream's anchored head). */
  events: number;
  digests: number;
  anchor?: string;
  /** Each stream's last event as stored: what a new digest records. */
  heads: StreamHead[];
}

export interface LedgerVerifyDeps {
  ledger: LedgerReader;
  digests: DigestArchive;
}

/** `since` as an instant: a date is its start (UTC). */
export function parseSince(since: string): number {
  const at = /^\d{4}-\d{2}-\d{2}$/.test(since) ? Date.parse(`${since}T00:00:00Z`) : Date.parse(since);
  if (!/^\d{4}-\d{2}-\d{2}/.test(since) || Number.isNaN(at))
    throw new ValidationError([
      { path: "since", message: "expected a date (YYYY-MM-DD) or an ISO date-time" },
    ]);
  return at;
}

/** Digest keys with their instants, oldest first; keys that are not digests are ignored. */
export async function listDigests(archive: DigestArchive): Promise<{ key: string; at: string }[]> {
  return (await archive.digestKeys())
    .flatMap((key) => {
      const at = digestTime(key);
      return at ? [{ key, at }] : [];
    })
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.key < b.key ? -1 : 1));
}

export async function readDigest(archive: DigestArchive, key: string): Promise<Digest> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await archive.getDigest(key));
  } catch (err) {
    throw new ValidationError([{ path: key, message: "digest is not JSON" }], { cause: err });
  }
  const result = Digest.safeParse(parsed);
  if (!result.success)
    throw new ValidationError([{ path: key, message: `not a ledger digest: ${result.error.message}` }]);
  return result.data;
}

export async function verifyLedger(
  deps: LedgerVerifyDeps,
  opts: { since?: string } = {},
): Promise<VerifyResult> {
  const all = await listDigests(deps.digests);
  let anchorIndex = -1;
  if (opts.since !== undefined) {
    const since = parseSince(opts.since);
    all.forEach((d, i) => {
      if (Date.parse(d.at) <= since) anchorIndex = i;
    });
  }
  return verifyFrom(deps, all, anchorIndex);
}

/** Whether a stream's only problems are its head or record out of step with its events. */
const outOfStep = (found: ProblemList) =>
  found.total > 0 &&
  found.list.length === found.total &&
  found.list.every((p) => p.kind === "head" || p.kind === "record");

/** A stream's links, head and record checked, into a list of its own. */
function checkStream(
  stream: string,
  chain: Link[],
  anchored: StreamHead | undefined,
  head: ChainHead | undefined,
  recordHash: string | undefined,
): ProblemList {
  const found = new ProblemList();
  checkLinks(stream, chain, anchored, found);
  const last = chain.at(-1);
  if (chain.length || head || anchored) checkHead(stream, last, head, found);
  // Checked whatever the anchor: a record's last event is at or after its stream's anchored head.
  if (recordHash !== undefined) checkRecord(stream, last, head, recordHash, found);
  return found;
}

/** Verify from the digest at `anchorIndex` of `all` (-1: from genesis, checking every digest). */
export async function verifyFrom(
  deps: LedgerVerifyDeps,
  all: { key: string; at: string }[],
  anchorIndex: number,
): Promise<VerifyResult> {
  const problems = new ProblemList();
  const checked = all.slice(Math.max(0, anchorIndex));
  const digests: { key: string; digest: Digest }[] = [];
  for (const d of checked) {
    try {
      digests.push({ key: d.key, digest: await readDigest(deps.digests, d.key) });
    } catch (err) {
      problems.add({ kind: "digest", stream: "", seq: 0, digest: d.key, message: (err as Error).message });
    }
  }
  const listed = new Set(all.map((d) => d.key));
  for (const [i, { key, digest }] of digests.entries()) {
    if (merkleRoot(digest.heads) !== digest.root)
      problems.add({
        kind: "digest",
        stream: "",
        seq: 0,
        digest: key,
        message: "root does not match its heads",
      });
    if (i === 0) continue;
    // Each digest names an earlier one that still stands. Not necessarily the one just before it:
    // two runs at once (a redelivered schedule, an admin's digest) both name the same previous one,
    // and each vouches for a ledger that verified. A digest whose previous one is gone, or changed,
    // is reported.
    const named = digest.previous;
    const before = named && digests.slice(0, i).find((d) => d.key === named.key);
    const root =
      before?.digest.root ??
      (named && listed.has(named.key) && named.key < key
        ? await readDigest(deps.digests, named.key).then(
            (d) => d.root,
            () => undefined,
          )
        : undefined);
    // A previous digest that is listed but unreadable is reported as such above (or it is before the
    // checked range and reported by a full verification): not twice.
    const unreadable = named && root === undefined && listed.has(named.key);
    if (!unreadable && (!named || root !== named.root))
      problems.add({
        kind: "digest",
        stream: "",
        seq: 0,
        digest: key,
        message: named
          ? root === undefined
            ? `does not follow: its previous digest ${named.key} is missing`
            : `does not follow ${named.key}: its root changed`
          : `does not follow ${digests[i - 1]?.key}`,
      });
  }
  // An anchor that cannot be read is reported above; verification then starts from genesis.
  const first = digests[0];
  const anchor =
    anchorIndex >= 0 && first && first.key === all[anchorIndex]?.key
      ? new Map(first.digest.heads.map((h) => [h.stream, h]))
      : undefined;

  // One pass over the ledger: hash what is at or after each stream's anchored head, keep what links need.
  const chains = new Map<string, Link[]>();
  const recorded = new Map<string, ChainHead>();
  const records = new Map<string, string>();
  let events = 0;
  for await (const page of deps.ledger.scan()) {
    for (const h of page.heads) recorded.set(h.stream, { seq: h.seq, hash: h.hash });
    for (const r of page.records) records.set(r.stream, decisionRecordHash(r.item));
    for (const e of page.events) {
      const anchored = anchor?.get(e.stream);
      if (anchored && e.keySeq < anchored.seq) continue;
      events++;
      const link = checkEvent(e, problems);
      const chain = chains.get(e.stream) ?? [];
      chain.push(link);
      chains.set(e.stream, chain);
    }
  }
  const names = new Set([...chains.keys(), ...recorded.keys(), ...records.keys(), ...(anchor?.keys() ?? [])]);
  for (const { digest } of digests) for (const h of digest.heads) names.add(h.stream);
  for (const h of await deps.ledger.stateHeads([...names].filter((n) => !recorded.has(n))))
    recorded.set(h.stream, { seq: h.seq, hash: h.hash });

  const heads: StreamHead[] = [];
  for (const stream of names) {
    let chain = (chains.get(stream) ?? []).sort((a, b) => a.seq - b.seq);
    let head = recorded.get(stream);
    let record = records.get(stream);
    let found = checkStream(stream, chain, anchor?.get(stream), head, record);
    // The scan is not a snapshot: a stream written while it ran (a trust change, a decision moved on)
    // shows a head or record ahead of, or behind, the events read, as a removed or altered event
    // would. Such a stream is read again as it is now, its new events appended (events are only ever
    // appended), and reported only if it still does not check out: before, any write during the scan
    // failed the night's digest and raised the tampering alarm.
    // Only a head or record out of step with the events can be a write during the scan; a gap, a
    // missing head or an altered event cannot, and is reported without reading again.
    const reread = deps.ledger.reread?.bind(deps.ledger);
    // What the events read again show of themselves (an altered one): kept, whatever later reads find.
    const fromRereads = new ProblemList();
    for (let i = 0; reread && i < REREADS && outOfStep(found); i++) {
      const now = await reread(stream, chain.at(-1)?.seq ?? anchor?.get(stream)?.seq ?? 0);
      chain = [...chain, ...now.events.map((e) => checkEvent(e, fromRereads))].sort((a, b) => a.seq - b.seq);
      events += now.events.length;
      head = now.head ?? head;
      if (now.record) record = decisionRecordHash(now.record);
      found = checkStream(stream, chain, anchor?.get(stream), head, record);
      chains.set(stream, chain);
    }
    for (const p of [...fromRereads.list, ...found.list]) problems.add(p);
    problems.total += found.total - found.list.length + fromRereads.total - fromRereads.list.length;
    const last = chain.at(-1);
    if (last?.hash) heads.push({ stream, seq: last.seq, hash: last.hash });
  }
  checkDigests(digests, chains, anchor, problems);
  return {
    ok: problems.total === 0,
    problems: problems.list,
    moreProblems: problems.total - problems.list.length,
    streams: names.size,
    events,
    digests: digests.length,
    ...(anchor ? { anchor: all[anchorIndex]?.key } : {}),
    heads,
  };
}
