import type { CommitteeRole } from "../../domain/vocabulary.ts";
import type { CommitteeMember } from "../../kb/types.ts";
import { accountOfEvent } from "../context.ts";
import { defineAgent } from "../definition.ts";
import { AGENT_EVENTS } from "../events.ts";
import { CONTACTABLE, workspaceDate } from "./common.ts";

/**
 * Buying Committee Builder: when an account turns high-intent, map who decides (decision makers),
 * who pushes (champions) and who shapes (influencers), from the people and classifications the KB
 * holds, and record the committee with its gaps on the CRM company.
 */
export const buyingCommitteeBuilder = defineAgent({
  id: "buying-committee-builder",
  description: "Account becomes high-intent: identifies decision makers, champions and influencers.",
  trigger: { kind: "event", eventType: AGENT_EVENTS.accountHighIntent },
  actions: ["crm.update"],
  handler: async (inv, ctx) => {
    if (inv.kind !== "event") return;
    const { accountId, account } = await accountOfEvent(inv.event.detail, ctx);
    if (!account) return;
    const people = await ctx.kb.peopleAt(accountId);
    if (people.length === 0)
      return ctx.log("no people known at the account yet; Persona Finder has not run", { accountId });
    const spec = await ctx.kb.spec();
    const classes = await ctx.kb.classifications(people.map((p) => p.personId));
    const members: CommitteeMember[] = [];
    for (const p of people) {
      const persona = ctx.kb.personaOf(spec, p, classes.get(p.personId));
      if (!CONTACTABLE.includes(persona.role)) continue;
      members.push({
        personId: p.personId,
        name: `${p.firstName} ${p.lastName}`,
        title: p.title,
        persona: persona.persona,
        role: persona.role,
      });
    }
    if (members.length === 0) return ctx.log("nobody at the account fills a committee role", { accountId });
    const order: Record<string, number> = { decision_maker: 0, champion: 1, influencer: 2 };
    members.sort(
      (a, b) => (order[a.role] ?? 9) - (order[b.role] ?? 9) || a.personId.localeCompare(b.personId),
    );
    const gaps = CONTACTABLE.filter((r) => !members.some((m) => m.role === r)) as CommitteeRole[];
    const intent = await ctx.kb.intent(account);
    const emails = new Map(people.map((p) => [p.personId, p.email]));
    await ctx.propose({
      key: `committee:${accountId}:${workspaceDate(spec, ctx.clock.now())}`,
      action: { type: "crm.update" },
      target: { accountId },
      payload: {
        operation: "buying_committee",
        accountId,
        domain: account.domain,
        members: members.map((m) => ({ ...m, email: emails.get(m.personId) })),
        gaps,
      },
      reasoning: `${account.name} turned high-intent (${intent.score}); committee of ${members.length}: ${members.map((m) => `${m.name} (${m.role.replace("_", " ")})`).join(", ")}${gaps.length ? `; no ${gaps.join(", ")} found yet` : ""}.`,
      confidence: gaps.includes("decision_maker") ? 0.7 : 0.9,
      signals: intent.counted.map((c) => `${c.type} ×${c.count}`),
    });
  },
});
