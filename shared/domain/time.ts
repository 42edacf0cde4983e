/**
 * Time-zone arithmetic on instants (epoch milliseconds) with the platform's Intl data.
 * Coordination rules count "a day" in the account's own time zone, so these helpers must be
 * right across DST changes: they never assume a day is 24 hours long.
 */

import { DAY, daysToMonth, HOUR } from "./instant.ts";

export { DAY, HOUR } from "./instant.ts";

const MINUTE = 60_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      weekday: "short",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * The zones the platform lists, read once. Specs and knowledge records are validated on every read,
 * and a listed zone is then a set lookup (about 2 ms on a cold start, once) where a first formatter
 * loads ICU's formatting data (about 25 ms): an agent that reads the spec and does no local-time
 * arithmetic no longer pays for it. Only the formatter says no: a zone not listed (UTC, an alias the
 * list spells otherwise, another letter case) is asked of it, as before.
 */
let listedZones: Set<string> | undefined;

export function isValidTimeZone(timeZone: string): boolean {
  listedZones ??= new Set(Intl.supportedValuesOf("timeZone"));
  if (listedZones.has(timeZone)) return true;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday ... 6 = Saturday */
  weekday: number;
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

function partsFromIntl(at: number, timeZone: string): LocalParts {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(at))) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS.indexOf(parts.weekday ?? ""),
  };
}

/**
 * Zone offsets only change at transitions, which fall on quarter hours; caching the offset per zone and
 * quarter hour keeps the gate's many local-time questions off the (slow) Intl formatter. The cache is
 * one map per zone keyed by the quarter-hour number: a key string built per lookup (`zone|quarter`) cost
 * ~14% of a decision in the profile (issue 8), a number key costs nothing to build or hash.
 */
const QUARTER_HOUR = 900_000;
/** Quarter hours remembered per zone (over a year, for a replay); a zone's map is emptied when full. */
const MAX_QUARTERS_PER_ZONE = 40_000;
const offsets = new Map<string, Map<number, number>>();
/** The last zone asked about: the gate asks about one or two zones per decision, over and over. */
let lastZone: string | undefined;
let lastOffsets: Map<number, number> | undefined;

function zoneOffsets(timeZone: string): Map<number, number> {
  if (timeZone === lastZone && lastOffsets) return lastOffsets;
  let byQuarter = offsets.get(timeZone);
  if (!byQuarter) {
    byQuarter = new Map();
    offsets.set(timeZone, byQuarter);
  }
  lastZone = timeZone;
  lastOffsets = byQuarter;
  return byQuarter;
}

/** Offset of the zone from UTC at an instant, in ms (positive east of Greenwich). */
function offsetAt(at: number, timeZone: string): number {
  // As Intl would refuse it, whatever the zone.
  if (!Number.isFinite(at)) throw new RangeError("Invalid time value");
  // Without Intl: its first use in a process loads ICU's data, ~20 ms of a cold start, and the gate's
  // day keys, the ledger's and most deployments' windows are in UTC, whose offset never changes.
  if (timeZone === "UTC" || timeZone === "Etc/UTC") return 0;
  const byQuarter = zoneOffsets(timeZone);
  const quarter = Math.floor(at / QUARTER_HOUR);
  let offset = byQuarter.get(quarter);
  if (offset === undefined) {
    const p = partsFromIntl(at, timeZone);
    const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    offset = asUtc - Math.floor(at / 1000) * 1000;
    if (byQuarter.size >= MAX_QUARTERS_PER_ZONE) byQuarter.clear();
    byQuarter.set(quarter, offset);
  }
  return offset;
}

/**
 * UTC fields of an instant by arithmetic, as a Date's getUTC* would give them (Hinnant's
 * civil_from_days): the gate asks for local parts a dozen times per decision, and a Date per question
 * was a measurable share of evaluation (issue 8). Truncated to whole ms toward zero, as Date does.
 */
function utcParts(instant: number): LocalParts {
  const ms = Math.trunc(instant);
  const days = Math.floor(ms / DAY);
  const inDay = ms - days * DAY;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  return {
    year: yoe + era * 400 + (month <= 2 ? 1 : 0),
    month,
    day: doy - Math.floor((153 * mp + 2) / 5) + 1,
    hour: Math.floor(inDay / HOUR),
    minute: Math.floor((inDay % HOUR) / MINUTE),
    second: Math.floor((inDay % MINUTE) / 1000),
    // 1970-01-01 was a Thursday (4).
    weekday: (((days % 7) + 11) % 7) as number,
  };
}

/**
 * Date.UTC(year, month - 1, day, hour, minute), months and days overflowing into the next as there,
 * by arithmetic for the years people live in; anything else is left to Date.UTC itself (which reads
 * years 0-99 as 1900-1999, for one).
 */
function utcOf(year: number, month: number, day: number, hour: number, minute: number): number {
  if (
    !(year >= 1000 && year <= 9999) ||
    !Number.isInteger(month) ||
    !Number.isInteger(day) ||
    !Number.isInteger(hour) ||
    !Number.isInteger(minute) ||
    !Number.isInteger(year) ||
    Math.abs(day) > 1_000_000
  )
    return Date.UTC(year, month - 1, day, hour, minute);
  const yearsOver = Math.floor((month - 1) / 12);
  const m = month - yearsOver * 12;
  return (daysToMonth(year + yearsOver, m) + day - 1) * DAY + hour * HOUR + minute * MINUTE;
}

