import {
  type Candidate,
  coordinationBoundaries,
  coordinationChecks,
  evaluateCoordination,
  liveTouches,
} from "./checks/coordination.ts";
import { checkIcp } from "./checks/icp.ts";
import { activePauses, checkKillSwitches } from "./checks/kill-switch.ts";
import { checkPersona } from "./checks/persona.ts";
import { checkConfidence, checkContent, checkIntent, computeIntent, scoreContent } from "./checks/quality.ts";
import { checkSuppression } from "./checks/suppression.ts";
import { planVolume } from "./checks/volume.ts";
import type { CheckResult, Evaluation, GateContext, Touch } from "./decision-types.ts";
import { HOUR, localDate } from "./time.ts";
import { effectiveLevel, trustStats } from "./trust.ts";
import type { Verdict } from "./vocabulary.ts";

const MINUTE = 60_000;

const na = (check: CheckResult["check"], detail: string): CheckResult => ({ check, result: "n/a", detail });

/**
 * The gate's decision as a pure function of what it read: every check runs and leaves a trace entry,
 * then the verdict follows from the enforced failures (block beats defer beats review).
 */
export function evaluate(ctx: GateContext): Evaluation {
  const { proposal, now } = ctx;
  const spec = ctx.spec.spec;
  const action = spec.autonomy.actions[proposal.action.type];
  const checks: CheckResult[] = [];
  const trustPolicy = spec.trust;
  const stats = trustStats(ctx.trust ?? { successes: 0, failures: 0 }, trustPolicy.confidenceZ);

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
    checks.push(checkSuppression(ctx, spec, channel, account, person));
    checks.push(...checkIcp(spec, account, now));
    if (personProblem || !person) {
      checks.push({
        check: "persona",
        result: "fail",
        effect: "block",
        detail: personProblem ?? "no person",
      });
    } else {
      const { result, match } = checkPersona(spec, proposal.action.type, person);
      checks.push(result);
      if (match) personaInfo = { name: match.name, role: match.role };
    }
  }

  // 5. Quality thresholds.
  let intent: Evaluation["intent"];
  if (isTouch && account) {
    intent = computeIntent(spec, account, now);
    checks.push(checkIntent(spec, intent));
    checks.push(checkContent(spec, scoreContent(spec, proposal.payload, account, person)));
  } else {
    checks.push(na("intent", isTouch ? "no account on file" : `${proposal.action.type} is not outreach`));
    checks.push(
      na("content_quality", isTouch ? "no account on file" : `${proposal.action.type} carries no message`),
    );
  }
  checks.push(checkConfidence(spec, proposal.confidence));

  // Autonomy is known before coordination: a level 2 touch happens when its window closes.
  const autonomy = effectiveLevel(ctx.trust, action);
  const forcedReview = checks.some((c) => c.effect === "review" && c.result === "fail");
  const level = forcedReview ? 1 : autonomy.level;
  const touchAt = level === 2 ? now + action.overrideWindowMinutes * MINUTE : now;

  // 6. Volume.
  const touches = liveTouches(ctx.touches, now);
  const volume = planVolume(ctx, spec, action, account, touches);
  checks.push(...volume.checks);

  // 7. Coordination.
  let candidate: Candidate | undefined;
  if (isTouch && channel && account) {
    candidate = {
      at: touchAt,
      channel,
      ...(proposal.target.personId ? { personId: proposal.target.personId } : {}),
      timeZone: person?.timezone ?? account.timezone,
      accountTimeZone: account.timezone,
    };
    checks.push(...coordinationChecks(evaluateCoordination(spec, candidate, touches)));
  } else {
    checks.push(
      na("coordination", isTouch ? "no account on file" : `${proposal.action.type} is not a touch`),
    );
  }

  // 8. Autonomy.
  const source =
    autonomy.source === "pinned"
      ? "pinned by an admin"
      : autonomy.source === "earned"
        ? "earned"
        : "starting level";
  const levelDetail = forcedReview
    ? `level 1: low confidence forces human review (trust level ${autonomy.level}, ${source})`
    : `level ${level} (${source}${autonomy.capped ? `, capped by the spec's max ${action.maxLevel}` : ""}); trust ${stats.score.toFixed(2)}, lower bound ${stats.lowerBound.toFixed(2)} on ${stats.sample.toFixed(1)} outcomes`;
  checks.push({ check: "autonomy", result: "pass", detail: levelDetail });

  const touch: Touch | undefined =
    candidate && channel
      ? {
          decisionId: "",
          agentId: proposal.agentId,
          actionType: proposal.action.type,
          channel,
          ...(proposal.target.personId ? { personId: proposal.target.personId } : {}),
          from: touchAt,
          to: level === 1 ? now + action.approvalTimeoutHours * HOUR : touchAt,
          ...(level === 1 ? { expiresAt: now + action.approvalTimeoutHours * HOUR } : {}),
        }
      : undefined;

  const evaluation = finish(checks, level, forcedReview ? "review" : autonomy.source, stats.score, intent, {
    ...(touch ? { touch } : {}),
    counters: volume.bumps,
  });
  if (evaluation.verdict === "defer") {
    const retry = earliestRetry(ctx, candidate, touches, volume.resetAt, channel);
    if (retry !== undefined) evaluation.retryAfter = retry;
  }
  if (evaluation.verdict === "schedule") evaluation.executeAt = touchAt;
  if (evaluation.verdict === "require_approval")
    evaluation.expiresAt = now + action.approvalTimeoutHours * HOUR;
  if (personaInfo) evaluation.persona = personaInfo;
  return evaluation;
}

