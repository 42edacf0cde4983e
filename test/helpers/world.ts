import type { AccountInput, PersonInput } from "../../shared/domain/kb.ts";
import type { AppDeps } from "../../shared/http/routes.ts";
import { addSignals, putAccount, putPerson } from "../../shared/usecases/admin.ts";
import type { Principal } from "../../shared/usecases/principal.ts";

export const acme: AccountInput = {
  name: "Acme Analytics",
  domain: "acme.io",
  industry: "Software",
  employees: 250,
  country: "US",
  timezone: "America/New_York",
  lifecycle: "prospect",
};

export const jane: PersonInput = {
  accountId: "acme",
  email: "jane@acme.io",
  firstName: "Jane",
  lastName: "Doe",
  title: "VP Sales",
  linkedinUrl: "https://www.linkedin.com/in/jane-doe-acme",
};

/** An in-ICP account with a VP and three pricing-page visits this week (intent 75 ≥ 60). */
export async function seedAcme(deps: AppDeps, accountId = "acme", extra: Partial<AccountInput> = {}) {
  await putAccount(deps, accountId, { ...acme, domain: `${accountId}.io`, ...extra });
  await putPerson(deps, `${accountId}-jane`, {
    ...jane,
    accountId,
    email: `jane@${accountId}.io`,
    linkedinUrl: `https://www.linkedin.com/in/jane-${accountId}`,
  });
  await putPerson(deps, `${accountId}-bob`, {
    ...jane,
    accountId,
    email: `bob@${accountId}.io`,
    linkedinUrl: `https://www.linkedin.com/in/bob-${accountId}`,
    firstName: "Bob",
    title: "Chief Revenue Officer",
  });
  const now = deps.clock.now();
  await addSignals(deps, {
    signals: [1, 2, 3].map((d) => ({
      accountId,
      personId: `${accountId}-jane`,
      type: "pricing_page_visit",
      occurredAt: new Date(now - d * 3_600_000).toISOString(),
    })),
  });
}

export const agent = (agentId: string): Principal => ({
  subject: `agent:${agentId}`,
  roles: [`agent:${agentId}`],
});

let seq = 0;
export function emailProposal(
  agentId: string,
  accountId = "acme",
  personId = `${accountId}-jane`,
  over: Record<string, unknown> = {},
) {
  return {
    proposalId: `p-${agentId}-${Date.now()}-${++seq}`,
    agentId,
    action: { type: "email.send" },
    target: { accountId, personId },
    payload: {
      subject: "Your pricing research",
      body: "Hi Jane, saw your team comparing plans this week. Happy to share how similar teams rolled out in two weeks.",
    },
    reasoning: "Three pricing page visits this week from the VP Sales.",
    confidence: 0.9,
    ...over,
  };
}

export function linkedinProposal(
  agentId: string,
  accountId = "acme",
  personId = `${accountId}-jane`,
  over: Record<string, unknown> = {},
) {
  return emailProposal(agentId, accountId, personId, {
    action: { type: "linkedin.message" },
    payload: {
      body: "Hi Jane, noticed Acme is evaluating analytics tooling; would a short comparison guide help your team?",
    },
    ...over,
  });
}

/** A record action (a research note) by `agentId` on `accountId`; `n` tells several on one account apart. */
export function recordProposal(agentId: string, accountId = "acme", n?: number) {
  return {
    proposalId: `rec-${accountId}-${n ?? agentId}`,
    agentId,
    action: { type: "crm.update" },
    target: { accountId },
    payload: {
      operation: "research_note",
      accountId,
      domain: `${accountId}.io`,
      facts: [
        {
          kind: "hiring",
          text: `Head count updated from the website${n === undefined ? "" : ` (${n})`}.`,
          sourceUrl: `https://${accountId}.io/careers`,
        },
      ],
    },
    reasoning: "The website lists a larger team.",
    confidence: 0.9,
  };
}
