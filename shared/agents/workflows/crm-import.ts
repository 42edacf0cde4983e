import { defineAgent } from "../definition.ts";

/**
 * CRM Import: every 15 minutes (and on demand), the HubSpot companies, contacts and deals modified
 * since the last run become accounts, people and deals in the knowledge base, each citing its
 * HubSpot record (shared/usecases/crm-import.ts). It proposes nothing: reading the system of record
 * touches nobody. Without a CRM configured it does nothing and says so.
 */
/** How long after its firing a run may still go on in a new invocation: the quarter hour less a run. */
export const CHAIN_MS = 10 * 60_000;

export const crmImport = defineAgent({
  id: "crm-import",
  description: "Every 15 minutes: imports HubSpot companies, contacts and deals changed since the last run.",
  trigger: [{ kind: "schedule", cron: "*/15 * * * *" }, { kind: "manual" }],
  actions: [],
  // A backfill or a burst goes on in a new invocation, not a quarter hour later (ctx.moreToDo).
  continues: true,
  handler: async (inv, ctx) => {
    if (!ctx.crm) {
      ctx.log("no CRM configured: nothing to import", {});
      return;
    }
    const spec = await ctx.kb.spec();
    const report = await ctx.crm.importChanges({
      workspaceTimezone: spec.workspace.timezone,
      // In AWS the function's remaining time: a backfill is read run by run, not killed at the timeout.
      timeLeft: ctx.timeLeft,
      ...(spec.crm ? { lifecycleStages: spec.crm.lifecycleStages, owners: spec.crm.owners } : {}),
    });
    if (report.optOuts) ctx.log("crm opt-outs", { ...report.optOuts });
    for (const objectType of ["companies", "contacts", "deals"] as const) {
      const r = report[objectType];
      ctx.log("crm import", {
        objectType,
        seen: r.seen,
        written: r.written,
        unchanged: r.unchanged,
        keptNewer: r.keptNewer,
        optedOut: r.optedOut,
        skipped: r.skipped.length,
        // HubSpot ids and reasons that name properties: no personal data.
        skippedFirst: r.skipped.slice(0, 20),
        // Stage values only: taken for customers until the spec maps them (crm.lifecycleStages).
        ...(r.unmappedStages ? { unmappedLifecycleStages: r.unmappedStages } : {}),
        ...(r.checkpoint !== undefined ? { checkpoint: new Date(r.checkpoint).toISOString() } : {}),
      });
    }
    // A run stops at its cap (2,000 records a type) or its time: a backfill, or a burst of companies
    // changed overnight (which holds contacts and deals back until companies catch up), goes on in a
    // new invocation. Before, it went on once a quarter hour: 50,000 companies were six hours in which
    // no new lead or deal reached the knowledge base.
    // A chain of them ends before the schedule's next firing (each run at most the function's 5
    // minutes), so two chains never read the same pages at once: the next firing goes on from there.
    const types = [report.companies, report.contacts, report.deals];
    const started =
      inv.kind === "event"
        ? undefined
        : (inv.continuedFrom ?? (inv.kind === "schedule" ? inv.at : undefined));
    const chainOpen = started === undefined || ctx.clock.now() - started < CHAIN_MS;
    // The opt-out sweep too (20 pages a run): after an upgrade, a portal's 100,000 unsubscribed
    // contacts were swept 2,000 a quarter hour, about 12 hours in which they were not suppressed.
    const behind = types.some((r) => !r.caughtUp) && types.some((r) => r.seen > 0);
    const optOutsBehind = report.optOuts !== undefined && !report.optOuts.caughtUp;
    if (chainOpen && (behind || optOutsBehind)) ctx.moreToDo();
  },
});