function finish(
  checks: CheckResult[],
  level: 1 | 2 | 3,
  autonomySource: Evaluation["autonomySource"],
  trustScore: number,
  intent: Evaluation["intent"],
  reservation: Evaluation["reservation"],
): Evaluation {
  const enforced = checks.filter((c) => c.result === "fail" && !c.shadow);
  const blocked = enforced.filter((c) => c.effect === "block");
  const deferred = enforced.filter((c) => c.effect === "defer");
  let verdict: Verdict;
  if (blocked.length > 0) verdict = "block";
  else if (deferred.length > 0) verdict = "defer";
  else verdict = level === 1 ? "require_approval" : level === 2 ? "schedule" : "allow";
  const status = (
    {
      block: "blocked",
      defer: "deferred",
      require_approval: "pending_approval",
      schedule: "scheduled",
      allow: "dispatched",
    } as const
  )[verdict];
  const failing = verdict === "block" ? blocked : verdict === "defer" ? deferred : [];
  const reasons = failing.map((c) => `${c.check}${c.rule ? ` (${c.rule})` : ""}: ${c.detail}`);
  if (verdict !== "block" && verdict !== "defer") reasons.push(checks.at(-1)?.detail ?? "");
  const reserves = verdict === "allow" || verdict === "schedule" || verdict === "require_approval";
  return {
    verdict,
    status,
    checks,
    reasons,
    autonomyLevel: level,
    autonomySource,
    trustScore: Number(trustScore.toFixed(4)),
    reservation: reserves ? reservation : { counters: [] },
    ...(intent ? { intent } : {}),
  };
}

/** The earliest instant at which every deferring rule would pass (pauses, volume, coordination). */
function earliestRetry(
  ctx: GateContext,
  candidate: Candidate | undefined,
  touches: Touch[],
  volumeResetAt: number | undefined,
  channel: Candidate["channel"] | undefined,
): number | undefined {
  const spec = ctx.spec.spec;
  const { proposal, now } = ctx;
  const points = new Set<number>([now]);
  const pauses = activePauses(ctx.pauses, proposal.agentId, channel, proposal.target.accountId, now);
  for (const p of pauses) if (p.until) points.add(Date.parse(p.until));
  if (volumeResetAt) points.add(volumeResetAt);
  // A level 2 touch happens one override window after it is proposed: coordination is asked about
  // that instant, and a boundary at instant b means proposing again at b - lead.
  const lead = candidate ? candidate.at - now : 0;
  if (candidate) for (const b of coordinationBoundaries(spec, candidate, touches)) points.add(b - lead);
  const today = localDate(now, spec.workspace.timezone);
  const sorted = [...points].filter((p) => p >= now).sort((a, b) => a - b);
  const latestPause = Math.max(now, ...pauses.map((p) => (p.until ? Date.parse(p.until) : now)));
  for (const at of sorted) {
    if (at < latestPause) continue;
    if (volumeResetAt && localDate(at, spec.workspace.timezone) === today) continue;
    if (candidate) {
      const c = { ...candidate, at: at + lead };
      if (evaluateCoordination(spec, c, touches).some((o) => !o.ok && !o.shadow)) continue;
    }
    return at;
  }
  return undefined;
}
