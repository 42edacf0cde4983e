import { describe, expect, it } from "vitest";
import { ValidationError } from "../../shared/domain/errors.ts";
import type { DecisionStatus } from "../../shared/domain/vocabulary.ts";
import { MAX_ROWS, type OutcomeRow, outcomesReport } from "../../shared/usecases/reports.ts";
import { DAY, defaultSpec, NOW, version } from "./helpers/fixtures.ts";

type Stored = OutcomeRow & { status: DecisionStatus; decidedAt: number };

/** A reader over rows held in memory, recording what it was asked. */
function reader(rows: Stored[]) {
  const asked: { status: DecisionStatus; from: string; to: string; armOnly: boolean }[] = [];
  return {
    asked,
    decided: async (
      status: DecisionStatus,
      from: string,
      to: string,
      opts: { armOnly: boolean; max: number },
    ) => {
      asked.push({ status, from, to, armOnly: opts.armOnly });
      const found = rows
        .filter((r) => r.status === status && r.decidedAt >= Date.parse(from) && r.decidedAt < Date.parse(to))
        .filter((r) => !opts.armOnly || r.arm !== undefined)
        .map(({ status: _s, decidedAt: _d, ...row }) => row);
      if (found.length > opts.max) throw new RangeError("too many");
      return found;
    },
  };
}

const experimentSpec = () => {
  const spec = defaultSpec();
  spec.experiments = {
    name: "x",
    arms: [
      { name: "a", weight: 1 },
      { name: "b", version: 1, weight: 1 },
    ],
    holdout: { name: "hold", weight: 1 },
  };
  return version(spec, 2);
};

const row = (over: Partial<Stored>): Stored => ({
  decisionId: `d${Math.random()}`,
  accountId: "acc1",
  actionKind: "touch",
  specVersion: 1,
  outcomes: [],
  status: "executed",
  decidedAt: NOW - DAY,
  ...over,
});

const deps = (rows: Stored[]) => {
  const r = reader(rows);
  return {
    r,
    deps: { clock: { now: () => NOW }, specs: { current: async () => experimentSpec() }, reports: r },
  };
};

describe("outcomes report", () => {
  it("reads the last 30 days up to now included by default, executed only by version, every status by arm", async () => {
    const { r, deps: d } = deps([]);
    await outcomesReport(d, { by: "specVersion" });
    expect(r.asked).toEqual([
      {
        status: "executed",
        from: new Date(NOW + 1 - 30 * DAY).toISOString(),
        to: new Date(NOW + 1).toISOString(),
        armOnly: false,
      },
    ]);
    r.asked.length = 0;
    await outcomesReport(d, { by: "arm" });
    expect(r.asked).toHaveLength(11);
    expect(r.asked.every((a) => a.armOnly)).toBe(true);
  });

  it("counts a touch with two replies once, ignores non-touches, and groups versions in order", async () => {
    const { deps: d } = deps([
      row({ specVersion: 2, outcomes: [{ type: "replied" }, { type: "replied" }] }),
      row({ specVersion: 1, accountId: "acc2", outcomes: [{ type: "complaint" }] }),
      row({ specVersion: 1, actionKind: "audience", outcomes: [{ type: "replied" }] }),
      row({ specVersion: 1, status: "blocked", outcomes: [{ type: "replied" }] }),
    ]);
    const report = await outcomesReport(d, { by: "specVersion" });
    expect(
      report.groups.map((g) => [g.key, g.touches, g.accounts, g.counts.replies, g.counts.complaints]),
    ).toEqual([
      ["v1", 1, 1, 0, 1],
      ["v2", 1, 1, 1, 0],
    ]);
    expect(report.groups[1]?.perTouch.replies?.rate).toBe(1);
  });

  it("lists the current experiment's arms (empty ones too) and arms seen only in the ledger, flagging the holdout", async () => {
    const { deps: d } = deps([
      row({ arm: "a", accountId: "p" }),
      row({ arm: "a", accountId: "q", status: "blocked" }),
      row({ arm: "hold", accountId: "h", status: "blocked", outcomes: [{ type: "meeting_booked" }] }),
      row({ arm: "old-arm", accountId: "o" }),
    ]);
    const report = await outcomesReport(d, { by: "arm" });
    expect(report.groups.map((g) => [g.key, g.accounts, g.touches, g.holdout ?? false])).toEqual([
      ["a", 2, 1, false],
      ["b", 0, 0, false],
      ["hold", 1, 0, true],
      ["old-arm", 1, 1, false],
    ]);
    const hold = report.groups[2];
    expect(hold?.heldOut).toBe(1);
    expect(hold?.counts.meetings).toBe(1);
    expect(hold?.perTouch.meetings).toBeNull();
    expect(hold?.perAccount?.meetings?.rate).toBe(1);
  });

  it("refuses a window past its bounds, naming the field", async () => {
    const { deps: d } = deps([]);
    const issue = async (q: Record<string, string>) => {
      const err = await outcomesReport(d, q).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      return (err as ValidationError).issues[0]?.path;
    };
    expect(await issue({ by: "arm", from: "2026-03-20", to: "2026-03-10" })).toBe("from");
    expect(await issue({ by: "arm", from: "2025-01-01", to: "2025-06-01" })).toBe("from");
    expect(await issue({ by: "arm", to: "2026-02-30T25:00:00Z" })).toBe("to");
    const many = Array.from({ length: MAX_ROWS + 1 }, (_, i) => row({ decisionId: `d${i}` }));
    const big = deps(many).deps;
    expect(
      ((await outcomesReport(big, { by: "specVersion" }).catch((e) => e)) as ValidationError).issues[0],
    ).toMatchObject({
      path: "from",
      message: expect.stringMatching(/narrow it/),
    });
  });
});
