import type { CheckResult, GateContext } from "../decision-types.ts";
import type { Account, Person } from "../kb.ts";
import type { Spec } from "../spec-schema.ts";
import type { Channel } from "../vocabulary.ts";

const emailDomain = (email: string) => email.slice(email.lastIndexOf("@") + 1);

export function checkSuppression(
  ctx: GateContext,
  spec: Spec,
  channel: Channel | undefined,
  account: Account,
  person?: Person,
): CheckResult {
  const hits: string[] = [];
  for (const s of ctx.suppressions) {
    if (s.channels && channel && !s.channels.includes(channel)) continue;
    const scope = s.channels ? `unsubscribed from ${s.channels.join(", ")}` : "do-not-contact";
    hits.push(`${s.kind} ${s.kind === "email" ? "(on file)" : s.value} is ${scope}: ${s.reason}`);
  }
  if (spec.suppression.blockLifecycles.includes(account.lifecycle)) {
    const owner = account.ownerId ? ` owned by ${account.ownerId}` : "";
    hits.push(
      `${account.name} is ${account.lifecycle === "customer" ? "an existing customer" : "an open opportunity"}${owner}`,
    );
  }
  const competitors = new Set(spec.suppression.competitorDomains.map((d) => d.toLowerCase()));
  if (competitors.has(account.domain)) hits.push(`${account.domain} is a competitor`);
  if (person && competitors.has(emailDomain(person.email)))
    hits.push(`the person's email domain is a competitor's`);
  if (hits.length === 0)
    return {
      check: "suppression",
      result: "pass",
      detail: "not suppressed, not a customer, open opportunity or competitor",
    };
  return { check: "suppression", result: "fail", effect: "block", detail: hits.join("; ") };
}
