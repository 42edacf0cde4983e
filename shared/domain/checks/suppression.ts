import type { CheckResult, GateContext } from "../decision-types.ts";
import type { Account, Person, SuppressionEntry } from "../kb.ts";
import { prepareCompetitors } from "../prepared-spec.ts";
import { modeOf } from "../spec-modes.ts";
import type { Spec } from "../spec-schema.ts";
import type { Channel } from "../vocabulary.ts";

const emailDomain = (email: string) => email.slice(email.lastIndexOf("@") + 1);

/**
 * Suppression: one entry per source that applies. The suppression list (opt-outs, complaints, bounces,
 * legal holds) is the law, not a preference, so it has no rule name and cannot be shadowed; the spec's
 * lifecycle and competitor rules can (`suppression.modes`).
 */
export function checkSuppression(
  ctx: GateContext,
  spec: Spec,
  channel: Channel | undefined,
  account: Account,
  person: Person | undefined,
  competitors: Set<string> = prepareCompetitors(spec),
): CheckResult[] {
  const modes = spec.suppression.modes;
  const out: CheckResult[] = [];
  const listed = listedSuppressions(ctx.suppressions, channel);
  if (listed.length > 0)
    out.push({ check: "suppression", result: "fail", effect: "block", detail: listed.join("; ") });
  if (spec.suppression.blockLifecycles.includes(account.lifecycle)) {
    const owner = account.ownerId ? ` owned by ${account.ownerId}` : "";
    out.push(
      fail(
        "suppression.lifecycles",
        modeOf(modes, "lifecycles") === "shadow",
        `${account.name} is ${account.lifecycle === "customer" ? "an existing customer" : "an open opportunity"}${owner}`,
      ),
    );
  }
  // No competitors listed (the default): nothing to look up, no email domain cut out per decision.
  if (competitors.size > 0) {
    const rivals: string[] = [];
    if (competitors.has(account.domain)) rivals.push(`${account.domain} is a competitor`);
    if (person && competitors.has(emailDomain(person.email)))
      rivals.push(`the person's email domain is a competitor's`);
    if (rivals.length > 0)
      out.push(fail("suppression.competitors", modeOf(modes, "competitors") === "shadow", rivals.join("; ")));
  }
  if (out.length === 0)
    return [
      {
        check: "suppression",
        result: "pass",
        detail: "not suppressed, not a customer, open opportunity or competitor",
      },
    ];
  if (out.every((c) => c.shadow))
    out.unshift({ check: "suppression", result: "pass", detail: "no enforced suppression applies" });
  return out;
}

/**
 * The suppression list's entries that apply on this channel, each said in words (an address as "on
 * file": the decision's reasoning must not quote it). Also what a turned-away retry is held back by
 * (usecases/redrive-checks.ts).
 */
export function listedSuppressions(entries: SuppressionEntry[], channel: Channel | undefined): string[] {
  const listed: string[] = [];
  for (const s of entries) {
    if (s.channels && channel && !s.channels.includes(channel)) continue;
    const scope = s.channels ? `unsubscribed from ${s.channels.join(", ")}` : "do-not-contact";
    listed.push(`${s.kind} ${s.kind === "email" ? "(on file)" : s.value} is ${scope}: ${s.reason}`);
  }
  return listed;
}

const fail = (rule: string, shadow: boolean, detail: string): CheckResult => ({
  check: "suppression",
  rule,
  result: "fail",
  effect: "block",
  ...(shadow ? { shadow } : {}),
  detail,
});
