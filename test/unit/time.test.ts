import { describe, expect, it, vi } from "vitest";
import {
  DAY,
  HOUR,
  instantOfLocal,
  isValidTimeZone,
  localDate,
  localMinuteOfDay,
  localParts,
  parseHhMm,
  startOfLocalDay,
  startOfNextLocalDay,
} from "../../shared/domain/time.ts";
import { t } from "./helpers/fixtures.ts";

const NY = "America/New_York";

describe("time: localDate near midnight", () => {
  it("gives the calendar date in the zone, not in UTC", () => {
    // 23:59:59 EST on Jan 14 is already Jan 15 in UTC.
    expect(localDate(t("2026-01-15T04:59:59Z"), NY)).toBe("2026-01-14");
    expect(localDate(t("2026-01-15T05:00:00Z"), NY)).toBe("2026-01-15");
    // Tokyo is ahead of UTC: 00:00 JST on Jan 16 is still Jan 15 in UTC.
    expect(localDate(t("2026-01-15T14:59:59Z"), "Asia/Tokyo")).toBe("2026-01-15");
    expect(localDate(t("2026-01-15T15:00:00Z"), "Asia/Tokyo")).toBe("2026-01-16");
    // Half-hour offset.
    expect(localDate(t("2026-01-15T18:29:00Z"), "Asia/Kolkata")).toBe("2026-01-15");
    expect(localDate(t("2026-01-15T18:30:00Z"), "Asia/Kolkata")).toBe("2026-01-16");
  });

  it("crosses month and year ends", () => {
    expect(localDate(t("2027-01-01T04:30:00Z"), NY)).toBe("2026-12-31");
    expect(localDate(t("2026-12-31T11:00:00Z"), "Pacific/Auckland")).toBe("2027-01-01");
  });

  it("reads local parts including the weekday (0 = Sunday)", () => {
    // Saturday 2026-03-21 02:00 UTC is Friday 22:00 EDT.
    expect(localParts(t("2026-03-21T02:00:00Z"), NY)).toEqual({
      year: 2026,
      month: 3,
      day: 20,
      hour: 22,
      minute: 0,
      second: 0,
      weekday: 5,
    });
    // Midnight is hour 0, never 24.
    expect(localParts(t("2026-03-18T04:00:00Z"), NY).hour).toBe(0);
  });
});

describe("time: America/New_York spring forward (2026-03-08, 23 h day)", () => {
  const noon = t("2026-03-08T16:00:00Z"); // 12:00 EDT

  it("starts the day at 00:00 EST and the next at 00:00 EDT", () => {
    expect(startOfLocalDay(noon, NY)).toBe(t("2026-03-08T05:00:00Z"));
    expect(startOfNextLocalDay(noon, NY)).toBe(t("2026-03-09T04:00:00Z"));
    expect(startOfNextLocalDay(noon, NY) - startOfLocalDay(noon, NY)).toBe(23 * HOUR);
  });

  it("from just before the jump, the next local day is still the next calendar day", () => {
    const before = t("2026-03-08T06:59:00Z"); // 01:59 EST
    expect(localDate(before, NY)).toBe("2026-03-08");
    expect(startOfNextLocalDay(before, NY)).toBe(t("2026-03-09T04:00:00Z"));
    // The day before has 24 hours and ends where this one begins.
    expect(startOfNextLocalDay(t("2026-03-07T17:00:00Z"), NY)).toBe(t("2026-03-08T05:00:00Z"));
  });

  it("maps wall-clock times on either side of the gap to the right instants", () => {
    expect(instantOfLocal(2026, 3, 8, 1, 59, NY)).toBe(t("2026-03-08T06:59:00Z"));
    expect(instantOfLocal(2026, 3, 8, 3, 0, NY)).toBe(t("2026-03-08T07:00:00Z"));
    expect(instantOfLocal(2026, 3, 8, 8, 0, NY)).toBe(t("2026-03-08T12:00:00Z"));
  });

  it("counts minutes of the day from the wall clock (03:00 EDT is minute 180)", () => {
    expect(localMinuteOfDay(t("2026-03-08T06:59:00Z"), NY)).toBe(119);
    expect(localMinuteOfDay(t("2026-03-08T07:00:00Z"), NY)).toBe(180);
  });
});

