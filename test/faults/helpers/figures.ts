/** The figures of a fault run, as the closing note quotes them. */
import { checkInvariants, type Observations } from "./invariants.ts";

export function figures(o: Observations) {
  const statuses = o.logs.flatMap((l) => l.statuses);
  const count = (pred: (s: number) => boolean) => statuses.filter(pred).length;
  const byStatus: Record<string, number> = {};
  for (const d of o.decisions.values()) if (d) byStatus[d.status] = (byStatus[d.status] ?? 0) + 1;
  const faults = { error: 0, throttle: 0, timeout: 0 };
  for (const v of o.vendorStats)
    for (const k of Object.keys(faults) as (keyof typeof faults)[]) faults[k] += v.faults[k];
  const violations = checkInvariants(o);
  return {
    wallSeconds: Math.round(o.wallMs / 100) / 10,
    proposals: o.logs.length,
    proposalRequests: statuses.length + o.logs.reduce((n, l) => n + l.networkErrors, 0),
    answered2xx: count((s) => s < 300),
    replays200: count((s) => s === 200),
    unavailable503: count((s) => s === 503),
    other5xx: count((s) => s >= 500 && s !== 503),
    rateLimited429: count((s) => s === 429),
    refused4xx: count((s) => s >= 400 && s < 500 && s !== 429),
    droppedConnections: o.logs.reduce((n, l) => n + l.networkErrors, 0),
    decisionsByStatus: byStatus,
    inDoubt: byStatus.in_doubt ?? 0,
    vendorCalls: o.vendorStats.reduce((n, v) => n + v.calls, 0),
    vendorFaults: faults,
    sends: o.sends.reduce((n, s) => n + s.processed, 0),
    sendKeys: o.sends.length,
    answersWithheld: o.sends.reduce((n, s) => n + s.withheld, 0),
    replaysAbsorbedByUpserts: o.sends.filter((s) => s.idempotent).reduce((n, s) => n + s.processed - 1, 0),
    duplicateSends: violations["0 duplicate sends (by idempotency key at the vendors)"].length,
    segmentsPerAudience: o.segmentsPerAudience,
    approvals: o.approvals,
    serveKills: o.chaos.serveKills,
    databaseKills: o.chaos.databaseKills,
    restartSeconds: o.chaos.restartsMs.map((ms) => Math.round(ms / 100) / 10),
    outageSeconds: o.chaos.outages.map((x) => Math.round(x.ms / 100) / 10),
    databaseOutlivedServe: o.chaos.databaseOutlivedServe,
    ctrlCIgnored: o.chaos.interruptIgnored,
    endAlive: o.end.alive,
    endHealth: o.end.health ?? null,
  };
}

export function report(o: Observations): string {
  const f = figures(o);
  const v = checkInvariants(o);
  const lines = [
    `Fault run: ${f.proposals} proposals in ${f.wallSeconds} s; ${f.proposalRequests} proposal requests: ${f.answered2xx} 2xx (${f.replays200} replays), ${f.unavailable503} 503, ${f.other5xx} other 5xx, ${f.rateLimited429} 429, ${f.refused4xx} other 4xx, ${f.droppedConnections} dropped connections`,
    `Decisions: ${Object.entries(f.decisionsByStatus)
      .map(([s, n]) => `${s} ${n}`)
      .join(", ")}`,
    `Vendors: ${f.vendorCalls} calls, faults injected ${f.vendorFaults.error} errors / ${f.vendorFaults.throttle} 429s / ${f.vendorFaults.timeout} timeouts; ${f.sends} sends carried out under ${f.sendKeys} keys, ${f.answersWithheld} answers withheld, ${f.replaysAbsorbedByUpserts} replays absorbed by upserts; duplicates ${f.duplicateSends}; in_doubt ${f.inDoubt}`,
    `Crashes: ${f.serveKills} kill -9 of serve, ${f.databaseKills} of DynamoDB Local (outages ${f.outageSeconds.join(", ")} s); restarts ${f.restartSeconds.join(", ")} s; database outlived serve ${f.databaseOutlivedServe}x; Ctrl-C ignored ${f.ctrlCIgnored}x; approvals ${f.approvals.approved} approved, ${f.approvals.rejected} rejected`,
    `End: serve ${f.endAlive ? "alive" : "NOT running"}, /v1/health ${f.endHealth ?? "no answer"}`,
    ...Object.entries(v).map(
      ([name, bad]) =>
        `  ${bad.length === 0 ? "✔" : "✘"} ${name}${
          bad.length
            ? `: ${bad.length}\n${bad
                .slice(0, 8)
                .map((b) => `      ${b}`)
                .join("\n")}`
            : ""
        }`,
    ),
    ...o.chaos.timeline.map((t) => `  · ${t}`),
  ];
  return lines.join("\n");
}
