import { ValidationError } from "../../domain/errors.ts";
import type { ClockControl } from "../../http/routes.ts";
import type { Clock } from "../../ports.ts";

export const systemClock: Clock = { now: () => Date.now() };

const DAY = 86_400_000;

/**
 * Where a simulated clock may be: a clock moved to year 0 or past 275,760 makes every timestamp
 * invalid (Date throws), so nothing could be decided or even logged. Demos and tests live well inside.
 */
export const SIMULATED_CLOCK_RANGE = {
  min: Date.parse("2000-01-01T00:00:00Z"),
  max: Date.parse("2100-01-01T00:00:00Z"),
  /** One move at most a (leap) year: enough for any override window, approval timeout or cooldown. */
  maxAdvanceMs: 366 * DAY,
} as const;

const R = SIMULATED_CLOCK_RANGE;
const inRange = (at: number) => Number.isFinite(at) && at >= R.min && at <= R.max;
const range = `between ${new Date(R.min).toISOString()} and ${new Date(R.max).toISOString()}`;

/** A clock that only moves when told to: for demos, tests and time-compressed runs. */
export class SimulatedClock implements Clock, ClockControl {
  private at: number;
  constructor(at: number) {
    if (!inRange(at)) throw new ValidationError([{ path: "start", message: `must be ${range}` }]);
    this.at = at;
  }
  now(): number {
    return this.at;
  }
  set(at: number): void {
    if (!inRange(at)) throw new ValidationError([{ path: "set", message: `must be ${range}` }]);
    this.at = at;
  }
  advance(ms: number): void {
    if (!Number.isInteger(ms) || ms <= 0 || ms > R.maxAdvanceMs)
      throw new ValidationError([
        { path: "advanceMs", message: `must be a positive integer of at most ${R.maxAdvanceMs} ms` },
      ]);
    if (!inRange(this.at + ms))
      throw new ValidationError([{ path: "advanceMs", message: `would move the clock past ${range}` }]);
    this.at += ms;
  }
}
