import type { ClockControl } from "../../http/routes.ts";
import type { Clock } from "../../ports.ts";

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to: for demos, tests and time-compressed runs. */
export class SimulatedClock implements Clock, ClockControl {
  constructor(private at: number) {}
  now(): number {
    return this.at;
  }
  set(at: number): void {
    this.at = at;
  }
  advance(ms: number): void {
    this.at += ms;
  }
}
