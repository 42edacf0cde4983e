/**
 * The fast paths of pure evaluation (issue 8, deliverable 5) must answer exactly as what they replace:
 * parseInstant as Date.parse for every text, the one-pass intent as the per-type count it replaced, and
 * the zone-offset cache as Intl whichever zones are asked about in turn.
 */
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { computeIntent } from "../../shared/domain/checks/quality.ts";
import { parseInstant } from "../../shared/domain/instant.ts";
import type { Signal } from "../../shared/domain/kb.ts";
import type { Spec } from "../../shared/domain/spec-schema.ts";
import {
  instantOfLocal,
  localDate,
  localDaysWindow,
  localMinuteOfDay,
  localParts,
  startOfNextLocalDay,
} from "../../shared/domain/time.ts";
import { account, DAY, defaultSpec, NOW, t } from "./helpers/fixtures.ts";

const YEAR_MS = 365 * DAY;
/** Instants from 1900 to 2100: toISOString writes them as YYYY-MM-DDTHH:MM:SS.sssZ. */
const instant = fc.integer({ min: -70 * YEAR_MS, max: 130 * YEAR_MS });

describe("parseInstant: Date.parse, faster", () => {
  it("reads what toISOString writes, with and without milliseconds", () => {
    fc.assert(
      fc.property(instant, (at) => {
        const text = new Date(at).toISOString();
        expect(parseInstant(text)).toBe(at);
        const seconds = `${text.slice(0, 19)}Z`;
        expect(parseInstant(seconds)).toBe(Date.parse(seconds));
      }),
      { numRuns: 2_000 },
    );
  });

  it("agrees with Date.parse on texts with one character changed (NaN included)", () => {
    const chars = "0123456789-:TZz.+ x";
    fc.assert(
      fc.property(instant, fc.nat(), fc.constantFrom(...chars), fc.boolean(), (at, pos, ch, cut) => {
        const base = new Date(at).toISOString();
        const text = cut
          ? `${base.slice(0, 19)}Z`.replace(/./g, (c, i) => (i === pos % 20 ? ch : c))
          : base.replace(/./g, (c, i) => (i === pos % 24 ? ch : c));
        expect(Object.is(parseInstant(text), Date.parse(text))).toBe(true);
      }),
      { numRuns: 3_000 },
    );
  });

  it("agrees on the edges: rolled-over days, hour 24, offsets, other shapes", () => {
    for (const text of [
      "2026-02-30T00:00:00Z",
      "2026-04-31T10:00:00.000Z",
      "2026-02-29T00:00:00.000Z",
      "2024-02-29T23:59:59.999Z",
      "2026-01-01T24:00:00Z",
      "2026-13-01T00:00:00.000Z",
      "2026-00-10T00:00:00.000Z",
      "2026-01-00T00:00:00.000Z",
      "2026-01-01T00:60:00.000Z",
      "2026-01-01T00:00:60.000Z",
      "2026-03-08T02:30:00+02:00",
      "2026-03-08T02:30:00.000-05:00",
      "2026-03-08",
      "0000-01-01T00:00:00.000Z",
      "9999-12-31T23:59:59.999Z",
      "",
      "not a time at all, 24 c.",
    ])
      expect(Object.is(parseInstant(text), Date.parse(text)), text).toBe(true);
  });
});

/** The computation computeIntent replaced (two Date.parse per signal per weighted type). */
function intentBefore(spec: Spec, signals: Signal[], now: number) {
  const counted: { type: string; count: number; weight: number; windowDays: number }[] = [];
  let score = 0;
  for (const [type, { weight, windowDays }] of Object.entries(spec.quality.signals)) {
    const since = now - windowDays * DAY;
    const count = signals.filter(
      (s) => s.type === type && Date.parse(s.occurredAt) > since && Date.parse(s.occurredAt) <= now,
    ).length;
    if (count > 0) {
      counted.push({ type, count, weight, windowDays });
      score += count * weight;
    }
  }
  return { score: Math.min(100, score), counted };
}

