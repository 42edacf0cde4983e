/**
 * `Number.prototype.toFixed` without its cost. Every decision writes its trust score and evidence
 * with toFixed (the autonomy entry, the evaluation's trustScore): four calls per decision, each
 * 0.2-0.5 µs, because toFixed works in exact decimal arithmetic. For the values the gate writes
 * (magnitude under a million, at most 4 decimals) one multiplication gives the same digits whenever the
 * scaled value is not within rounding error of a tie; near a tie, and for anything else, toFixed itself
 * decides. The property test (test/unit/decimal.test.ts) holds it to toFixed.
 */

const SCALE = [1, 10, 100, 1000, 10_000];
/** |x| below this: x · 10^4 < 1e10, so the product is within 2e-6 of the exact one. */
const FAST_LIMIT = 1e6;
/** Scaled values this close to n + 0.5 are left to toFixed (the float product may round either way). */
const TIE_BAND = 1e-5;
const ZEROS = ["", "0", "00", "000", "0000"];

/**
 * Exactly `Number(x.toFixed(digits))` without the text: where toFixed's digits come from n = round(x · 10^d)
 * (the fast case below), the text names the rational n / 10^d and Number reads it as the double nearest
 * to it, which is what the division n / 10^d gives (IEEE division is correctly rounded; n and 10^d are
 * exact). Elsewhere toFixed and Number decide.
 */
export function roundTo(x: number, digits: 0 | 1 | 2 | 3 | 4): number {
  if (!(x > -FAST_LIMIT && x < FAST_LIMIT)) return Number(x.toFixed(digits));
  const negative = x < 0;
  const scale = SCALE[digits] as number;
  const scaled = (negative ? -x : x) * scale;
  const whole = Math.floor(scaled);
  const frac = scaled - whole;
  if (frac > 0.5 - TIE_BAND && frac < 0.5 + TIE_BAND) return Number(x.toFixed(digits));
  const n = (frac > 0.5 ? whole + 1 : whole) / scale;
  // toFixed writes "-0.00" for a negative x that rounds to zero, which Number reads as -0; for -0 itself
  // it writes "0" (`+ 0` turns the -0 that -0 · scale gives into 0).
  return negative ? -n : n + 0;
}

/** Exactly `x.toFixed(digits)`, digits 0-4. */
export function toFixed(x: number, digits: 0 | 1 | 2 | 3 | 4): string {
  // NaN fails both comparisons and goes to toFixed too.
  if (!(x > -FAST_LIMIT && x < FAST_LIMIT)) return x.toFixed(digits);
  // toFixed writes "-" for every negative x, also when it rounds to zero ("-0.00"), and none for -0.
  const negative = x < 0;
  const scaled = (negative ? -x : x) * (SCALE[digits] as number);
  const whole = Math.floor(scaled);
  const frac = scaled - whole;
  if (frac > 0.5 - TIE_BAND && frac < 0.5 + TIE_BAND) return x.toFixed(digits);
  const n = frac > 0.5 ? whole + 1 : whole;
  let text = `${n}`;
  if (digits > 0) {
    if (text.length <= digits) text = `${ZEROS[digits + 1 - text.length] ?? ""}${text}`;
    const point = text.length - digits;
    text = `${text.slice(0, point)}.${text.slice(point)}`;
  }
  return negative ? `-${text}` : text;
}
