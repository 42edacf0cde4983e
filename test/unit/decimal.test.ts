import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { roundTo, toFixed } from "../../shared/domain/decimal.ts";

const DIGITS = [0, 1, 2, 3, 4] as const;
const digits = fc.constantFrom(...DIGITS);

describe("toFixed: Number.prototype.toFixed, faster", () => {
  it("agrees with toFixed on any double", () => {
    fc.assert(
      fc.property(fc.double(), digits, (x, d) => {
        expect(toFixed(x, d)).toBe(x.toFixed(d));
      }),
      { numRuns: 5_000 },
    );
  });

  it("agrees on the values the gate writes: scores in [0, 1], samples up to thousands", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.double({ min: -5000, max: 5000, noNaN: true }),
        ),
        digits,
        (x, d) => {
          expect(toFixed(x, d)).toBe(x.toFixed(d));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it("agrees on ties and near-ties, where float products round either way", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -2_000_000, max: 2_000_000 }),
        digits,
        fc.integer({ min: -3, max: 3 }),
        (k, d, ulps) => {
          let x = (k + 0.5) / 10 ** d;
          for (let i = 0; i < Math.abs(ulps); i++) x = nextAfter(x, ulps > 0 ? Infinity : -Infinity);
          expect(toFixed(x, d)).toBe(x.toFixed(d));
        },
      ),
      { numRuns: 5_000 },
    );
    for (const x of [1.005, 1.0049999999999999, 2.5, 0.125, 0.0005, 8.345, 1.45, 0.5, -0.5, -2.5])
      for (const d of DIGITS) expect(toFixed(x, d)).toBe(x.toFixed(d));
  });

  it("writes signs, zeros and non-finite values as toFixed does", () => {
    for (const x of [
      0,
      -0,
      -0.001,
      0.001,
      -1e-20,
      999_999.99995,
      1e6,
      -1e6,
      1e21,
      Number.NaN,
      Infinity,
      -Infinity,
    ])
      for (const d of DIGITS) expect(toFixed(x, d)).toBe(x.toFixed(d));
    expect(toFixed(-0.001, 2)).toBe("-0.00");
    expect(toFixed(0.04, 4)).toBe("0.0400");
  });
});

/** The adjacent double toward `to`. */
function nextAfter(x: number, to: number): number {
  if (Number.isNaN(x) || x === to) return x;
  if (x === 0) return to > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigInt64(0);
  view.setBigInt64(0, x < to === x > 0 ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}

describe("roundTo: Number(x.toFixed(d)) without the text", () => {
  // Object.is: -0 and 0 differ, NaN is NaN.
  const same = (x: number, d: (typeof DIGITS)[number]): void => {
    expect(Object.is(roundTo(x, d), Number(x.toFixed(d))), `${x} to ${d}`).toBe(true);
  };

  it("agrees on any double, on the gate's scores, and on ties and near-ties", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double(),
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.double({ min: -5000, max: 5000 }),
        ),
        digits,
        same,
      ),
      { numRuns: 5_000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: -2_000_000, max: 2_000_000 }), digits, (k, d) =>
        same((k + 0.5) / 10 ** d, d),
      ),
      { numRuns: 2_000 },
    );
    for (const x of [0, -0, -0.00001, 0.00005, 1.005, 0.9328, 1e6, -1e6, Number.NaN, Infinity, -Infinity])
      for (const d of DIGITS) same(x, d);
  });
});
