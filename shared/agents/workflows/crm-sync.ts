import { parseWith } from "../../domain/validation.ts";
import { defineAgent } from "../definition.ts";
import { ExecutedEvent } from "../events.ts";
import { LogEngagement } from "../records.ts";

/**
 * CRM Sync: every executed outreach action (a touch) is recorded on the HubSpot timeline of the
 * contact, with the message that went out and the decision that allowed it. Keyed by the decision,
 * so a redelivered event replays instead of logging twice.
 */
export const crmSync = defineAgent({
  id: "crm-sync",
  description: "Any executed outreach action: records the activity on the HubSpot timeline.",
  trigger: { kind: "event", eventType: "decision.transitioned" },
  actions: ["crm.update"],
  handler: async (inv, ctx) => {
    if (inv.kind !== "event") return;
    const ev = ExecutedEvent.safeParse(inv.event.detail);
    if (!ev.success || ev.data.to !== "executed") return;
    const d = await ctx.kb.decision(ev.data.decisionId);
    if (d?.actionKind !== "touch" || (d.channel !== "email" && d.channel !== "linkedin")) return;
    const person = d.personId ? await ctx.kb.person(d.personId) : undefined;
    const account = await ctx.kb.account(d.accountId);
    const payload = d.payload as { subject?: unknown; body?: unknown };
    await ctx.propose({
      key: `engagement:${d.decisionId}`,
      action: { type: "crm.update" },
      target: { accountId: d.accountId, ...(d.personId ? { personId: d.personId } : {}) },
      payload: parseWith(
        LogEngagement,
        {
          operation: "log_engagement",
          decisionId: d.decisionId,
          channel: d.channel,
          ...(d.personId ? { personId: d.personId } : {}),
          ...(person ? { email: person.email } : {}),
          ...(account ? { companyDomain: account.domain } : {}),
          ...(typeof payload.subject === "string" ? { subject: payload.subject } : {}),
          body: typeof payload.body === "string" ? payload.body : `${d.actionType} (no body)`,
          occurredAt: d.execution?.at ?? d.updatedAt,
          ...(d.execution?.externalId ? { externalId: d.execution.externalId } : {}),
        },
        "payload",
      ),
      reasoning: `Record ${d.agentId}'s ${d.actionType} to ${d.context.person?.name ?? d.personId ?? d.accountId} (decision ${d.decisionId}, executed ${d.execution?.at ?? "just now"}) on the HubSpot timeline.`,
      confidence: 0.95,
    });
  },
});
