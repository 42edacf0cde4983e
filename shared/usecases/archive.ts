/**
 * The ledger archive: every new image of a ledger item (decision snapshots and ledger events), as
 * NDJSON objects partitioned by the date the change happened. Athena reads it through the Glue
 * tables (partition projection on `dt`); the embedded default can write the same key layout to disk.
 */

/** Where the archive writes: S3 in AWS (gzip), files locally. */
export interface ArchiveWriter {
  /** Write (or overwrite) an object of NDJSON rows; no rows is an empty object (ndjson). */
  put(key: string, lines: string[]): Promise<void>;
}

/** An object's text: one row per line, each ending in a newline; no rows, no text (zero rows to Athena). */
export const ndjson = (lines: string[]) => (lines.length ? `${lines.join("\n")}\n` : "");

export type ArchiveKind = "decisions" | "events";

/** One ledger change: the item's new image (plain JSON) and a position that orders and names it. */
export interface LedgerChange {
  item: Record<string, unknown>;
  /** A unique, ordered id of the change (the stream sequence number in AWS). */
  position: string;
}

/** The one place the archive's key layout is composed: `<kind>/dt=YYYY-MM-DD/<first>.ndjson.gz`. */
export const archiveKey = (kind: ArchiveKind, dt: string, first: string) =>
  `${kind}/dt=${dt}/${first}.ndjson.gz`;

/** Ledger digests (usecases/ledger-digest.ts): `digests/dt=YYYY-MM-DD/<iso-time>.json`, written once. */
export const DIGEST_PREFIX = "digests/";
export const digestKey = (at: string) => `${DIGEST_PREFIX}dt=${at.slice(0, 10)}/${at}.json`;
/** The instant a digest key names, or undefined for any other key. */
export function digestTime(key: string): string | undefined {
  const m = /^digests\/dt=(\d{4}-\d{2}-\d{2})\/(\d{4}-\d{2}-\d{2}T[\d:.]+Z)\.json$/.exec(key);
  return m?.[2]?.startsWith(m[1] as string) ? m[2] : undefined;
}

/**
 * Where digests are kept: the archive (S3 with Object Lock where enabled; files locally). Digests are
 * the verifier's trusted anchors, so they are read back from there, never from the ledger table.
 */
export interface DigestArchive {
  /** Write a digest once; never overwrites. */
  putDigest(key: string, body: string): Promise<void>;
  /** Every digest key, in any order. */
  digestKeys(): Promise<string[]>;
  getDigest(key: string): Promise<string>;
}

const INTERNAL = /^(pk|sk|ttl|by[A-Z][a-z]+(Pk|Sk))$/;

function rowOf(
  change: LedgerChange,
): { kind: ArchiveKind; dt: string; row: Record<string, unknown> } | undefined {
  const item = change.item;
  // Chain head items are bookkeeping: the seq and hash they hold are in the archived event itself.
  if (item.sk === "HEAD") return undefined;
  const kind: ArchiveKind = item.sk === "DECISION" ? "decisions" : "events";
  const row: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!INTERNAL.test(k)) row[k] = v;
  if (kind === "events") row.stream = item.pk;
  const when = String((kind === "decisions" ? item.updatedAt : item.at) ?? "");
  return { kind, dt: utcDate(when), row };
}

/**
 * The UTC date of an instant, as the archive's `dt` partitions are (athena-queries.ts). An outcome's
 * time is kept as reported, offset and all: `2026-12-06T23:30:00-05:00` is the 7th in UTC, and read as
 * its first ten characters its row went under the 6th, where a query of the 7th never looks.
 */
function utcDate(when: string): string {
  const t = /(Z|[+-]\d{2}:?\d{2})$/i.test(when) ? Date.parse(when) : Number.NaN;
  if (!Number.isNaN(t)) return new Date(t).toISOString().slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}/.exec(when)?.[0] ?? "1970-01-01";
}

/**
 * Group a batch by (kind, date) and write one object per group, named by the group's first position
 * only. A retried batch overwrites the same objects; a batch retried in halves (the stream mapping
 * bisects a failing batch) rewrites the first half's objects under the same names with fewer rows,
 * and the second half's rows land under their own first position: no row is archived twice.
 *
 * Unless the half that holds a group's first position never succeeds (it ends in the DLQ): the
 * object an earlier, whole attempt wrote under that name would keep the other half's rows, which that
 * half archives again under its own names. So a failed attempt empties the objects it wrote before
 * failing (with the same put: the archiver may not delete), and only a batch that succeeds leaves rows.
 */
export async function archiveLedgerChanges(
  deps: { archive: ArchiveWriter },
  changes: LedgerChange[],
): Promise<{ objects: string[]; rows: number }> {
  const groups = new Map<string, { kind: ArchiveKind; dt: string; rows: string[]; positions: string[] }>();
  for (const change of changes) {
    const r = rowOf(change);
    if (!r) continue;
    const { kind, dt, row } = r;
    const id = `${kind}/${dt}`;
    const g = groups.get(id) ?? { kind, dt, rows: [], positions: [] };
    g.rows.push(JSON.stringify(row));
    g.positions.push(change.position);
    groups.set(id, g);
  }
  const objects: string[] = [];
  try {
    for (const g of groups.values()) {
      const key = archiveKey(g.kind, g.dt, g.positions[0] ?? "0");
      // Named before the write: a write that failed on the client's side (a timeout) may have landed.
      objects.push(key);
      await deps.archive.put(key, g.rows);
    }
  } catch (err) {
    // Best effort: if emptying fails too, the retry (or its halves) overwrites the same names.
    await Promise.allSettled(objects.map((key) => deps.archive.put(key, [])));
    throw err;
  }
  return { objects, rows: [...groups.values()].reduce((n, g) => n + g.rows.length, 0) };
}
