/**
 * How the CRM import and its opt-out sweep read a CRM search by modified time, from a checkpoint,
 * page by page (usecases/crm-import.ts). One pager for both: before, the sweep repeated the import's
 * paging, tie and checkpoint rules in a smaller form, and each had its own way to get stuck.
 *
 * - Every page is a query of its own from where the last one ended (nextQuery), never the next
 *   position of the same query: results are sorted by modified time, so a record modified while we
 *   page moves to the end and every one behind it moves up a place. No query nears the search's
 *   result window (HubSpot: 10,000).
 * - One millisecond's records (a bulk edit) are read by record id: results tied on their modified
 *   time come in no set order from one query to the next. Where a run stopped inside such a
 *   millisecond is kept (`<name>:tie:<ms>`), and a later run that reaches it goes on from there:
 *   nothing of it is skipped, however long it is. Before, a tie longer than a run could read was
 *   skipped past, and the sweep read its first 20 pages again every run.
 * - The checkpoint is what is surely read: through the last record read, never later than `lag`
 *   before the run's first query (safeCheckpoint), since the search shows a write a little after it
 *   is made. It moves only after a page's work is done, and never back.
 */
import { iso } from "../domain/time.ts";
import type { Clock } from "../ports.ts";
import type { CrmRecord } from "./crm-records.ts";

export interface CrmPage {
  records: CrmRecord[];
  /** Present when the query has more results than this page (the CRM's cursor; only its presence is read). */
  after?: string;
}

export interface Checkpoints {
  get(name: string): Promise<number | undefined>;
  advance(name: string, at: number): Promise<void>;
}

/**
 * What a page surely read: everything modified up to its last record, except what the index had not
 * yet shown when the query ran (written within `lagMs` of it). Shared with the HubSpot poll.
 */
export const safeCheckpoint = (lastModified: number, queriedAt: number, lagMs: number) =>
  Math.min(lastModified, queriedAt - lagMs);

/** A saved checkpoint, or the one kept before it was what was surely read, less the lag. */
export async function savedCheckpoint(
  checkpoints: Checkpoints,
  name: string,
  legacyName: string,
  lagMs: number,
): Promise<number | undefined> {
  const saved = await checkpoints.get(name);
  if (saved !== undefined) return saved;
  const legacy = await checkpoints.get(legacyName);
  return legacy === undefined ? undefined : Math.max(0, legacy - lagMs);
}

/**
 * Where the query after `page` starts: a new query from the page's last modified time (its records at
 * that time read again, unchanged). A page all at one millisecond is read again by id from that
 * millisecond's first record (`tieAfter` ""), and on by id until it is read whole; then from the next
 * millisecond. Undefined when there is nothing more.
 */
export function nextQuery(
  since: number,
  tieAfter: string | undefined,
  page: CrmPage,
): { since: number; tieAfter?: string } | undefined {
  const last = page.records.at(-1);
  if (tieAfter !== undefined) return page.after && last ? { since, tieAfter: last.id } : { since: since + 1 };
  if (!page.after || !last) return undefined;
  return last.modifiedAt > since ? { since: last.modifiedAt } : { since, tieAfter: "" };
}

/** Where a run stopped inside one millisecond's records: the last record id read. */
export const tieCheckpointName = (name: string, at: number) => `${name}:tie:${at}`;

export interface PageThrough {
  /** The checkpoint's name, and the checkpoint saved (undefined: from the start). */
  name: string;
  saved?: number;
  lagMs: number;
  /**
   * Whether to read another page (the run's cap, its time). `tie`: the page would be the first of a
   * millisecond's records by id in this run, which the cap lets through (the page before re-read
   * them by time: a run that stopped there would never get further into them).
   */
  more: (tie: boolean) => boolean;
  /** A page of records modified at or after `since`; with `tieAfter`, at `since` only, by id. */
  read: (since: number, tieAfter?: string) => Promise<CrmPage>;
  /** The page's work, done before the checkpoint moves past it. */
  onPage: (records: CrmRecord[]) => Promise<void>;
  /**
   * Caught up: the checkpoint moves `lag` before the run's first query (everything the index showed
   * then is read), not only through the last record read. Default: through the last record.
   */
  caughtUpToQuery?: boolean;
}

export interface PageRun {
  caughtUp: boolean;
  /** The checkpoint as the run left it. */
  checkpoint?: number;
  /** One millisecond's records the CRM would not page by id, and why (never expected; said if so). */
  skipped: { id: string; reason: string }[];
}

export async function pageThrough(deps: { clock: Clock; checkpoints: Checkpoints }, p: PageThrough) {
  const run: PageRun = {
    caughtUp: false,
    skipped: [],
    ...(p.saved !== undefined ? { checkpoint: p.saved } : {}),
  };
  // The run's first query: a record the index had not shown then may be older than a later page's
  // start, so no checkpoint this run makes is later than `lag` before it.
  const queriedAt = deps.clock.now();
  const advance = async (through: number) => {
    const surely = safeCheckpoint(through, queriedAt, p.lagMs);
    if (surely <= (run.checkpoint ?? -1)) return;
    await deps.checkpoints.advance(p.name, surely);
    run.checkpoint = surely;
  };
  /** The last id read of a millisecond an earlier run stopped inside, if one did. */
  const stoppedInside = async (at: number) => {
    const id = await deps.checkpoints.get(tieCheckpointName(p.name, at));
    return id === undefined ? undefined : String(id);
  };
  let since = p.saved ?? 0;
  // A run that stopped inside the checkpoint's millisecond: on from where it stopped.
  let tieAfter = p.saved === undefined ? undefined : await stoppedInside(since);
  let entering = tieAfter !== undefined;
  while (p.more(entering)) {
    entering = false;
    const page = await p.read(since, tieAfter);
    await p.onPage(page.records);
    let next = nextQuery(since, tieAfter, page);
    const last = page.records.at(-1);
    if (tieAfter !== undefined) {
      // A millisecond whose records the page before showed, none found by their exact time, or ids
      // not after the last one read: the CRM would not page it by id. Said, and gone past.
      const broken =
        tieAfter === "" && !last
          ? "the CRM found none of them by their exact modified time (or all were modified again since)"
          : last && tieAfter !== "" && !(Number(last.id) > Number(tieAfter))
            ? "the CRM did not page them by record id"
            : undefined;
      if (broken) {
        run.skipped.push({ id: "*", reason: `records modified at ${iso(since)}: ${broken}` });
        next = { since: since + 1 };
      } else if (
        next?.tieAfter &&
        since <= queriedAt - p.lagMs &&
        Number.isSafeInteger(Number(next.tieAfter))
      )
        // Where this millisecond's records stand read, once the index surely shows all of them.
        await deps.checkpoints.advance(tieCheckpointName(p.name, since), Number(next.tieAfter));
    }
    // Only now, with the page's work done: through its last record, or past a millisecond read whole.
    const through = next && next.tieAfter === undefined ? next.since : last?.modifiedAt;
    if (through !== undefined) await advance(through);
    if (!next) {
      run.caughtUp = true;
      if (p.caughtUpToQuery) await advance(Number.POSITIVE_INFINITY);
      break;
    }
    // A millisecond an earlier run stopped inside: on from where it stopped.
    if (next.tieAfter === "") {
      entering = true;
      next.tieAfter = (await stoppedInside(next.since)) ?? "";
    }
    ({ since, tieAfter } = next);
  }
  return run;
}
