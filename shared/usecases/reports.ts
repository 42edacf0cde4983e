import { ValidationError } from "../domain/errors.ts";
import { DAY, iso } from "../domain/time.ts";
import { parseWith } from "../domain/validation.ts";
import { type DecisionStatus, type OutcomeType, STATUSES } from "../domain/vocabulary.ts";
import { type Rate, wilson } from "../domain/wilson.ts";
import * as z from "../domain/zod-mini.ts";
import type { Clock, SpecStore } from "../ports.ts";

/**
 * What the outcomes report reads of a decision: ids, its arm and version, and its outcomes' types.
 * Never a sealed field, so no data key is opened (and, in AWS, no kms:Decrypt is needed).
 */
export interface OutcomeRow {
  decisionId: string;
  accountId: string;
  actionKind: string;
  specVersion: number;
  arm?: string;
  outcomes: { type: OutcomeType }[];
}

/** Decisions with a status, decided in [fromIso, toIso): a key-range read of one index partition. */
export interface OutcomeRowReader {
  /** At most `max` rows; throws RangeError past it so a report is never silently partial. */
  decided(
    status: DecisionStatus,
    fromIso: string,
    toIso: string,
    opts: { armOnly: boolean; max: number },
  ): Promise<OutcomeRow[]>;
}

/** The outcome types the report counts, by the name it prints. */
export const METRICS = {
  replies: "replied",
  meetings: "meeting_booked",
  unsubscribes: "unsubscribed",
  complaints: "complaint",
} as const satisfies Record<string, OutcomeType>;
export type Metric = keyof typeof METRICS;
const METRIC_NAMES = Object.keys(METRICS) as Metric[];

/** A window longer than a quarter is a job for Athena over the archive (the OutcomesByArm query). */
export const MAX_WINDOW_DAYS = 92;
const DEFAULT_WINDOW_DAYS = 30;
/** Decisions one report may read; beyond it, narrow the window. */
export const MAX_ROWS = 200_000;

const Instant = z.pipe(
  z.string().check(
    z.maxLength(40),
    z.refine(
      (s) => /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(s) && !Number.isNaN(Date.parse(s)),
      { message: "expected a date (YYYY-MM-DD, UTC midnight) or an ISO date-time" },
    ),
  ),
  z.transform((s: string) => Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s)),
);

export const OutcomesQuery = z.strictObject({
  by: z.enum(["specVersion", "arm"]),
  from: z.optional(Instant),
  to: z.optional(Instant),
});

export interface OutcomeGroup {
  /** `v3` or the arm's name. */
  key: string;
  specVersion?: number;
  arm?: string;
  /** An arm's decisions' spec versions (an arm may move to another version in a later spec). */
  specVersions?: number[];
  holdout?: boolean;
  /** Distinct accounts: for arms, every account with a decision in the arm (assigned and proposed for). */
  accounts: number;
  /** Touch decisions that executed. */
  touches: number;
  /** Holdout only: touch decisions the holdout blocked, on which its outcomes are recorded. */
  heldOut?: number;
  /** Touches (and held-out touches) with at least one outcome of the type. */
  counts: Record<Metric, number>;
  /** counts / touches, with a 95% Wilson interval; null without touches. */
  perTouch: Record<Metric, Rate | null>;
  /** Arms: accounts with at least one such outcome. */
  accountsWith?: Record<Metric, number>;
  /** Arms: accountsWith / accounts, with a 95% Wilson interval. */
  perAccount?: Record<Metric, Rate | null>;
}

export interface OutcomesReport {
  by: "specVersion" | "arm";
  from: string;
  to: string;
  experiment?: string;
  decisionsRead: number;
  groups: OutcomeGroup[];
}

export interface ReportDeps {
  clock: Clock;
  specs: Pick<SpecStore, "current">;
  reports: OutcomeRowReader;
}

/**
 * Outcomes per spec version or per experiment arm, for the decisions made in [from, to) (default: the
 * last 30 days). A decision's outcomes count with it whenever they arrived. Read from the ledger's
 * status index by key range (executed decisions; for arms every status, to know each arm's accounts
 * and the holdout's blocked touches), never by a table scan.
 */
