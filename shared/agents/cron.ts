/**
 * Five-field cron expressions ("0 6 * * *", "0 9 * * 1-5") evaluated in a time zone, the way
 * EventBridge Scheduler evaluates them with a ScheduleExpressionTimezone.
 */
import { instantOfLocal, localParts } from "../domain/time.ts";

export interface Cron {
  minutes: number[];
  hours: number[];
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  anyDay: boolean;
  anyWeekday: boolean;
}

export class CronError extends Error {
  override readonly name = "CronError";
}

function field(text: string, min: number, max: number, name: string): number[] {
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const m = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new CronError(`cron ${name}: cannot read "${part}"`);
    const [, range = "*", step = "1"] = m;
    const [lo, hi] =
      range === "*"
        ? [min, max]
        : range.includes("-")
          ? range.split("-").map(Number)
          : [Number(range), Number(range)];
    if (lo === undefined || hi === undefined || lo < min || hi > max || lo > hi || Number(step) < 1)
      throw new CronError(`cron ${name}: "${part}" is outside ${min}-${max}`);
    for (let v = lo; v <= hi; v += Number(step)) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

export function parseCron(expr: string): Cron {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5)
    throw new CronError(`cron "${expr}": expected 5 fields (minute hour day month weekday)`);
  const [mi = "", h = "", d = "", mo = "", w = ""] = parts;
  return {
    minutes: field(mi, 0, 59, "minute"),
    hours: field(h, 0, 23, "hour"),
    days: new Set(field(d, 1, 31, "day")),
    months: new Set(field(mo, 1, 12, "month")),
    weekdays: new Set(field(w, 0, 7, "weekday").map((x) => x % 7)),
    anyDay: d === "*",
    anyWeekday: w === "*",
  };
}

/** The first instant strictly after `after` at which the expression fires, in `timeZone`. */
export function nextFire(cron: Cron, after: number, timeZone: string): number {
  const start = localParts(after, timeZone);
  for (let dayOffset = 0; dayOffset < 400; dayOffset++) {
    const date = new Date(Date.UTC(start.year, start.month - 1, start.day + dayOffset));
    const y = date.getUTCFullYear();
    const mo = date.getUTCMonth() + 1;
    const d = date.getUTCDate();
    const wd = date.getUTCDay();
    if (!cron.months.has(mo)) continue;
    // Standard cron: when both day and weekday are restricted, either may match.
    const dayOk =
      cron.anyDay && cron.anyWeekday
        ? true
        : cron.anyDay
          ? cron.weekdays.has(wd)
          : cron.anyWeekday
            ? cron.days.has(d)
            : cron.days.has(d) || cron.weekdays.has(wd);
    if (!dayOk) continue;
    for (const h of cron.hours) {
      for (const m of cron.minutes) {
        const at = instantOfLocal(y, mo, d, h, m, timeZone);
        if (at > after) return at;
      }
    }
  }
  throw new CronError("cron expression never fires within 400 days");
}

/**
 * Whether the expression fires at the minute `at` (epoch ms, on the minute) in `timeZone`: the same
 * firing nextFire would give (an hour repeated when clocks go back fires once, as here locally).
 */
export const firesAt = (cron: Cron, at: number, timeZone: string): boolean =>
  nextFire(cron, at - 60_000, timeZone) === at;

/**
 * The minutes of every hour, in UTC, at which an expression's firings may fall in some time zone:
 * its own minutes and each a quarter of an hour apart (every zone's offset from UTC is a whole number
 * of quarter hours: India's +5:30, Nepal's +5:45). A schedule at these minutes, asking firesAt of the
 * workspace's zone when it fires, fires the expression in a zone read at run time.
 */
export function quarterHourMinutes(cron: Cron): number[] {
  const out = new Set<number>();
  for (const m of cron.minutes) for (let q = 0; q < 4; q++) out.add((m % 15) + 15 * q);
  return [...out].sort((a, b) => a - b);
}
