import { parseWith } from "../../domain/validation.ts";
import * as z from "../../domain/zod-mini.ts";
import { defineAgent } from "../definition.ts";
import { AGENT_EVENTS, PersonEvent } from "../events.ts";
import { allowedRoles } from "./common.ts";

const QualifiedEvent = z.extend(PersonEvent, { persona: z.string(), role: z.string() });

/**
 * LinkedIn Audience Manager: a newly qualified contact (classified into a role the spec lets
 * linkedin.audience.add target, at an ICP account) joins the LinkedIn Ads matched audience of their
 * persona, so ads warm them up before and between touches.
 */
export const linkedinAudienceManager = defineAgent({
  id: "linkedin-audience-manager",
  description: "New qualified contact: adds contacts to LinkedIn Ads matched audiences.",
  trigger: { kind: "event", eventType: AGENT_EVENTS.contactQualified },
  actions: ["linkedin.audience.add"],
  handler: async (inv, ctx) => {
    if (inv.kind !== "event") return;
    const ev = parseWith(QualifiedEvent, inv.event.detail, "detail");
    const { person, account } = await ctx.kb.personAndAccount(ev.personId, ev.accountId);
    if (!person || !account) return ctx.log("person or account missing from the knowledge base", { ...ev });
    const spec = await ctx.kb.spec();
    if (!allowedRoles(spec, "linkedin.audience.add").includes(ev.role as never))
      return ctx.log("role may not be targeted by linkedin.audience.add", { ...ev });
    const tier = await ctx.kb.tier(account);
    if (tier.tier !== 1 && tier.tier !== 2)
      return ctx.log("account is not (or no longer) an ICP fit", { accountId: account.accountId });
    // The gate would refuse it, once per qualification: someone who asked us to stop is not proposed.
    if ((await ctx.kb.doNotTarget(account.accountId, [person.personId])).size > 0)
      return ctx.log("the suppression list names this person", { ...ev });
    const audienceId = `harness-${ev.persona}`;
    await ctx.propose({
      key: `audience:${audienceId}:${person.personId}`,
      action: { type: "linkedin.audience.add" },
      target: { accountId: account.accountId, personId: person.personId },
      payload: {
        audienceId,
        personId: person.personId,
        email: person.email,
        firstName: person.firstName,
        lastName: person.lastName,
        companyName: account.name,
        persona: ev.persona,
      },
      reasoning: `${person.firstName} ${person.lastName} (${person.title}) qualified as ${ev.persona} (${ev.role.replace("_", " ")}) at ${account.name}, ICP tier ${tier.tier}: add to LinkedIn matched audience ${audienceId}.`,
      confidence: 0.85,
    });
  },
});