describe("computeIntent in one pass: the same readings", () => {
  const spec = defaultSpec();
  const types = [...Object.keys(spec.quality.signals), "unknown_type", "constructor"];
  const occurredAt = fc.oneof(
    fc.integer({ min: -100 * DAY, max: DAY }).map((ago) => new Date(NOW - ago).toISOString()),
    // The window edges exactly, offsets, and texts that are not times.
    fc.constantFrom(
      new Date(NOW).toISOString(),
      new Date(NOW - 7 * DAY).toISOString(),
      new Date(NOW - 7 * DAY + 1).toISOString(),
      "2026-03-17T12:00:00+02:00",
      "garbage",
    ),
  );
  const signal = fc.record({ type: fc.constantFrom(...types), occurredAt });

  it("matches the per-type count for any signals, in any order", () => {
    fc.assert(
      fc.property(fc.array(signal, { maxLength: 40 }), (signals) => {
        expect(computeIntent(spec, account({ signals }), NOW)).toEqual(intentBefore(spec, signals, NOW));
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("zone-offset cache: zones asked in turn", () => {
  it("answers each zone for itself, whatever was asked before", () => {
    const at = t("2026-03-08T06:30:00Z"); // 01:30 EST in New York, hours before its spring forward
    const zones = ["America/New_York", "Asia/Tokyo", "Asia/Kolkata", "America/New_York", "UTC"];
    const expected: Record<string, number> = {
      "America/New_York": 1,
      "Asia/Tokyo": 15,
      "Asia/Kolkata": 12,
      UTC: 6,
    };
    for (let round = 0; round < 3; round++)
      for (const zone of zones) expect(localParts(at, zone).hour, zone).toBe(expected[zone]);
    // Across the transition in the same zone: 03:30 EDT one hour later in UTC.
    expect(localParts(at + 2 * 3_600_000, "America/New_York").hour).toBe(4);
  });
});

describe("localDaysWindow: the day window a calendar-day cap counts in, remembered", () => {
  const zones = ["America/New_York", "Asia/Kathmandu", "America/Santiago", "Australia/Lord_Howe", "UTC"];
  it("is [midnight days - 1 days back, next midnight) in the zone, whatever was asked before", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ at: instant, zone: fc.constantFrom(...zones), days: fc.integer({ min: 1, max: 9 }) }),
          { minLength: 1, maxLength: 6 },
        ),
        (asks) => {
          for (const { at, zone, days } of asks) {
            const p = localParts(at, zone);
            expect(localDaysWindow(at, zone, days)).toEqual({
              start: instantOfLocal(p.year, p.month, p.day - (days - 1), 0, 0, zone),
              end: startOfNextLocalDay(at, zone),
            });
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

/** Ground truth straight from Intl, as the formatter would give it for every question. */
function intlParts(at: number, timeZone: string) {
  const f = new Intl.DateTimeFormat("en-US", {
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
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(at))) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(parts.weekday ?? ""),
  };
}

/** The instantOfLocal that used Date objects and Date.UTC, on Intl's offsets. */
function instantOfLocalBefore(y: number, mo: number, d: number, h: number, mi: number, tz: string): number {
  const offset = (at: number) => {
    const p = intlParts(at, tz);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(at / 1000) * 1000;
  };
  const guess = Date.UTC(y, mo - 1, d, h, mi);
  let at = guess - offset(guess);
  at = guess - offset(at);
  const check = new Date(at + offset(at));
  if (
    check.getUTCHours() !== new Date(guess).getUTCHours() ||
    check.getUTCMinutes() !== new Date(guess).getUTCMinutes()
  )
    at = guess - offset(guess - DAY);
  return at;
}

describe("local time by arithmetic: what Intl and Date say", () => {
  const zones = [
    "America/New_York",
    "America/Santiago",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "UTC",
    "Etc/UTC",
  ];
  const zone = fc.constantFrom(...zones);

  it("localParts and localMinuteOfDay give Intl's fields (1900-2100, every kind of offset)", () => {
    fc.assert(
      fc.property(instant, zone, (at, tz) => {
        const expected = intlParts(at, tz);
        expect(localParts(at, tz)).toEqual(expected);
        expect(localMinuteOfDay(at, tz)).toBe(expected.hour * 60 + expected.minute);
        const { year, month, day } = expected;
        expect(localDate(at, tz)).toBe(
          `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`,
        );
      }),
      { numRuns: 2_000 },
    );
  });

  it("instantOfLocal gives what it gave with Date.UTC, days and months overflowing alike", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1901, max: 2099 }),
        fc.integer({ min: -3, max: 16 }),
        fc.integer({ min: -40, max: 70 }),
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom(0, 15, 30, 59),
        zone,
        (y, mo, d, h, mi, tz) => {
          expect(instantOfLocal(y, mo, d, h, mi, tz)).toBe(instantOfLocalBefore(y, mo, d, h, mi, tz));
        },
      ),
      { numRuns: 1_500 },
    );
  });

  it("at DST changes: the gaps and overlaps of the year in each zone", () => {
    for (const tz of zones)
      for (let m = 1; m <= 12; m++)
        for (const d of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 25, 26, 27, 28, 29, 30, 31])
          for (const h of [0, 1, 2, 3])
            expect(instantOfLocal(2026, m, d, h, 30, tz), `${tz} ${m}-${d} ${h}:30`).toBe(
              instantOfLocalBefore(2026, m, d, h, 30, tz),
            );
  });
});

describe("UTC without Intl", () => {
  // Intl's first use in a process loads ICU's data (~20 ms of a Lambda cold start): functions that
  // only ask about UTC days (the executors' recheck, the reconciler) must not pay it.
  it("answers UTC questions without formatting through Intl, at instants never asked before", () => {
    const format = vi.spyOn(Intl.DateTimeFormat.prototype, "formatToParts");
    try {
      const at = Date.UTC(2091, 4, 17, 23, 59, 30);
      for (const tz of ["UTC", "Etc/UTC"]) {
        expect(localDate(at, tz)).toBe("2091-05-17");
        expect(localParts(at + 45, tz)).toMatchObject({ hour: 23, minute: 59, second: 30 });
        expect(instantOfLocal(2091, 5, 18, 0, 0, tz)).toBe(Date.UTC(2091, 4, 18));
        expect(startOfNextLocalDay(at, tz)).toBe(Date.UTC(2091, 4, 18));
      }
      expect(format).not.toHaveBeenCalled();
      // An instant that is none is refused as Intl refused it.
      expect(() => localDate(Number.NaN, "UTC")).toThrow(RangeError);
      // Another zone at the same instant does format (the spy sees Intl's calls).
      expect(localDate(at, "Asia/Tokyo")).toBe("2091-05-18");
      expect(format).toHaveBeenCalled();
    } finally {
      format.mockRestore();
    }
  });
});
