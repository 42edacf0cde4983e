import { effectiveLevel, levelSourceText, trustStats } from "../learning/trust.ts";
import {
  type Candidate,
  coordinationChecks,
  evaluateCoordination,
  liveTouches,
} from "./checks/coordination.ts";
import { checkIcp } from "./checks/icp.ts";
import { checkKillSwitches } from "./checks/kill-switch.ts";
import { checkPersona, misaddressedEntry, type PersonaMatch } from "./checks/persona.ts";
import { checkConfidence, checkContent, checkIntent, computeIntent, scoreContent } from "./checks/quality.ts";
import { checkRules, type RuleSubject } from "./checks/rules.ts";
import { checkSuppression } from "./checks/suppression.ts";
import { planVolume } from "./checks/volume.ts";
import { toFixed } from "./decimal.ts";
import type { CheckResult, Evaluation, GateContext, Touch } from "./decision-types.ts";
import { preparedSpec } from "./prepared-spec.ts";
import { earliestRetry } from "./retry.ts";
import { shadowOutcomes } from "./shadow.ts";
import { shadowIntent } from "./shadow-intent.ts";
import { HOUR } from "./time.ts";
import { finish, forcesReview } from "./verdict.ts";

const MINUTE = 60_000;
const WINDOW_CLOSES = " when its override window closes";

const na = (check: CheckResult["check"], detail: string): CheckResult => ({ check, result: "n/a", detail });

/** `into.push(...entries)` without the spread's iteration protocol, run a handful of times per decision. */
function append(into: CheckResult[], entries: CheckResult[]): void {
  for (let i = 0; i < entries.length; i++) into.push(entries[i] as CheckResult);
}

/** The first enforced failure that forces a review (a loop: no callback made per decision). */
function firstReviewer(checks: CheckResult[]): CheckResult | undefined {
  for (let i = 0; i < checks.length; i++) {
    const c = checks[i] as CheckResult;
    if (c.result === "fail" && !c.shadow && c.effect === "review") return c;
  }
  return undefined;
}

function anyShadow(checks: CheckResult[]): boolean {
  for (let i = 0; i < checks.length; i++) if ((checks[i] as CheckResult).shadow) return true;
  return false;
}

/**
 * The gate's decision as a pure function of what it read: every check runs and leaves a trace entry,
 * then the verdict follows from the enforced failures (block beats defer beats review). Shadow rules
 * are evaluated too but the verdict is computed as if they were absent; `shadow` records, for each,
 * the verdict with that one rule enforced (shadow.ts).
 */