export async function outcomesReport(deps: ReportDeps, query: unknown): Promise<OutcomesReport> {
  const q = parseWith(OutcomesQuery, query);
  // By default up to now included ([from, to) excludes `to`).
  const to = q.to ?? deps.clock.now() + 1;
  const from = q.from ?? to - DEFAULT_WINDOW_DAYS * DAY;
  if (from >= to) throw new ValidationError([{ path: "from", message: "must be before to" }]);
  if (to - from > MAX_WINDOW_DAYS * DAY)
    throw new ValidationError([
      { path: "from", message: `the window may span at most ${MAX_WINDOW_DAYS} days (use Athena for more)` },
    ]);
  const window = { from: iso(from), to: iso(to) };
  const statuses: readonly DecisionStatus[] = q.by === "arm" ? STATUSES : ["executed"];
  const rows: { row: OutcomeRow; status: DecisionStatus }[] = [];
  for (const status of statuses) {
    const max = MAX_ROWS - rows.length;
    let read: OutcomeRow[];
    try {
      read = await deps.reports.decided(status, window.from, window.to, { armOnly: q.by === "arm", max });
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      throw new ValidationError([
        { path: "from", message: `the window holds more than ${MAX_ROWS} decisions; narrow it` },
      ]);
    }
    for (const row of read) rows.push({ row, status });
  }
  const experiment = (await deps.specs.current())?.spec.experiments;
  return {
    by: q.by,
    ...window,
    ...(q.by === "arm" && experiment ? { experiment: experiment.name } : {}),
    decisionsRead: rows.length,
    groups:
      q.by === "arm"
        ? byArm(rows, experiment ? [...experiment.arms.map((a) => a.name)] : [], experiment?.holdout?.name)
        : byVersion(rows.map((r) => r.row)),
  };
}

const zeroCounts = (): Record<Metric, number> => ({
  replies: 0,
  meetings: 0,
  unsubscribes: 0,
  complaints: 0,
});

const has = (row: OutcomeRow, metric: Metric) => row.outcomes.some((o) => o.type === METRICS[metric]);

const rates = (counts: Record<Metric, number>, n: number): Record<Metric, Rate | null> =>
  Object.fromEntries(METRIC_NAMES.map((m) => [m, wilson(counts[m], n) ?? null])) as Record<
    Metric,
    Rate | null
  >;

/** Counts over the rows outcomes are recorded on: a group's executed (or held-out) touches. */
function tally(counted: OutcomeRow[]) {
  const counts = zeroCounts();
  const accountsWith = Object.fromEntries(METRIC_NAMES.map((m) => [m, new Set<string>()])) as Record<
    Metric,
    Set<string>
  >;
  for (const row of counted)
    for (const m of METRIC_NAMES)
      if (has(row, m)) {
        counts[m]++;
        accountsWith[m].add(row.accountId);
      }
  return { counts, accountsWith };
}

function byVersion(rows: OutcomeRow[]): OutcomeGroup[] {
  const groups = new Map<number, OutcomeRow[]>();
  for (const row of rows) {
    if (row.actionKind !== "touch") continue;
    const group = groups.get(row.specVersion);
    if (group) group.push(row);
    else groups.set(row.specVersion, [row]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([version, touches]) => {
      const { counts } = tally(touches);
      return {
        key: `v${version}`,
        specVersion: version,
        accounts: new Set(touches.map((t) => t.accountId)).size,
        touches: touches.length,
        counts,
        perTouch: rates(counts, touches.length),
      };
    });
}

function byArm(
  rows: { row: OutcomeRow; status: DecisionStatus }[],
  currentArms: string[],
  holdoutName: string | undefined,
): OutcomeGroup[] {
  const names = [...currentArms, ...(holdoutName ? [holdoutName] : [])];
  for (const { row } of rows) if (row.arm && !names.includes(row.arm)) names.push(row.arm);
  return names.map((arm) => {
    const mine = rows.filter((r) => r.row.arm === arm);
    const holdout = arm === holdoutName;
    const touches = mine.filter((r) => r.row.actionKind === "touch" && r.status === "executed");
    const heldOut = holdout ? mine.filter((r) => r.row.actionKind === "touch" && r.status === "blocked") : [];
    const accounts = new Set(mine.map((r) => r.row.accountId)).size;
    const { counts, accountsWith } = tally([...touches, ...heldOut].map((r) => r.row));
    const accountCounts = Object.fromEntries(METRIC_NAMES.map((m) => [m, accountsWith[m].size])) as Record<
      Metric,
      number
    >;
    return {
      key: arm,
      arm,
      specVersions: [...new Set(mine.map((r) => r.row.specVersion))].sort((a, b) => a - b),
      ...(holdout ? { holdout: true } : {}),
      accounts,
      touches: touches.length,
      ...(holdout ? { heldOut: heldOut.length } : {}),
      counts,
      // Per touch: on executed touches only (a holdout's held-out touches reached no one).
      perTouch: rates(tally(touches.map((r) => r.row)).counts, touches.length),
      accountsWith: accountCounts,
      perAccount: rates(accountCounts, accounts),
    };
  });
}
