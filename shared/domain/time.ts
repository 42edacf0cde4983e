/**
 * Time-zone arithmetic on instants (epoch milliseconds) with the platform's Intl data.
 * Coordination rules count "a day" in the account's own time zone, so these helpers must be
 * right across DST changes: they never assume a day is 24 hours long.
 */

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

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

export function isValidTimeZone(timeZone: string): boolean {
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
 * quarter hour keeps the gate's many local-time questions off the (slow) Intl formatter.
 */
const QUARTER_HOUR = 900_000;
const offsets = new Map<string, number>();

/** Offset of the zone from UTC at an instant, in ms (positive east of Greenwich). */
function offsetAt(at: number, timeZone: string): number {
  const key = `${timeZone}|${Math.floor(at / QUARTER_HOUR)}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const p = partsFromIntl(at, timeZone);
    const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    offset = asUtc - Math.floor(at / 1000) * 1000;
    if (offsets.size > 50_000) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

export function localParts(at: number, timeZone: string): LocalParts {
  const d = new Date(at + offsetAt(at, timeZone));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
  };
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
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  // Two passes settle the offset even when the guess falls on the other side of a DST change.
  let at = guess - offsetAt(guess, timeZone);
  at = guess - offsetAt(at, timeZone);
  const check = new Date(at + offsetAt(at, timeZone));
  if (
    check.getUTCHours() !== new Date(guess).getUTCHours() ||
    check.getUTCMinutes() !== new Date(guess).getUTCMinutes()
  ) {
    // The wall-clock time does not exist (a DST gap, e.g. midnight in Santiago): the day starts when
    // the clocks jump, which is the requested time read with the offset from before the jump.
    at = guess - offsetAt(guess - DAY, timeZone);
  }
  return at;
}

/** Calendar date (YYYY-MM-DD) of an instant in a zone. */
export function localDate(at: number, timeZone: string): string {
  const p = localParts(at, timeZone);
  return `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`;
}

export function startOfLocalDay(at: number, timeZone: string): number {
  const p = localParts(at, timeZone);
  return instantOfLocal(p.year, p.month, p.day, 0, 0, timeZone);
}

export function startOfNextLocalDay(at: number, timeZone: string): number {
  const p = localParts(at, timeZone);
  // Date.UTC normalises day overflow (e.g. Jan 32 -> Feb 1).
  const next = new Date(Date.UTC(p.year, p.month - 1, p.day + 1));
  return instantOfLocal(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0, timeZone);
}

/** Minutes since local midnight. */
export function localMinuteOfDay(at: number, timeZone: string): number {
  const p = localParts(at, timeZone);
  return p.hour * 60 + p.minute;
}

export function parseHhMm(value: string): number {
  const [h, m] = value.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

export const iso = (at: number): string => new Date(at).toISOString();
