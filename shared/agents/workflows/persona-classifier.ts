import { parseWith } from "../../domain/validation.ts";
import type { CommitteeRole } from "../../domain/vocabulary.ts";
import { defineAgent } from "../definition.ts";
import { AGENT_EVENTS, PersonEvent } from "../events.ts";
import { matchingPersonas, personaOptions } from "./common.ts";

/**
 * Persona Classifier: a new person gets a persona and a buying-committee role. The spec's title rules
 * decide when exactly one role matches; when no rule or several conflicting ones match, the model is
 * asked. A model failure falls back to the rules' best guess at low confidence, which the gate sends
 * to a human.
 */
export const personaClassifier = defineAgent({
  id: "persona-classifier",
  usesModel: true,
  description:
    "New person: classifies persona and committee role from title and context (rules first, model when unsure).",
  trigger: { kind: "event", eventType: AGENT_EVENTS.personCreated },
  actions: ["crm.update"],
  handler: async (inv, ctx) => {
    if (inv.kind !== "event") return;
    const { personId, accountId } = parseWith(PersonEvent, inv.event.detail, "detail");
    // Both in one read; the event's account is the person's unless they moved since.
    const found = await ctx.kb.personAndAccount(personId, accountId);
    const person = found.person;
    if (!person) return ctx.log("person not in the knowledge base", { personId });
    const account = person.accountId === accountId ? found.account : await ctx.kb.account(person.accountId);
    const spec = await ctx.kb.spec();
    const { first, roles } = matchingPersonas(spec, person.title);
    let persona: string;
    let role: CommitteeRole;
    let method: "rules" | "model" = "rules";
    let confidence: number;
    let why: string;
    if (first && roles.length === 1) {
      persona = first.name;
      role = first.role;
      confidence = 0.95;
      why = `title "${person.title}" matches the spec's ${first.name} rule`;
    } else {
      const memory = account
        ? await ctx.kb.searchMemory(
            account.accountId,
            `${person.firstName} ${person.lastName} ${person.title}`,
            1,
          )
        : [];
      try {
        const answer = await ctx.model.classifyPersona({
          title: person.title,
          company: account?.name ?? person.accountId,
          industry: account?.industry ?? "unknown",
          personas: personaOptions(spec),
          ...(memory[0] ? { context: memory[0].excerpt } : {}),
        });
        const known = spec.personas.rules.find((r) => r.name === answer.persona);
        persona = known ? known.name : "unknown";
        role = known ? known.role : answer.role;
        method = "model";
        confidence = Math.min(0.9, answer.confidence);
        why = `${first ? `rules disagree (${roles.join(" vs ")})` : "no title rule matches"}; ${ctx.model.modelId} says ${answer.persona}: ${answer.rationale}`;
      } catch (err) {
        persona = first?.name ?? "unknown";
        role = first?.role ?? "too_junior";
        confidence = 0.3;
        why = `the model failed (${(err as Error).message}); best rule guess, for a human to check`;
      }
    }
    await ctx.propose({
      key: `classify:${personId}`,
      action: { type: "crm.update" },
      target: { accountId: person.accountId, personId },
      payload: {
        operation: "classify_contact",
        personId,
        email: person.email,
        persona,
        role,
        method,
        ...(method === "model" ? { model: ctx.model.modelId } : {}),
        confidence,
      },
      reasoning: `${person.firstName} ${person.lastName}: ${persona} → ${role.replace("_", " ")}; ${why}.`,
      confidence,
    });
  },
});
