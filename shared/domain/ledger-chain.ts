/**
 * The ledger's hash chain and the digest's Merkle root, defined once. Pure: no I/O, no clock.
 *
 * Every ledger event, AS STORED, carries `prevHash` (the `hash` of the previous event of its stream,
 * GENESIS for the first) and its own `hash`: SHA-256 (hex) over the canonical serialization of every
 * stored attribute except the table's keys (pk, sk), GSI attributes and `hash` itself. Hashing what is
 * stored, not the domain object, is what lets sealed personal fields be erased later (by deleting the
 * key that opens them) without breaking the chain: the ciphertext stays, and so does its hash.
 *
 * This serialization is a storage format: changing it invalidates every stored hash. It is defined
 * here, separately from other canonical forms in the code base, so that nothing else can change it.
 */
import { createHash } from "node:crypto";

/** The `prevHash` of a stream's first event. */
export const GENESIS = "0".repeat(64);

/** The last event of a stream, as its writer records it beside the state it conditions on. */
export interface ChainHead {
  seq: number;
  hash: string;
}

export interface StreamHead extends ChainHead {
  stream: string;
}

/** Attributes that are not part of an event's content: keys, index keys and the hash itself. */
const UNHASHED = /^(pk|sk|hash|by[A-Z][a-z]+(Pk|Sk))$/;

/**
 * The attribute of a state item (decision record, trust record, spec, pause index) that holds its
 * stream's head: the seq and hash of the stream's last event.
 */
export const HEAD_ATTR = "ledgerHead";

/**
 * Attributes that are not part of a decision record's content: keys, index keys (derived from hashed
 * attributes), and the head, which holds the hash of the very event that carries the record's hash.
 */
const UNHASHED_RECORD = new RegExp(`^(pk|sk|${HEAD_ATTR}|by[A-Z][a-z]+(Pk|Sk))$`);

/**
 * Sorted keys, no whitespace, undefined members left out (DynamoDB does not store them). Numbers as
 * JSON writes them, which is also how they come back from DynamoDB (shortest round-trip form).
 */
export function canonicalize(value: unknown): string {
  return canonicalExcept(value, undefined);
}

/**
 * `canonicalize`, with the top-level members whose names `skip` matches left out: the same text as
 * canonicalizing a copy without them, without making the copy (every write hashes its record and event).
 */
function canonicalExcept(value: unknown, skip: RegExp | undefined): string {
  if (value === null) return "null";
  // Arrays keep `map` and `join`: a hole in a sparse array serializes as nothing, as it always has.
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? "null" : canonicalize(v))).join(",")}]`;
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("a ledger event cannot hold a non-finite number");
      return JSON.stringify(value);
    case "object": {
      // Built by concatenation over sorted keys: no entry arrays, filtered copies or joins per object
      // (this runs over every stored record and event). The default sort orders strings by UTF-16 code
      // unit, the same order as comparing them with < and >.
      const o = value as Record<string, unknown>;
      const keys = Object.keys(o).sort();
      let out = "{";
      for (const k of keys) {
        const v = o[k];
        if (v === undefined || skip?.test(k)) continue;
        if (out.length > 1) out += ",";
        out += `${JSON.stringify(k)}:${canonicalize(v)}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`a ledger event cannot hold a ${typeof value}`);
  }
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** The hash of a stored event item: over every attribute but keys, GSI attributes and `hash`. */
export function eventHash(item: Record<string, unknown>): string {
  return sha256(canonicalExcept(item, UNHASHED));
}

/**
 * The hash of a decision record (the ledger item with the decision's verdict, checks, status and sealed
 * fields) as stored: over every attribute but keys, GSI attributes and its head. Each event written in
 * the same transaction as the record carries it as `decisionHash`, so the record is under the chain
 * too: the verifier compares the record as it stands with the `decisionHash` of its stream's last event.
 */
export function decisionRecordHash(item: Record<string, unknown>): string {
  return sha256(canonicalExcept(item, UNHASHED_RECORD));
}

/**
 * The item to store: `item` (exactly the attributes that will be written, keys included or not) with
 * `prevHash` and its `hash`. Write paths call this last, on the final item, just before the Put.
 */
export function chainEvent<T extends Record<string, unknown>>(
  item: T,
  prevHash: string,
): T & { prevHash: string; hash: string } {
  const withPrev = { ...item, prevHash };
  return { ...withPrev, hash: eventHash(withPrev) };
}

/** The head a chained item makes: what its writer stores beside its state. */
export function headOf(item: Record<string, unknown> & { hash: string }): ChainHead {
  if (typeof item.seq !== "number") throw new TypeError("a ledger event needs a numeric seq");
  return { seq: item.seq, hash: item.hash };
}

/** A digest leaf: `stream|seq|hash`. */
export const merkleLeaf = (h: StreamHead) => `${h.stream}|${h.seq}|${h.hash}`;

/** The root over no heads at all. */
export const EMPTY_ROOT = sha256("");

/**
 * The Merkle root over streams' heads: leaves `stream|seq|hash` sorted, each hashed with a 0x00
 * prefix, inner nodes SHA-256 of 0x01 + left + right (hex), an odd node carried up unchanged. The
 * prefixes keep a leaf from ever being read as an inner node. Order of `heads` does not matter.
 */
export function merkleRoot(heads: StreamHead[]): string {
  if (heads.length === 0) return EMPTY_ROOT;
  let level = heads
    .map(merkleLeaf)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((leaf) => sha256(`\u0000${leaf}`));
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as string;
      const right = level[i + 1];
      next.push(right === undefined ? left : sha256(`\u0001${left}${right}`));
    }
    level = next;
  }
  return level[0] as string;
}
