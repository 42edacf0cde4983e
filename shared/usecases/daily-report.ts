/**
 * The console's overview: per UTC day, proposals by verdict, collisions prevented, touches sent,
 * replies and meetings. Read from the ledger's status index by key range (one partition per status,
 * decidedAt between the window's bounds, only the counted fields projected), never by a table scan.
 *
 * Attribution: everything counts on the day its decision was made. A touch decided on Monday and
 * sent on Tuesday after its override window, and the reply it got on Thursday, both count on Monday:
 * the same cohort rule as the outcomes report (reports.ts), so the two reports agree, and a day's
 * replies per touch is a rate of that day's touches.
 */
import { ValidationError } from "../domain/errors.ts";
import { DAY, iso } from "../domain/time.ts";
import { parseWith } from "../domain/validation.ts";
import { type DecisionStatus, type OutcomeType, STATUSES, type Verdict } from "../domain/vocabulary.ts";
import * as z from "../domain/zod-mini.ts";
import type { Clock } from "../ports.ts";

/** What the report reads of a decision: never a sealed field, so no data key is opened. */
export interface DailyRow {
  decidedAt: string;
  verdict: Verdict;
  actionKind: string;
  checks: { check: string; result: string; shadow?: boolean }[];
  outcomes: { type: OutcomeType }[];
}

export interface DailyRowReader {
  /** Decisions of one status decided in [fromIso, toIso); at most `max`, RangeError past it. */
  dailyRows(status: DecisionStatus, fromIso: string, toIso: string, max: number): Promise<DailyRow[]>;
}

/** The window is bounded like the outcomes report's: longer ones are a job for Athena. */
export const MAX_DAYS = 92;
const DEFAULT_DAYS = 14;
const MAX_ROWS = 200_000;

/** A UTC calendar date: the shape and a real day (2026-02-30 is refused), one message either way. */
const Day = z.string().check(
  z.refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && iso(Date.parse(`${s}T00:00:00Z`) || 0).startsWith(s), {
    message: "expected a UTC date, YYYY-MM-DD",
  }),
);
const d = <T extends z.ZodMiniType>(schema: T, description: string) => schema.check(z.describe(description));
const Count = () => z.number().check(z.int());

export const DailyQuery = z.strictObject({
  from: d(z.optional(Day), `first day, included (default: ${DEFAULT_DAYS - 1} days before to)`),
  to: d(z.optional(Day), "last day, included (default: today, UTC)"),
});

export const DailyDay = z.object({
  date: d(z.string(), "UTC date"),
  proposals: d(
    z.object({
      total: Count(),
      allow: Count(),
      schedule: Count(),
      require_approval: Count(),
      defer: Count(),
      block: Count(),
    }),
    "by verdict",
  ),
  collisionsPrevented: d(Count(), "touches deferred or blocked by a coordination rule"),
  touchesSent: d(Count(), "touch decisions executed"),
  replies: d(Count(), "touches that got a reply (whenever it arrived)"),
  meetings: d(Count(), "touches that got a meeting booked"),
});
export type DailyDay = z.infer<typeof DailyDay>;
export const DailyReport = z.object({ from: z.string(), to: z.string(), days: z.array(DailyDay) });
export type DailyReport = z.infer<typeof DailyReport>;

const dayOf = (ms: number) => iso(ms).slice(0, 10);
const startOf = (day: string) => Date.parse(`${day}T00:00:00Z`);

/** A coordination rule (cooldown, one touch a day, ...) held the touch back: a collision prevented. */
export const isCollisionPrevented = (r: Pick<DailyRow, "verdict" | "checks">) =>
  (r.verdict === "defer" || r.verdict === "block") &&
  r.checks.some((c) => c.check === "coordination" && c.result === "fail" && !c.shadow);

export function emptyDay(date: string): DailyDay {
  const proposals = { total: 0, allow: 0, schedule: 0, require_approval: 0, defer: 0, block: 0 };
  return { date, proposals, collisionsPrevented: 0, touchesSent: 0, replies: 0, meetings: 0 };
}

/** Pure: the rows of each status, counted into one entry per day of [from, to] (every day, zeros included). */
export function tallyDays(from: string, to: string, rows: { row: DailyRow; status: DecisionStatus }[]) {
  const days = new Map<string, DailyDay>();
  for (let t = startOf(from); t <= startOf(to); t += DAY) days.set(dayOf(t), emptyDay(dayOf(t)));
  for (const { row, status } of rows) {
    const day = days.get(row.decidedAt.slice(0, 10));
    if (!day) continue;
    day.proposals.total++;
    day.proposals[row.verdict]++;
    if (isCollisionPrevented(row)) day.collisionsPrevented++;
    if (row.actionKind !== "touch" || status !== "executed") continue;
    day.touchesSent++;
    if (row.outcomes.some((o) => o.type === "replied")) day.replies++;
    if (row.outcomes.some((o) => o.type === "meeting_booked")) day.meetings++;
  }
  return [...days.values()];
}

export async function dailyReport(
  deps: { clock: Clock; reader: DailyRowReader },
  query: unknown,
): Promise<DailyReport> {
  const q = parseWith(DailyQuery, query);
  const to = q.to ?? dayOf(deps.clock.now());
  const from = q.from ?? dayOf(startOf(to) - (DEFAULT_DAYS - 1) * DAY);
  if (startOf(from) > startOf(to))
    throw new ValidationError([{ path: "from", message: "must not be after to" }]);
  if ((startOf(to) - startOf(from)) / DAY + 1 > MAX_DAYS)
    throw new ValidationError([{ path: "from", message: `the window may span at most ${MAX_DAYS} days` }]);
  const fromIso = iso(startOf(from));
  const toIso = iso(startOf(to) + DAY);
  const rows: { row: DailyRow; status: DecisionStatus }[] = [];
  for (const status of STATUSES) {
    let read: DailyRow[];
    try {
      read = await deps.reader.dailyRows(status, fromIso, toIso, MAX_ROWS - rows.length);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      throw new ValidationError([
        { path: "from", message: `the window holds more than ${MAX_ROWS} decisions; narrow it` },
      ]);
    }
    for (const row of read) rows.push({ row, status });
  }
  return { from, to, days: tallyDays(from, to, rows) };
}
