/** The demo's closing report, as printable lines. */

import { checkLabel, verdictLabel } from "../shared/usecases/plain-words.ts";
import type { DemoResult } from "./demo.ts";
import { formatLearning } from "./learning-report.ts";

const pad = (s: string | number, n: number) => String(s).padEnd(n);
const lpad = (s: string | number, n: number) => String(s).padStart(n);
const VERDICTS = ["allow", "schedule", "require_approval", "defer", "block"] as const;

export function formatReport(r: DemoResult): string[] {
  const lines: string[] = [];
  const { days, accounts, seed } = r.options;
  const proposals = r.decisions.length;
  lines.push(
    `Agent Harness demo: ${accounts} accounts, ${days} days, seed ${seed}, learning ${r.options.learning === false ? "off" : "on"}`,
  );
  lines.push(
    `${proposals} proposals in ${(r.simulateMs / 1000).toFixed(1)} s of simulation (${(proposals / (r.simulateMs / 1000)).toFixed(1)} simulated proposals per wall-clock second; ${r.roundTrips} DynamoDB round trips; ${(r.wallMs / 1000).toFixed(1)} s in all)`,
  );
  lines.push("");
  lines.push("Proposals by agent");
  lines.push(`  ${pad("agent", 28)}${VERDICTS.map((v) => lpad(v, 18)).join("")}${lpad("total", 8)}`);
  for (const run of r.runs) {
    const ds = r.decisions.filter((d) => d.agentId === run.agentId);
    lines.push(
      `  ${pad(run.agentId, 28)}${VERDICTS.map((v) => lpad(ds.filter((d) => d.verdict === v).length, 18)).join("")}${lpad(ds.length, 8)}${run.failed ? `   (${run.failed} failed runs)` : ""}`,
    );
  }
  lines.push("");
  lines.push("Why actions were held back (enforced checks that held an action for later or blocked it)");
  const byCheck = new Map<string, number>();
  for (const d of r.decisions.filter((x) => x.verdict === "defer" || x.verdict === "block"))
    for (const c of d.checks.filter((x) => x.result === "fail" && !x.shadow && x.effect !== "review")) {
      // GTM words: "stop-on-reply pause: held for later", not "kill_switch → defer".
      const k = `${checkLabel(c)}: ${verdictLabel(d.verdict)}`;
      byCheck.set(k, (byCheck.get(k) ?? 0) + 1);
    }
  for (const [k, n] of [...byCheck].sort((a, b) => b[1] - a[1])) lines.push(`  ${pad(k, 64)}${lpad(n, 6)}`);
  const collisions = r.decisions.filter(
    (d) =>
      d.verdict === "defer" &&
      d.checks.some((c) => c.check === "coordination" && c.result === "fail" && !c.shadow),
  );
  const retried = r.decisions.filter((d) => d.retryOf);
  lines.push("");
  lines.push(
    `Collisions prevented: ${collisions.length} touches deferred by coordination rules (${new Set(collisions.map((d) => d.accountId)).size} accounts); ${retried.length} deferred proposals re-proposed at their retryAfter, ${retried.filter((d) => ["executed", "dispatched", "scheduled", "pending_approval"].includes(d.status)).length} of them went ahead`,
  );
  const m = r.market.reviews;
  const expired = r.decisions.filter((d) => d.status === "expired").length;
  lines.push(
    `Approvals: ${m.approved} approved, ${m.edited} edited, ${m.rejected} rejected, ${expired} expired; ${r.decisions.filter((d) => d.status === "pending_approval").length} still waiting`,
  );
  lines.push("");
  lines.push("Trust level per agent × action (effective level at the end of each day)");
  const keys = [...new Set(r.trust.map((t) => `${t.agentId} × ${t.actionType}`))].sort();
  const dayCols = [...new Set(r.trust.map((t) => t.day))].sort((a, b) => a - b);
  const shown = dayCols.filter(
    (d, i) => i === 0 || i === dayCols.length - 1 || d % Math.max(1, Math.ceil(dayCols.length / 10)) === 0,
  );
  lines.push(`  ${pad("", 48)}${shown.map((d) => lpad(`d${d}`, 5)).join("")}`);
  for (const k of keys) {
    const cells = shown.map(
      (d) => r.trust.find((t) => `${t.agentId} × ${t.actionType}` === k && t.day === d)?.level ?? "-",
    );
    lines.push(`  ${pad(k, 48)}${cells.map((c) => lpad(c, 5)).join("")}`);
  }
  lines.push("");
  const o = r.market.outcomes;
  const touches = r.outbox.filter(
    (e) => e.actionType === "email.send" || e.actionType === "linkedin.message",
  ).length;
  lines.push(
    `Outcomes: ${touches} touches executed; ${o.opened ?? 0} opened, ${o.replied ?? 0} replied, ${o.meeting_booked ?? 0} meetings, ${o.deal_created ?? 0} deals, ${o.bounced ?? 0} bounced, ${o.unsubscribed ?? 0} unsubscribed, ${o.complaint ?? 0} complaints`,
  );
  lines.push(
    `Market: ${r.market.accountsKnown} accounts known to the harness, ${r.market.signals} intent signals`,
  );
  const bySystem = new Map<string, number>();
  for (const e of r.outbox)
    bySystem.set(`${e.system} ${e.actionType}`, (bySystem.get(`${e.system} ${e.actionType}`) ?? 0) + 1);
  lines.push(`Outbox (sandbox connectors): ${[...bySystem].map(([k, n]) => `${k} ${n}`).join(", ")}`);
  lines.push("");
  lines.push(...formatLearning(r.learning));
  lines.push("");
  lines.push("Invariants on the ledger");
  for (const i of r.invariants) lines.push(`  ${i.ok ? "✔" : "✘"} ${i.name}: ${i.detail}`);
  return lines;
}