export function evaluate(ctx: GateContext): Evaluation {
  const { proposal, now } = ctx;
  const spec = ctx.spec.spec;
  // Derived from the spec once per version (by its hash), not per decision: the spec object is new each time.
  const prepared = preparedSpec(ctx.spec);
  const action = prepared.actions.get(proposal.action.type);
  const checks: CheckResult[] = [];
  const trustPolicy = spec.trust;
  const stats = trustStats(ctx.trust ?? { successes: 0, failures: 0 }, trustPolicy);

  if (!action) {
    checks.push({
      check: "autonomy",
      result: "fail",
      effect: "block",
      detail: `action type ${proposal.action.type} is not declared in spec v${ctx.spec.version}`,
    });
    return finish(checks, 1, "start", stats.score, undefined, { counters: [] });
  }

  const channel = action.channel;
  const isTouch = action.kind === "touch";
  const targetsPeople = action.kind !== "record";
  const account = ctx.account;
  const person = ctx.person;

  // 1. Kill switches.
  checks.push(checkKillSwitches(ctx, channel));

  if (proposal.action.channel && channel && proposal.action.channel !== channel) {
    checks.push({
      check: "autonomy",
      rule: "channel",
      result: "fail",
      effect: "block",
      detail: `${proposal.action.type} is on channel ${channel} per the spec, the proposal said ${proposal.action.channel}`,
    });
  }

  // 2-4. Suppression, ICP, persona: on the knowledge base's records only.
  let personaInfo: Evaluation["persona"];
  let match: PersonaMatch | undefined;
  if (!targetsPeople) {
    checks.push(na("suppression", `${proposal.action.type} contacts nobody`));
    checks.push(na("icp", `${proposal.action.type} contacts nobody`));
    checks.push(na("persona", `${proposal.action.type} contacts nobody`));
  } else if (!account) {
    checks.push(na("suppression", "no account on file"));
    checks.push({
      check: "icp",
      result: "fail",
      effect: "block",
      detail: `account ${proposal.target.accountId} is not in the knowledge base`,
    });
    checks.push(na("persona", "no account on file"));
  } else {
    const personProblem = !proposal.target.personId
      ? `${proposal.action.type} needs a target person`
      : !person
        ? `person ${proposal.target.personId} is not in the knowledge base`
        : person.accountId !== account.accountId
          ? `person ${person.personId} belongs to account ${person.accountId}, not ${account.accountId}`
          : undefined;
    append(checks, checkSuppression(ctx, spec, channel, account, person, prepared.competitors));
    append(checks, checkIcp(spec, account, now, prepared.icp));
    if (personProblem || !person) {
      checks.push({
        check: "persona",
        result: "fail",
        effect: "block",
        detail: personProblem ?? "no person",
      });
    } else {
      const persona = checkPersona(spec, proposal.action.type, person, undefined, prepared.personas);
      checks.push(persona.result);
      append(checks, persona.trace);
      match = persona.match;
      if (match) personaInfo = { name: match.name, role: match.role };
      if (ctx.misaddressed) checks.push(misaddressedEntry(ctx.misaddressed));
    }
  }

  // 5. Quality thresholds.
  let intent: Evaluation["intent"];
  if (isTouch && account) {
    intent = computeIntent(spec, account, now, prepared.intent);
    checks.push(checkIntent(spec, intent, prepared.intent));
    checks.push(checkContent(spec, scoreContent(spec, proposal.payload, account, person, prepared.content)));
  } else {
    checks.push(na("intent", isTouch ? "no account on file" : `${proposal.action.type} is not outreach`));
    checks.push(
      na("content_quality", isTouch ? "no account on file" : `${proposal.action.type} carries no message`),
    );
  }
  checks.push(checkConfidence(spec, proposal.confidence));

  // 5b. Conditional rules (the `rules` section), on what the gate read and the persona it found.
  // Optional fields assigned, not spread: conditional spreads were ~12% of evaluation (issue 8).
  const subject: RuleSubject = {
    actionType: proposal.action.type,
    agentId: proposal.agentId,
    timeZone: person?.timezone ?? account?.timezone ?? spec.workspace.timezone,
    payload: proposal.payload,
  };
  if (channel) subject.channel = channel;
  if (account) subject.account = account;
  if (match) subject.persona = match;
  // Autonomy is known before the rules and coordination: a level 2 touch happens when its window
  // closes, so a rule's weekdays are read on that day (a touch proposed late on Friday goes out on
  // Saturday). If a review is forced after all, its approval reads them again (revalidate.ts).
  const autonomy = effectiveLevel(ctx.trust, action);
  const windowMs = action.overrideWindowMinutes * MINUTE;
  // Not when low confidence already asks for a person: then it goes out when approved, as at level 1.
  const rulesAt = autonomy.level === 2 && !forcesReview(checks) ? now + windowMs : now;
  const rulesWhen = rulesAt === now ? "" : WINDOW_CLOSES;
  const rules = checkRules(spec, subject, rulesAt, rulesWhen);
  append(checks, rules.checks);

  const forcedReview = forcesReview(checks);
  const level = forcedReview ? 1 : autonomy.level;
  const touchAt = level === 2 ? now + windowMs : now;

  // 6. Volume.
  const touches = liveTouches(ctx.touches, now);
  const volume = planVolume(ctx, spec, action, account, touches);
  append(checks, volume.checks);

  // 7. Coordination.
  let candidate: Candidate | undefined;
  if (isTouch && channel && account) {
    candidate = {
      at: touchAt,
      channel,
      timeZone: person?.timezone ?? account.timezone,
      accountTimeZone: account.timezone,
    };
    if (proposal.target.personId) candidate.personId = proposal.target.personId;
    append(checks, coordinationChecks(evaluateCoordination(spec, candidate, touches, prepared.coordination)));
  } else {
    checks.push(
      na("coordination", isTouch ? "no account on file" : `${proposal.action.type} is not a touch`),
    );
  }

  // 8. Autonomy.
  const source = levelSourceText(autonomy.source);
  const reviewer = firstReviewer(checks);
  const levelDetail = reviewer
    ? `level 1: ${reviewer.check === "rule" ? `rule ${reviewer.rule} forces` : "low confidence forces"} human review (trust level ${autonomy.level}, ${source})`
    : `level ${level} (${source}${autonomy.capped ? `, capped by the spec's max ${action.maxLevel}` : ""}); trust ${toFixed(stats.score, 2)}, lower bound ${toFixed(stats.lowerBound, 2)} on ${toFixed(stats.sample, 1)} outcomes`;
  checks.push({ check: "autonomy", result: "pass", detail: levelDetail });

  let touch: Touch | undefined;
  if (candidate && channel) {
    touch = {
      decisionId: "",
      agentId: proposal.agentId,
      actionType: proposal.action.type,
      channel,
      from: touchAt,
      to: level === 1 ? now + action.approvalTimeoutHours * HOUR : touchAt,
    };
    if (proposal.target.personId) touch.personId = proposal.target.personId;
    if (level === 1) touch.expiresAt = now + action.approvalTimeoutHours * HOUR;
  }
  const reservation: Evaluation["reservation"] = { counters: volume.bumps };
  if (touch) reservation.touch = touch;

  const evaluation = finish(
    checks,
    level,
    forcedReview ? "review" : autonomy.source,
    stats.score,
    intent,
    reservation,
  );
  if (evaluation.verdict === "defer") {
    const deferring = { rules: rules.deferring, timeZone: subject.timeZone, lead: rulesAt - now };
    const retry = earliestRetry(ctx, candidate, touches, volume.resetAt, channel, deferring);
    if (retry !== undefined) evaluation.retryAfter = retry;
  }
  if (evaluation.verdict === "schedule") evaluation.executeAt = touchAt;
  if (evaluation.verdict === "require_approval")
    evaluation.expiresAt = now + action.approvalTimeoutHours * HOUR;
  if (personaInfo) evaluation.persona = personaInfo;
  if (intent && account) {
    // A refit's weights in shadow: intent under them recorded next to the real one, the verdict untouched.
    const alt = shadowIntent(spec, ctx.spec.hash, account, now);
    if (alt) evaluation.shadowIntent = alt;
  }
  if (anyShadow(checks)) {
    const shadow = shadowOutcomes({
      checks,
      verdict: evaluation.verdict,
      level,
      repersona: (rule) => {
        if (!person) return [];
        const p = checkPersona(spec, proposal.action.type, person, rule, prepared.personas);
        const { persona: _, ...rest } = subject;
        const alt = checkRules(spec, p.match ? { ...rest, persona: p.match } : rest, rulesAt, rulesWhen);
        // Whom the payload goes to is no persona rule's to change: the entry stays as it was.
        const kept = ctx.misaddressed ? [misaddressedEntry(ctx.misaddressed)] : [];
        return [p.result, ...p.trace, ...alt.checks, ...kept];
      },
      ...(candidate
        ? {
            recoordinateNow: () =>
              coordinationChecks(
                evaluateCoordination(spec, { ...candidate, at: now }, touches, prepared.coordination),
              ),
          }
        : {}),
    });
    if (shadow.length > 0) evaluation.shadow = shadow;
  }
  return evaluation;
}
