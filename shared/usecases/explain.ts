import { describeIntent } from "../domain/checks/quality.ts";
import type { Decision } from "../domain/decision.ts";
import { publicDecision } from "../domain/decision.ts";
import { NotFoundError } from "../domain/errors.ts";
import type { Deps } from "../ports.ts";
import {
  contactReasons,
  heldBackLine,
  plainSummary,
  ruleIdsOf,
  shortAnswer,
  whenOf,
} from "./explain-plain.ts";
import { localTime } from "./plain-words.ts";

const CONTACT_STATUSES = new Set(["executed", "dispatched", "in_doubt", "scheduled", "pending_approval"]);

const VERBS: Record<string, string> = {
  "email.send": "emailed",
  "linkedin.message": "messaged on LinkedIn",
  "linkedin.audience.add": "added to a LinkedIn Ads audience",
  "ads.audience.push": "added to an ads audience",
};

/** "Why did you contact me?" in plain language, built only from the recorded trace. */
export function narrate(d: Decision): string {
  const who = d.context.person?.name ?? `person ${d.personId}`;
  const company = d.context.account?.name ?? d.accountId;
  const verb = VERBS[d.actionType] ?? `chose ${d.actionType} for`;
  const when = d.execution?.at ?? d.executeAt ?? d.decidedAt;
  const lines: string[] = [];
  const pending =
    d.status === "scheduled"
      ? " (scheduled, not yet sent)"
      : d.status === "pending_approval"
        ? " (awaiting human approval, not yet sent)"
        : d.status === "in_doubt"
          ? " (sending may have failed; under review)"
          : "";
  lines.push(`On ${when}, agent ${d.agentId} ${verb} ${who} at ${company}${pending}.`);
  const intent = d.context.intent;
  if (intent) lines.push(`Signals seen: ${describeIntent(intent)}; intent score ${intent.score}.`);
  const icp = d.checks.filter((c) => c.check === "icp" && c.rule?.startsWith("icp.") && !c.shadow);
  if (icp.length > 0 && icp.every((c) => c.result === "pass"))
    lines.push(`ICP: ${company} matches the ICP: ${icp.map((c) => c.detail).join(", ")}.`);
  const persona = d.checks.find((c) => c.check === "persona" && c.result === "pass" && !c.shadow);
  if (persona) {
    // The trace says "title → persona → role"; the title itself is in the sealed context.
    const title = d.context.person?.title;
    lines.push(`Persona: ${title ? persona.detail.replace(/^title(?= →)/, title) : persona.detail}.`);
  }
  const passed = d.checks.filter(
    (c) => (c.check === "coordination" || c.check === "volume") && c.result === "pass" && !c.shadow,
  );
  if (passed.length)
    lines.push(
      `Rules passed: ${passed.map((c) => c.rule ?? c.check).join(", ")}; no pause or suppression applied.`,
    );
  lines.push(`The agent's reasoning: "${d.reasoning}" (confidence ${d.confidence}).`);
  if (d.review)
    lines.push(
      `${d.review.action === "edited" ? "Edited and approved" : "Approved"} by ${d.review.by} at ${d.review.at}.`,
    );
  else if (d.status === "scheduled")
    lines.push(`Will be sent at ${d.executeAt} unless a human vetoes it in the override window.`);
  else if (d.status === "pending_approval")
    lines.push(`Waiting for a human to approve it before ${d.expiresAt}.`);
  else if (d.autonomyLevel === 2) lines.push("Sent after a human override window passed without a veto.");
  else if (d.autonomyLevel === 3)
    lines.push(
      d.autonomySource === "pinned"
        ? `Sent autonomously: an admin pinned the agent at level 3 for ${d.actionType}.`
        : `Sent autonomously: the agent has earned level 3 for ${d.actionType}.`,
    );
  lines.push(`Decided under spec v${d.specVersion} (${d.specHash}).`);
  const flips = shadowFlips(d);
  if (flips) lines.push(flips);
  return lines.join(" ");
}

const VERDICT_WORDS: Record<string, string> = {
  allow: "allowed it",
  schedule: "scheduled it",
  require_approval: "sent it for approval",
  defer: "deferred it",
  block: "blocked it",
};

/** The shadow rules that, enforced, would have changed the verdict (they changed nothing: they are in shadow). */
export function shadowFlips(d: Pick<Decision, "verdict" | "shadow">): string | undefined {
  const flips = (d.shadow ?? []).filter((s) => s.verdict !== d.verdict);
  if (flips.length === 0) return undefined;
  const list = flips.map((s) => `${s.rule} would have ${VERDICT_WORDS[s.verdict] ?? s.verdict}`).join("; ");
  return `Rules in shadow (not enforced) that would have changed this: ${list}.`;
}