describe("time: America/New_York fall back (2026-11-01, 25 h day)", () => {
  const noon = t("2026-11-01T17:00:00Z"); // 12:00 EST

  it("starts the day at 00:00 EDT and the next at 00:00 EST", () => {
    expect(startOfLocalDay(noon, NY)).toBe(t("2026-11-01T04:00:00Z"));
    expect(startOfNextLocalDay(noon, NY)).toBe(t("2026-11-02T05:00:00Z"));
    expect(startOfNextLocalDay(noon, NY) - startOfLocalDay(noon, NY)).toBe(25 * HOUR);
  });

  it("resolves the repeated hour to its first occurrence", () => {
    expect(instantOfLocal(2026, 11, 1, 1, 30, NY)).toBe(t("2026-11-01T05:30:00Z"));
    // Both 01:30s are minute 90 and the same date.
    expect(localMinuteOfDay(t("2026-11-01T05:30:00Z"), NY)).toBe(90);
    expect(localMinuteOfDay(t("2026-11-01T06:30:00Z"), NY)).toBe(90);
    expect(localDate(t("2026-11-01T06:30:00Z"), NY)).toBe("2026-11-01");
  });

  it("a day later at the same wall time is 25 hours later", () => {
    expect(instantOfLocal(2026, 11, 2, 0, 0, NY) - instantOfLocal(2026, 11, 1, 0, 0, NY)).toBe(25 * HOUR);
  });
});

describe("time: startOfNextLocalDay in Asia/Kolkata (UTC+5:30, no DST)", () => {
  const tz = "Asia/Kolkata";

  it("returns the next local midnight at 18:30 UTC", () => {
    // 01:30 IST on Jan 16.
    expect(startOfNextLocalDay(t("2026-01-15T20:00:00Z"), tz)).toBe(t("2026-01-16T18:30:00Z"));
    // 23:59 IST on Jan 15.
    expect(startOfNextLocalDay(t("2026-01-15T18:29:00Z"), tz)).toBe(t("2026-01-15T18:30:00Z"));
    // Exactly at midnight: the next one, a full day later.
    expect(startOfNextLocalDay(t("2026-01-15T18:30:00Z"), tz)).toBe(t("2026-01-16T18:30:00Z"));
    expect(startOfLocalDay(t("2026-01-15T18:30:00Z"), tz)).toBe(t("2026-01-15T18:30:00Z"));
  });

  it("handles month and year ends", () => {
    expect(startOfNextLocalDay(t("2026-02-28T12:00:00Z"), tz)).toBe(t("2026-02-28T18:30:00Z"));
    expect(localDate(t("2026-02-28T18:30:00Z"), tz)).toBe("2026-03-01");
    expect(startOfNextLocalDay(t("2026-12-31T12:00:00Z"), tz)).toBe(t("2026-12-31T18:30:00Z"));
    expect(localDate(t("2026-12-31T18:30:00Z"), tz)).toBe("2027-01-01");
  });
});

describe("time: startOfNextLocalDay in Pacific/Auckland (UTC+13/+12, southern DST)", () => {
  const tz = "Pacific/Auckland";

  it("handles the end of DST (2026-04-05, 25 h day)", () => {
    // 13:00 NZDT on Apr 4 -> midnight Apr 5 is still NZDT (+13).
    expect(startOfNextLocalDay(t("2026-04-04T00:00:00Z"), tz)).toBe(t("2026-04-04T11:00:00Z"));
    // Noon NZST on Apr 5 -> midnight Apr 6 is NZST (+12).
    expect(startOfNextLocalDay(t("2026-04-05T00:00:00Z"), tz)).toBe(t("2026-04-05T12:00:00Z"));
    expect(startOfLocalDay(t("2026-04-05T00:00:00Z"), tz)).toBe(t("2026-04-04T11:00:00Z"));
  });

  it("handles the start of DST (2026-09-27, 23 h day)", () => {
    const noon = t("2026-09-26T23:00:00Z"); // 12:00 NZDT on Sep 27
    expect(localDate(noon, tz)).toBe("2026-09-27");
    expect(startOfLocalDay(noon, tz)).toBe(t("2026-09-26T12:00:00Z"));
    expect(startOfNextLocalDay(noon, tz)).toBe(t("2026-09-27T11:00:00Z"));
    expect(startOfNextLocalDay(noon, tz) - startOfLocalDay(noon, tz)).toBe(23 * HOUR);
  });

  it("rolls into the new year ahead of UTC", () => {
    expect(startOfNextLocalDay(t("2026-12-31T00:00:00Z"), tz)).toBe(t("2026-12-31T11:00:00Z"));
    expect(localDate(t("2026-12-31T11:00:00Z"), tz)).toBe("2027-01-01");
  });
});

