import { effectiveLevel, levelSourceText } from "../learning/trust.ts";
import {
  type Candidate,
  coordinationChecks,
  evaluateCoordination,
  liveTouches,
} from "./checks/coordination.ts";
import { checkIcp } from "./checks/icp.ts";
import { checkKillSwitches } from "./checks/kill-switch.ts";
import { checkPersona, misaddressedEntry, type PersonaMatch } from "./checks/persona.ts";
import { checkContent, scoreContent } from "./checks/quality.ts";
import { checkRules, type RuleSubject, specRules } from "./checks/rules.ts";
import { checkSuppression } from "./checks/suppression.ts";
import type { Decision } from "./decision.ts";
import type { CheckResult, GateContext } from "./decision-types.ts";
import { earliestRetry } from "./retry.ts";

/**
 * Before a scheduled or approved action is dispatched, the hard rules are checked again on current
 * data and the current spec: pauses, suppression, ICP, persona, the conditional rules that block (a
 * rule confirmed while the action waited stops it), content (the payload may have been edited), and
 * coordination against every other reservation. A prospect who unsubscribed during the
 * window is not contacted.
 */
export function revalidate(
  ctx: GateContext,
  decision: Decision,
  payload: Record<string, unknown>,
  /**
   * An override window closing (level 2): what let it go without a person must still hold. The
   * agent's level for the action (a complaint's demotion, an admin's pin, the spec's `maxLevel`) and
   * the spec's review rules are read again, and either asking for a person stops it. Before, every
   * email an agent had in a window went out unreviewed after a complaint had demoted it to level 1.
   */
  window?: boolean,
): CheckResult[] {
  const spec = ctx.spec.spec;
  const action = spec.autonomy.actions[decision.actionType];
  const checks: CheckResult[] = [checkKillSwitches(ctx, decision.channel)];
  if (!action) {
    checks.push({
      check: "autonomy",
      result: "fail",
      effect: "block",
      detail: `${decision.actionType} is no longer declared in spec v${ctx.spec.version}`,
    });
    return checks;
  }
  if (window) {
    const { level, source, capped } = effectiveLevel(ctx.trust, action);
    if (level < 2)
      checks.push({
        check: "autonomy",
        result: "fail",
        effect: "review",
        detail: `${decision.agentId}'s level for ${decision.actionType} is now ${level} (${capped ? `the spec's maxLevel ${action.maxLevel}` : levelSourceText(source)}): it goes out only with a person's approval; propose it again`,
      });
  }
  if (action.kind === "record") return checks;
  const account = ctx.account;
  if (!account) {
    checks.push({
      check: "icp",
      result: "fail",
      effect: "block",
      detail: `account ${decision.accountId} is no longer in the knowledge base`,
    });
    return checks;
  }
  checks.push(...checkSuppression(ctx, spec, decision.channel, account, ctx.person));
  checks.push(...checkIcp(spec, account, ctx.now));
  let match: PersonaMatch | undefined;
  if (ctx.person) {
    const persona = checkPersona(spec, decision.actionType, ctx.person);
    checks.push(persona.result);
    match = persona.match;
    // The address on file may have changed while the action waited, or a reviewer's edit changed it.
    if (ctx.misaddressed) checks.push(misaddressedEntry(ctx.misaddressed));
  }
  if (specRules(spec).length > 0) {
    // Blocking rules; a defer rule of weekdays, which says when the action may go out, not whether
    // (before, an email proposed on Friday and approved on Saturday went out on a day the spec
    // forbids); and at a window's close the review rules: a person has not looked at it. An approved
    // decision has been through a person.
    const subject: RuleSubject = {
      actionType: decision.actionType,
      agentId: decision.agentId,
      timeZone: ctx.person?.timezone ?? account.timezone,
      payload,
    };
    if (decision.channel) subject.channel = decision.channel;
    subject.account = account;
    if (match) subject.persona = match;
    const rules = checkRules(spec, subject, ctx.now);
    const onDays = new Set(rules.deferring.filter((r) => r.when.weekdays).map((r) => r.name));
    for (const c of rules.checks) {
      if (c.effect === "block" || (c.rule !== undefined && onDays.has(c.rule))) checks.push(c);
      // Nobody reviews it at a window's close: it is stopped, and its agent may propose it again.
      else if (window && c.effect === "review")
        checks.push({ ...c, detail: `${c.detail}, which nobody has: propose it again` });
    }
  }
  if (action.kind === "touch") {
    checks.push(checkContent(spec, scoreContent(spec, payload, account, ctx.person)));
    const t = touchNow(ctx, decision);
    if (t) checks.push(...coordinationChecks(evaluateCoordination(spec, t.candidate, t.others)));
  }
  return checks;
}

/** The touch placed now, as coordination judges it, and every other live touch. */
function touchNow(ctx: GateContext, decision: Decision) {
  const account = ctx.account;
  if (!account || !decision.channel) return undefined;
  const others = liveTouches(ctx.touches, ctx.now).filter((t) => t.decisionId !== decision.decisionId);
  const candidate: Candidate = {
    at: ctx.now,
    channel: decision.channel,
    ...(decision.personId ? { personId: decision.personId } : {}),
    timeZone: ctx.person?.timezone ?? account.timezone,
    accountTimeZone: account.timezone,
  };
  return { candidate, others };
}

/**
 * The earliest instant at which the touch would pass every coordination rule (the end of the
 * recipient's quiet hours, of a cooldown) and the spec's rules of weekdays that defer it (`rules`, by
 * name), or undefined: what an approval held by them is told. The gate's own search for a deferred
 * proposal's retry (retry.ts), with no volume to wait for.
 */
export function coordinationClearsAt(
  ctx: GateContext,
  decision: Decision,
  rules: string[] = [],
): number | undefined {
  const t = touchNow(ctx, decision);
  return t
    ? earliestRetry(ctx, t.candidate, t.others, undefined, decision.channel, {
        rules: specRules(ctx.spec.spec).filter((r) => rules.includes(r.name)),
        timeZone: t.candidate.timeZone,
      })
    : undefined;
}

/**
 * The enforced failures that stop a waiting action. One asking for a person's review does not stop an
 * approved one (a person looked), but does stop one whose override window closes (`window`).
 */
export const failures = (checks: CheckResult[], window?: boolean) =>
  checks.filter((c) => c.result === "fail" && !c.shadow && (window || c.effect !== "review"));