/** Statuses of a proposal that did not go ahead (a record update that executed is not among them). */
const HELD_BACK = new Set(["vetoed", "rejected", "expired", "deferred", "blocked", "failed"]);

export async function explain(
  deps: Pick<Deps, "kb" | "decisions" | "erasure">,
  query: { personId?: string; email?: string },
) {
  // An erased person's history is not told again: only that it was erased, and when.
  const erased = await deps.erasure?.find(
    query.personId ? { personId: query.personId } : { email: query.email ?? "" },
  );
  if (erased)
    return {
      personId: erased.personId,
      erased: true,
      summary: `Their personal data was erased on ${erased.erasedAt.slice(0, 10)}.`,
    };
  const personId = query.personId ?? (query.email ? await deps.kb.personIdByEmail(query.email) : undefined);
  const person = personId ? await deps.kb.getPerson(personId) : undefined;
  if (!person || !personId) throw new NotFoundError("no such person in the knowledge base");
  const decisions: Decision[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.decisions.queryDecisions({ personId, limit: 100, ...(cursor ? { cursor } : {}) });
    decisions.push(...page.items);
    cursor = page.cursor;
  } while (cursor && decisions.length < 500);
  const contacts = decisions.filter((d) => d.actionKind !== "record" && CONTACT_STATUSES.has(d.status));
  // Held back: what was proposed and did not go ahead. An executed CRM update or list sync is neither
  // a contact nor held back: it is our own bookkeeping, told apart in the technical summary.
  const heldBack = decisions.filter((d) => HELD_BACK.has(d.status));
  const records = decisions.filter((d) => d.actionKind === "record" && !HELD_BACK.has(d.status));
  const account = await deps.kb.getAccount(person.accountId);
  const company =
    account?.name ?? decisions.find((d) => d.context.account)?.context.account?.name ?? person.accountId;
  // The person's own zone, else their company's (the knowledge base requires one per account).
  const timeZone = person.timezone ?? account?.timezone ?? decisions[0]?.context.account?.timezone ?? "UTC";
  const byTime = (a: Decision, b: Decision) => whenOf(a).localeCompare(whenOf(b));
  const technicalSummary = [
    contacts.length === 0
      ? `We have not contacted ${person.firstName} ${person.lastName}.`
      : contacts.map(narrate).join("\n"),
    ...heldBack
      .slice(0, 5)
      .map(
        (d) =>
          `Held back: ${d.agentId}'s ${d.actionType} at ${d.decidedAt} was ${d.status}: ${d.reasons[0] ?? "no reason recorded"}.${shadowFlips(d) ? ` ${shadowFlips(d)}` : ""}`,
      ),
    ...(records.length
      ? [
          `Records kept up to date (no message to the person): ${records.map((d) => `${d.actionType} ${d.status}`).join(", ")}.`,
        ]
      : []),
  ].join("\n");
  const plainPerson = { firstName: person.firstName, lastName: person.lastName, title: person.title };
  return {
    personId,
    person: {
      name: `${person.firstName} ${person.lastName}`,
      title: person.title,
      accountId: person.accountId,
    },
    timeZone,
    summary: plainSummary(
      plainPerson,
      company,
      timeZone,
      [...contacts].sort(byTime),
      [...heldBack].sort(byTime),
    ),
    shortAnswer: shortAnswer(plainPerson, company, timeZone, contacts),
    technicalSummary,
    contacts: contacts.map((d) => ({
      explanation: narrate(d),
      localTime: localTime(whenOf(d), timeZone),
      timeZone,
      reasons: contactReasons(d, plainPerson, company, timeZone),
      ruleIds: ruleIdsOf(d),
      decision: publicDecision(d),
    })),
    otherDecisions: decisions
      .filter((d) => !contacts.includes(d))
      .map((d) => ({
        decisionId: d.decisionId,
        agentId: d.agentId,
        actionType: d.actionType,
        verdict: d.verdict,
        status: d.status,
        reasons: d.reasons,
        ...(d.shadow ? { shadow: d.shadow } : {}),
        decidedAt: d.decidedAt,
        ...(HELD_BACK.has(d.status) ? { plain: heldBackLine(d, company, timeZone) } : {}),
      })),
  };
}