describe("time: zones whose DST starts at local midnight (midnight does not exist)", () => {
  // Chile moves 00:00 -> 01:00 on 2026-09-06; Cuba on 2026-03-08. The first instant of those days
  // is 01:00 local; a day boundary must never fall on the previous local date.
  for (const [tz, dayIso, noonUtc] of [
    ["America/Santiago", "2026-09-06", "2026-09-06T16:00:00Z"],
    ["America/Havana", "2026-03-08", "2026-03-08T17:00:00Z"],
  ] as const) {
    it(`${tz}: startOfLocalDay stays on ${dayIso}`, () => {
      const noon = t(noonUtc);
      expect(localDate(noon, tz)).toBe(dayIso);
      const start = startOfLocalDay(noon, tz);
      expect(localDate(start, tz)).toBe(dayIso);
      expect(localDate(start - 1000, tz)).not.toBe(dayIso);
    });

    it(`${tz}: startOfNextLocalDay from the day before lands on ${dayIso}`, () => {
      const dayBefore = t(noonUtc) - DAY;
      const next = startOfNextLocalDay(dayBefore, tz);
      expect(next).toBeGreaterThan(dayBefore);
      expect(localDate(next, tz)).toBe(dayIso);
      expect(localDate(next - 1000, tz)).not.toBe(dayIso);
    });
  }
});

describe("time: invariants over a year of days in several zones", () => {
  const zones = [
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "Pacific/Auckland",
    "Australia/Lord_Howe",
  ];
  for (const tz of zones) {
    it(`${tz}: every day starts where the previous one ends, at local 00:00`, () => {
      let at = t("2026-01-01T12:00:00Z");
      for (let i = 0; i < 370; i++) {
        const start = startOfLocalDay(at, tz);
        const next = startOfNextLocalDay(at, tz);
        expect(start).toBeLessThanOrEqual(at);
        expect(next).toBeGreaterThan(at);
        expect(localDate(start, tz)).toBe(localDate(at, tz));
        expect(localDate(next, tz)).not.toBe(localDate(at, tz));
        expect(localDate(next - 1000, tz)).toBe(localDate(at, tz));
        expect(localMinuteOfDay(start, tz)).toBe(0);
        const length = next - start;
        expect(length).toBeGreaterThanOrEqual(23 * HOUR);
        expect(length).toBeLessThanOrEqual(25 * HOUR);
        at += DAY;
      }
    });
  }
});

describe("time: helpers", () => {
  it("validates IANA zones", () => {
    expect(isValidTimeZone("America/New_York")).toBe(true);
    expect(isValidTimeZone("Asia/Kolkata")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(isValidTimeZone("not a zone")).toBe(false);
  });

  it("agrees with the formatter on listed zones, aliases, spellings and non-zones", () => {
    const byFormatter = (zone: string) => {
      try {
        new Intl.DateTimeFormat("en-US", { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    };
    const zones = [
      ...Intl.supportedValuesOf("timeZone"),
      "UTC",
      "Etc/UTC",
      "Etc/GMT+5",
      "US/Eastern",
      "Asia/Calcutta",
      "Asia/Kolkata",
      "America/Buenos_Aires",
      "america/new_york",
      "AMERICA/NEW_YORK",
      "",
      " America/New_York",
      "America/New_York ",
      "America/Nowhere",
      "+05:00",
      "GMT",
      "__proto__",
      "constructor",
    ];
    for (const zone of zones) expect(isValidTimeZone(zone), zone).toBe(byFormatter(zone));
  });

  it("builds no formatter for a listed zone (a cold start's ICU load)", async () => {
    vi.resetModules();
    const built = vi.spyOn(Intl, "DateTimeFormat");
    try {
      const fresh = await import("../../shared/domain/time.ts");
      expect(fresh.isValidTimeZone("America/New_York")).toBe(true);
      expect(fresh.isValidTimeZone("Europe/Berlin")).toBe(true);
      expect(built).not.toHaveBeenCalled();
      // Not listed: the formatter decides, as before.
      expect(fresh.isValidTimeZone("UTC")).toBe(true);
      expect(built).toHaveBeenCalled();
    } finally {
      built.mockRestore();
    }
  });

  it("parses HH:MM into minutes", () => {
    expect(parseHhMm("00:00")).toBe(0);
    expect(parseHhMm("08:30")).toBe(510);
    expect(parseHhMm("23:59")).toBe(1439);
  });

  it("normalises day overflow in instantOfLocal (day 0 is the last of the previous month)", () => {
    expect(instantOfLocal(2026, 3, 0, 0, 0, NY)).toBe(t("2026-02-28T05:00:00Z"));
    expect(instantOfLocal(2026, 12, 32, 0, 0, NY)).toBe(t("2027-01-01T05:00:00Z"));
  });
});
