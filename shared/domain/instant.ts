/**
 * Instants read from the text the harness stores them as (toISOString's form), and the day arithmetic
 * under it; time.ts builds local time on the same arithmetic.
 */
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

const ZERO = 48;
/** Two ASCII digits at `i` as a number, or NaN when either is not a digit. */
function two(text: string, i: number): number {
  const a = text.charCodeAt(i) - ZERO;
  const b = text.charCodeAt(i + 1) - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : Number.NaN;
}

/** The last month asked about: the instants of one decision (signals, touches) fall in a month or two. */
let lastYear = Number.NaN;
let lastMonth = Number.NaN;
let lastDays = 0;

/** Days from 1970-01-01 to the first of a month (proleptic Gregorian; month 1-12). */
export function daysToMonth(year: number, month: number): number {
  if (year === lastYear && month === lastMonth) return lastDays;
  lastDays = civilDaysToMonth(year, month);
  lastYear = year;
  lastMonth = month;
  return lastDays;
}

function civilDaysToMonth(year: number, month: number): number {
  // Hinnant's days_from_civil with day 1: years start in March so the leap day ends a year.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5);
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/**
 * `Date.parse` for the instants the harness stores: the same result for every input (other shapes go
 * to `Date.parse` itself), read with arithmetic when the text is `YYYY-MM-DDTHH:MM:SS[.sss]Z`, the
 * form `toISOString` writes. Intent reads ~20 signal times per decision; `Date.parse` of them was the
 * largest cost of pure evaluation in the profile (issue 8).
 */
export function parseInstant(text: string): number {
  const n = text.length;
  if (
    (n !== 20 && n !== 24) ||
    text.charCodeAt(n - 1) !== 90 /* Z */ ||
    text.charCodeAt(4) !== 45 /* - */ ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 /* T */ ||
    text.charCodeAt(13) !== 58 /* : */ ||
    text.charCodeAt(16) !== 58 ||
    (n === 24 && text.charCodeAt(19) !== 46) /* . */
  )
    return Date.parse(text);
  const year = two(text, 0) * 100 + two(text, 2);
  const month = two(text, 5);
  const day = two(text, 8);
  const hour = two(text, 11);
  const minute = two(text, 14);
  const second = two(text, 17);
  const ms = n === 24 ? two(text, 20) * 10 + (text.charCodeAt(22) - ZERO) : 0;
  const msDigit = n === 24 ? text.charCodeAt(22) - ZERO : 0;
  // Out of the common ranges (or not digits: NaN fails every comparison): let Date.parse decide.
  if (
    !(month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 59) ||
    !(year >= 0 && ms >= 0 && msDigit >= 0 && msDigit <= 9)
  )
    return Date.parse(text);
  // Day 31 of a 30-day month rolls over, exactly as Date.parse (and Date.UTC) do.
  return (daysToMonth(year, month) + day - 1) * DAY + hour * HOUR + minute * 60_000 + second * 1000 + ms;
}
