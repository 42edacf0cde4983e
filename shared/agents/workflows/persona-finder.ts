import { accountOfEvent } from "../context.ts";
import { defineAgent } from "../definition.ts";
import { AGENT_EVENTS } from "../events.ts";
import { BUYERISH, CONTACTABLE, matchingPersonas, slug } from "./common.ts";

/** The id persona-finder gives a contact it finds: the account and the address's local part. */
export const contactId = (accountId: string, email: string) =>
  `${accountId}.${slug(email.split("@")[0] ?? email)}`;

const MAX_PER_ACCOUNT = 8;

/**
 * Persona Finder: when a company enters the ICP, ask the enrichment source who works there and
 * propose recording the people who match a buyer persona as CRM contacts. Once executed, the record
 * ingest puts them in the knowledge base (and Persona Classifier takes over).
 */
export const personaFinder = defineAgent({
  id: "persona-finder",
  description: "New company in ICP: finds people matching buyer personas from an enrichment source.",
  trigger: { kind: "event", eventType: AGENT_EVENTS.accountInIcp },
  actions: ["crm.update"],
  handler: async (inv, ctx) => {
    if (inv.kind !== "event") return;
    const { accountId, account } = await accountOfEvent(inv.event.detail, ctx);
    if (!account) return;
    if (!ctx.enrichment) return ctx.log("no enrichment source configured", { accountId });
    const spec = await ctx.kb.spec();
    const known = new Set((await ctx.kb.peopleAt(accountId)).map((p) => p.email.toLowerCase()));
    // An enrichment failure throws: the run is recorded as failed and nothing is proposed.
    const found = await ctx.enrichment.findPeople(account.domain);
    let proposed = 0;
    for (const p of found) {
      if (proposed >= MAX_PER_ACCOUNT) break;
      const email = p.email.toLowerCase();
      if (known.has(email)) continue;
      // Enrichment data is noisy: people at another domain are someone else's employees.
      if (!email.endsWith(`@${account.domain}`)) continue;
      const { first } = matchingPersonas(spec, p.title);
      if (first && !CONTACTABLE.includes(first.role)) continue;
      if (!first && !BUYERISH.test(p.title)) continue;
      known.add(email);
      const personId = contactId(accountId, email);
      await ctx.propose({
        key: `contact:${personId}`,
        action: { type: "crm.update" },
        target: { accountId },
        payload: {
          operation: "upsert_contact",
          personId,
          contact: {
            accountId,
            email,
            firstName: p.firstName,
            lastName: p.lastName,
            title: p.title,
            ...(p.linkedinUrl ? { linkedinUrl: p.linkedinUrl } : {}),
          },
          companyDomain: account.domain,
          source: p.source,
        },
        reasoning: first
          ? `${p.firstName} ${p.lastName} (${p.title}) matches persona ${first.name} (${first.role.replace("_", " ")}) at ${account.name}, an ICP account; found via ${p.source}.`
          : `${p.firstName} ${p.lastName} (${p.title}) matches no persona rule but has a buyer-side title at ${account.name}; found via ${p.source}, for the classifier to decide.`,
        confidence: first ? 0.9 : 0.7,
        signals: [`account ${accountId} entered the ICP`],
      });
      proposed++;
    }
    if (proposed === 0)
      ctx.log("enrichment found nobody new matching a persona", { accountId, found: found.length });
  },
});
