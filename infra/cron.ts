/**
 * Agents declare schedules as five-field cron expressions (`0 9 * * 1-5`, read in the workspace
 * time zone); EventBridge Scheduler wants six fields with `?` in one of day-of-month/day-of-week.
 */
import { parseCron, quarterHourMinutes } from "../shared/agents/cron.ts";

const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

export class CronError extends Error {
  override readonly name = "CronError";
}

const dayNames = (field: string) =>
  field
    .replace(/\b[0-7]\b/g, (d) => DAYS[Number(d) % 7] ?? d)
    .replace(/\b(SUN|MON|TUE|WED|THU|FRI|SAT)\b/gi, (d) => d.toUpperCase());

/** `0 9 * * 1-5` -> `cron(0 9 ? * MON-FRI *)`; `rate(...)`, `cron(...)` and `at(...)` pass through. */
export function schedulerExpression(expr: string): string {
  const trimmed = expr.trim();
  if (/^(cron|rate|at)\(.+\)$/.test(trimmed)) return trimmed;
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5)
    throw new CronError(`"${expr}": expected five cron fields (minute hour day month weekday)`);
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  const weekday = dow === "*" || dow === "?" ? "?" : dayNames(dow);
  const day = weekday === "?" ? (dom === "?" ? "*" : dom) : "?";
  if (weekday !== "?" && dom !== "*" && dom !== "?")
    throw new CronError(`"${expr}": EventBridge cannot combine a day of month with a day of week`);
  return `cron(${minute} ${hour} ${day} ${month} ${weekday} *)`;
}

/**
 * The EventBridge Scheduler expression (in UTC) that fires at every minute an agent's five-field
 * expression may fire in any time zone (cron.ts quarterHourMinutes), every hour of every day: the
 * agent's function then runs only where the expression fires in the spec's workspace time zone
 * (agent-handler.ts), read when it fires. `0 9 * * 1-5` -> `cron(0,15,30,45 * * * ? *)`.
 */
export function workspaceTickExpression(expr: string): string {
  const minutes = quarterHourMinutes(parseCron(expr));
  return `cron(${minutes.length === 60 ? "*" : minutes.join(",")} * * * ? *)`;
}