/** Minute of the (UTC) day of an instant: what getUTCHours and getUTCMinutes together say. */
const minuteOfUtcDay = (instant: number): number => {
  const m = Math.floor(Math.trunc(instant) / MINUTE) % 1440;
  // `+ 0` turns the -0 of a negative multiple of a day into 0.
  return m < 0 ? m + 1440 : m + 0;
};

export function localParts(at: number, timeZone: string): LocalParts {
  return utcParts(at + offsetAt(at, timeZone));
}

/** The instant at which the given local wall-clock time occurs (first occurrence on DST overlaps). */
export function instantOfLocal(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  timeZone: string,
): number {
  const guess = utcOf(year, month, day, hour, minute);
  // Two passes settle the offset even when the guess falls on the other side of a DST change.
  let at = guess - offsetAt(guess, timeZone);
  at = guess - offsetAt(at, timeZone);
  if (minuteOfUtcDay(at + offsetAt(at, timeZone)) !== minuteOfUtcDay(guess)) {
    // The wall-clock time does not exist (a DST gap, e.g. midnight in Santiago): the day starts when
    // the clocks jump, which is the requested time read with the offset from before the jump.
    at = guess - offsetAt(guess - DAY, timeZone);
  }
  return at;
}

/** "01" ... "31": two-digit months and days without padStart per call. */
const TWO_DIGITS = Array.from({ length: 32 }, (_, i) => String(i).padStart(2, "0"));

/** The last local date written: every decision writes its workspace day, nearly always the same one. */
let lastDateZone: string | undefined;
let lastDateDay = Number.NaN;
let lastDateText = "";

/** Calendar date (YYYY-MM-DD) of an instant in a zone. */
export function localDate(at: number, timeZone: string): string {
  const local = at + offsetAt(at, timeZone);
  // The local day number decides the date: the same day in the same zone is the same text.
  const day = Math.floor(Math.trunc(local) / DAY);
  if (day === lastDateDay && timeZone === lastDateZone) return lastDateText;
  const p = utcParts(local);
  lastDateText = `${p.year}-${TWO_DIGITS[p.month]}-${TWO_DIGITS[p.day]}`;
  lastDateDay = day;
  lastDateZone = timeZone;
  return lastDateText;
}

export function startOfLocalDay(at: number, timeZone: string): number {
  const p = localParts(at, timeZone);
  return instantOfLocal(p.year, p.month, p.day, 0, 0, timeZone);
}

export function startOfNextLocalDay(at: number, timeZone: string): number {
  const p = localParts(at, timeZone);
  // Day overflow (e.g. Jan 32 -> Feb 1) is normalised by instantOfLocal, as by Date.UTC.
  return instantOfLocal(p.year, p.month, p.day + 1, 0, 0, timeZone);
}

/** The last day window asked for: a decision asks for the same one or two zones' days over and over. */
let lastWindow: { timeZone: string; localDay: number; days: number } | undefined;
let lastBounds: { start: number; end: number } = { start: 0, end: 0 };

/**
 * [start of the local day `days - 1` days before the one of `at`, start of the local day after it):
 * the instants of `days` calendar days in the zone ending with the day of `at`. The same as
 * `instantOfLocal(y, m, d - (days - 1), 0, 0, tz)` and `startOfNextLocalDay(at, tz)`, remembered for the
 * last local day asked about. The result is shared: do not change it.
 */
export function localDaysWindow(at: number, timeZone: string, days: number): { start: number; end: number } {
  const local = at + offsetAt(at, timeZone);
  // The local day number names the local date (as in localDate): compared before any parts are made.
  const localDay = Math.floor(Math.trunc(local) / DAY);
  const last = lastWindow;
  if (last !== undefined && last.localDay === localDay && last.days === days && last.timeZone === timeZone)
    return lastBounds;
  const p = utcParts(local);
  lastBounds = {
    start: instantOfLocal(p.year, p.month, p.day - (days - 1), 0, 0, timeZone),
    end: instantOfLocal(p.year, p.month, p.day + 1, 0, 0, timeZone),
  };
  lastWindow = { timeZone, localDay, days };
  return lastBounds;
}

/** Minutes since local midnight. */
export function localMinuteOfDay(at: number, timeZone: string): number {
  return minuteOfUtcDay(at + offsetAt(at, timeZone));
}

export function parseHhMm(value: string): number {
  const [h, m] = value.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

export const iso = (at: number): string => new Date(at).toISOString();

/**
 * How long after its first recording an event delivered again (an outcome, a decision's transition)
 * may still be one whose first delivery failed part-way: longer than any redelivery. EventBridge and
 * Lambda retry for hours; a dead-letter queue keeps a message 14 days, and one redriven and failed
 * again lands there for another 14. Within it, a redelivery runs its effects again and the
 * once-markers (ONCE_MARKER_MS) make each count once; past it, an outcome is kept but neither taught
 * nor announced again (usecases/outcomes.ts). Before, a HubSpot poll that met a contact's month-old
 * reply again beside a new meeting taught the reply a second time, its markers long expired.
 */
export const REDELIVERY_MS = 45 * DAY;
/** How long the once-markers of taught and counted events are kept: past any redelivery. */
export const ONCE_MARKER_MS = REDELIVERY_MS + DAY;
