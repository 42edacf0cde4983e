/**
 * The ledger verifier's checks, pure: each takes what was read and adds the problems it finds, each
 * naming the stream and the seq. Orchestration (reading the ledger and the digests) is in
 * usecases/ledger-verify.ts.
 */
import { type ChainHead, eventHash, GENESIS, merkleLeaf, type StreamHead } from "./ledger-chain.ts";

/** One stored event: the stream (partition) and seq (sort key) it is stored under, and its attributes. */
export interface StoredEvent {
  stream: string;
  keySeq: number;
  item: Record<string, unknown>;
}

export type ProblemKind =
  | "altered"
  | "unchained"
  | "misplaced"
  | "gap"
  | "head"
  | "record"
  | "rewritten"
  | "digest";

export interface LedgerProblem {
  kind: ProblemKind;
  /** Empty for a problem with a digest object itself. */
  stream: string;
  seq: number;
  message: string;
  /** The digest a `rewritten` or `digest` problem is about. */
  digest?: string;
}

/** The most problems listed; the rest are counted. */
const MAX_LISTED = 1000;

export class ProblemList {
  readonly list: LedgerProblem[] = [];
  total = 0;
  add(p: LedgerProblem) {
    this.total++;
    if (this.list.length < MAX_LISTED) this.list.push(p);
  }
}

/** What the links between events need of each one: its place, its stored hashes. */
export interface Link {
  seq: number;
  hash?: string;
  prevHash?: string;
  /** The hash of the decision record written with the event (decision streams only). */
  decisionHash?: string;
}

export function checkEvent(e: StoredEvent, problems: ProblemList): Link {
  const { item, stream, keySeq: seq } = e;
  const hash = typeof item.hash === "string" ? item.hash : undefined;
  const prevHash = typeof item.prevHash === "string" ? item.prevHash : undefined;
  if (!hash || !prevHash) {
    problems.add({ kind: "unchained", stream, seq, message: "event has no hash chain (hash, prevHash)" });
  } else if (eventHash(item) !== hash) {
    problems.add({ kind: "altered", stream, seq, message: "stored hash does not match the event's content" });
  }
  if (item.stream !== stream || item.seq !== seq)
    problems.add({
      kind: "misplaced",
      stream,
      seq,
      message: `event says stream ${String(item.stream)} seq ${String(item.seq)}: moved or swapped`,
    });
  const decisionHash = typeof item.decisionHash === "string" ? item.decisionHash : undefined;
  return {
    seq,
    ...(hash ? { hash } : {}),
    ...(prevHash ? { prevHash } : {}),
    ...(decisionHash ? { decisionHash } : {}),
  };
}

/**
 * A decision record against its stream's last event: the record as it stands must be the one that
 * event was written with. `recordHash` is `decisionRecordHash` of the stored record, `head` the head it
 * records. A head that is not the last event (events removed, or none at all) is the head check's to
 * report: the last event is then not the one the record was written with.
 */
export function checkRecord(
  stream: string,
  last: Link | undefined,
  head: ChainHead | undefined,
  recordHash: string,
  problems: ProblemList,
) {
  if (!last || head?.seq !== last.seq || head.hash !== last.hash) return;
  if (last.decisionHash === undefined)
    problems.add({
      kind: "record",
      stream,
      seq: last.seq,
      message: `decision record not covered: its last event (seq ${last.seq}) carries no decisionHash`,
    });
  else if (last.decisionHash !== recordHash)
    problems.add({
      kind: "record",
      stream,
      seq: last.seq,
      message: `decision record altered: it does not match the decisionHash of its last event (seq ${last.seq})`,
    });
}

export function checkLinks(
  stream: string,
  chain: Link[],
  anchored: StreamHead | undefined,
  problems: ProblemList,
) {
  let prev: { seq: number; hash?: string } = anchored ?? { seq: 0, hash: GENESIS };
  for (const link of chain) {
    // The anchored head's own predecessor was verified before the anchor; the digest check covers it.
    if (!(anchored && link.seq === anchored.seq) && link.prevHash !== prev.hash) {
      const after = prev.seq === 0 ? "the stream's start" : `seq ${prev.seq}`;
      problems.add({
        kind: "gap",
        stream,
        seq: link.seq,
        message: `prevHash does not match ${prev.seq === 0 ? "genesis" : `the hash of seq ${prev.seq}`}: events between ${after} and seq ${link.seq} were removed or reordered`,
      });
    }
    prev = link;
  }
}

export function checkHead(
  stream: string,
  last: Link | undefined,
  head: ChainHead | undefined,
  problems: ProblemList,
) {
  if (!head) {
    problems.add({ kind: "head", stream, seq: last?.seq ?? 0, message: "the stream's head is missing" });
  } else if (!last) {
    problems.add({
      kind: "head",
      stream,
      seq: head.seq,
      message: `head is seq ${head.seq} but the stream has no events`,
    });
  } else if (head.seq !== last.seq || head.hash !== last.hash) {
    problems.add({
      kind: "head",
      stream,
      seq: head.seq,
      message:
        head.seq > last.seq
          ? `head is seq ${head.seq} but the last event is seq ${last.seq}: the last event(s) were removed`
          : `head is seq ${head.seq}, does not match the last event (seq ${last.seq})`,
    });
  }
}

export function checkDigests(
  digests: { key: string; digest: { heads: StreamHead[] } }[],
  chains: Map<string, Link[]>,
  anchor: Map<string, StreamHead> | undefined,
  problems: ProblemList,
) {
  const seen = new Set<string>();
  for (const { key, digest } of digests) {
    for (const h of digest.heads) {
      const leaf = merkleLeaf(h);
      if (seen.has(leaf)) continue;
      seen.add(leaf);
      const anchored = anchor?.get(h.stream);
      if (anchored && h.seq < anchored.seq) continue;
      const link = chains.get(h.stream)?.find((l) => l.seq === h.seq);
      if (link?.hash !== h.hash)
        problems.add({
          kind: "rewritten",
          stream: h.stream,
          seq: h.seq,
          digest: key,
          message: `digest ${key} recorded seq ${h.seq} with hash ${h.hash.slice(0, 12)}…; the chain ${link ? "now has another event there" : "no longer has it"}: history rewritten after the digest`,
        });
    }
  }
}
