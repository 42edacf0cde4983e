/**
 * What-if replay: re-decide recorded proposals under a proposed spec, in time order, from the facts
 * each decision recorded (replay-facts.ts), never from today's knowledge base.
 *
 * The recorded facts already hold the contact state and counters as they really were, including the
 * effects of everything before the window. The replay keeps them and corrects them by the difference
 * between what the changed decisions really did and what they would have done under the proposed spec
 * (replay-timeline.ts): a decision newly deferred or blocked takes its touch and counter slots out; one
 * newly allowed puts its own in, for every later decision on the same account, agent, channel or
 * action type. A decision the proposed spec decides exactly as before changes nothing, so replaying
 * the spec in force over its own history is the recorded history, verdict for verdict.
 */
import { assignArm, holdoutEvaluation } from "./arms.ts";
import { counterNames } from "./checks/volume.ts";
import type { Decision } from "./decision.ts";
import type { CheckName, CheckResult, Evaluation, GateContext, Touch } from "./decision-types.ts";
import { evaluate } from "./evaluate.ts";
import { contextFromFacts, notReplayable } from "./replay-facts.ts";
import {
  actuallySent,
  actualTimeline,
  holds,
  replayTimeline,
  reserves,
  type Timeline,
  touchAt,
} from "./replay-timeline.ts";
import type { SpecVersion } from "./spec-schema.ts";
import { iso, localDate } from "./time.ts";
import type { Verdict } from "./vocabulary.ts";

export interface ReplayFlip {
  decisionId: string;
  agentId: string;
  actionType: string;
  accountId: string;
  decidedAt: string;
  actual: Verdict;
  /** `not_proposed`: a retry of a decision the proposed spec did not defer, so the agent had no reason to retry. */
  replayed: Verdict | "not_proposed";
  /** The enforced failures that differ: failing now and not before, or failing before and not now. */
  changedBy: { check: CheckName; rule?: string; now: "fail" | "pass"; detail: string }[];
}

export interface ReplayTally {
  proposed: number;
  /** Sent or on its way: allowed, scheduled, or approved by a reviewer (the real one, where known). */
  sent: number;
  review: number;
  deferred: number;
  blocked: number;
}

export interface ReplayTotals {
  agentId: string;
  actionType: string;
  before: ReplayTally;
  after: ReplayTally;
}

export interface ReplayReport {
  specHash: string;
  decisions: number;
  replayed: number;
  flipped: number;
  notProposed: number;
  /** Decisions recorded before facts existed, and those whose person was erased (their facts are gone). */
  notReplayable: { noFacts: number; erased: number };
  flips: ReplayFlip[];
  totals: ReplayTotals[];
}

const byTime = (a: Decision, b: Decision) =>
  a.decidedAt < b.decidedAt ? -1 : a.decidedAt > b.decidedAt ? 1 : a.decisionId < b.decisionId ? -1 : 1;

const enforcedFailures = (checks: CheckResult[]) =>
  new Map(
    checks
      .filter((c) => c.result === "fail" && !c.shadow)
      .map((c) => [`${c.check}\u0000${c.rule ?? ""}`, c] as const),
  );

function changedBy(actual: CheckResult[], replayed: CheckResult[]): ReplayFlip["changedBy"] {
  const before = enforcedFailures(actual);
  const after = enforcedFailures(replayed);
  const out: ReplayFlip["changedBy"] = [];
  for (const [k, c] of after)
    if (!before.has(k))
      out.push({ check: c.check, ...(c.rule ? { rule: c.rule } : {}), now: "fail", detail: c.detail });
  for (const [k, c] of before)
    if (!after.has(k)) {
      const now = replayed.find((r) => `${r.check}\u0000${r.rule ?? ""}` === k);
      out.push({
        check: c.check,
        ...(c.rule ? { rule: c.rule } : {}),
        now: "pass",
        detail: now?.detail ?? `no longer in the spec (was: ${c.detail})`,
      });
    }
  return out;
}

const emptyTally = (): ReplayTally => ({ proposed: 0, sent: 0, review: 0, deferred: 0, blocked: 0 });

function tally(t: ReplayTally, verdict: Verdict | undefined, sent: boolean) {
  if (!verdict) return;
  t.proposed++;
  if (sent) t.sent++;
  if (verdict === "require_approval") t.review++;
  else if (verdict === "defer") t.deferred++;
  else if (verdict === "block") t.blocked++;
}

const sameTouch = (d: Decision, e: Evaluation) =>
  d.reservation.touch === (e.reservation.touch !== undefined) &&
  d.executeAt === (e.executeAt !== undefined ? iso(e.executeAt) : undefined) &&
  d.expiresAt === (e.expiresAt !== undefined ? iso(e.expiresAt) : undefined);

const bumpKeys = (bumps: { counter: string; day: string }[]) =>
  bumps
    .map((b) => `${b.counter}@${b.day}`)
    .sort()
    .join(",");

export interface ReplayOptions {
  /**
   * The spec versions a proposed spec's experiment names, by version (arms decide under them as the gate
   * does, a holdout's outreach is blocked). Needed only when `spec.spec.experiments` names versions.
   */
  armVersions?: ReadonlyMap<number, SpecVersion>;
}

/** The spec a decision on `accountId` is made under, and its arm: as the gate chooses (usecases/experiments.ts). */
function choose(spec: SpecVersion, accountId: string, options: ReplayOptions) {
  const experiment = spec.spec.experiments;
  if (!experiment) return { spec };
  const assignment = assignArm(experiment, accountId);
  const v = assignment.version;
  const armSpec = v === undefined || v === spec.version ? spec : options.armVersions?.get(v);
  if (!armSpec) throw new Error(`spec v${v}, named by experiment arm ${assignment.arm}, was not given`);
  return { spec: armSpec, assignment };
}

/**
 * Re-decide `decisions` (any order; those of the window) under `spec`. Pure: the same input gives the
 * same report. Decisions without facts, or whose facts were erased, keep their recorded effects and
 * are counted as not replayable.
 */
export function replay(spec: SpecVersion, decisions: Decision[], options: ReplayOptions = {}): ReplayReport {
  const tz = spec.spec.workspace.timezone;
  const sorted = [...decisions].sort(byTime);
  /** Changed decisions: what really happened and what would have, by id. */
  const changed = new Map<string, { actual: Timeline; replay: Timeline }>();
  const changedOnAccount = new Map<string, string[]>();
  const changedOnCounter = new Map<string, string[]>();
  /**
   * Replayed verdicts, for retries, by agent and proposal id (a retry's `retryOf` names the proposal it
   * retries: agents/runner.ts); absent for decisions not replayed.
   */
  const verdicts = new Map<string, Verdict | "not_proposed">();
  const remember = (d: Decision, v: Verdict | "not_proposed") =>
    verdicts.set(`${d.agentId}\u0000${d.proposalId}`, v);
  const totals = new Map<string, ReplayTotals>();
  const report: ReplayReport = {
    specHash: spec.hash,
    decisions: sorted.length,
    replayed: 0,
    flipped: 0,
    notProposed: 0,
    notReplayable: { noFacts: 0, erased: 0 },
    flips: [],
    totals: [],
  };

  const markChanged = (actual: Timeline, replayed: Timeline) => {
    changed.set(actual.decisionId, { actual, replay: replayed });
    const onAccount = changedOnAccount.get(actual.accountId) ?? [];
    onAccount.push(actual.decisionId);
    changedOnAccount.set(actual.accountId, onAccount);
    for (const c of new Set([...actual.counters, ...replayed.counters].map((b) => `${b.counter}@${b.day}`))) {
      const list = changedOnCounter.get(c) ?? [];
      list.push(actual.decisionId);
      changedOnCounter.set(c, list);
    }
  };

  for (const d of sorted) {
    const key = `${d.agentId}\u0000${d.actionType}`;
    let tot = totals.get(key);
    if (!tot) {
      tot = { agentId: d.agentId, actionType: d.actionType, before: emptyTally(), after: emptyTally() };
      totals.set(key, tot);
    }
    const why = notReplayable(d);
    if (why) {
      if (why === "no_facts") report.notReplayable.noFacts++;
      else report.notReplayable.erased++;
      continue;
    }
    tally(tot.before, d.verdict, actuallySent(d));
    // Before, looked up by decision id only, so the runner's retries were never found "not proposed".
    const original = d.retryOf ? verdicts.get(`${d.agentId}\u0000${d.retryOf}`) : undefined;
    if (original !== undefined && original !== "defer") {
      // The runtime re-proposes deferred proposals only: under this spec there was nothing to retry.
      remember(d, "not_proposed");
      report.notProposed++;
      markChanged(actualTimeline(d), { ...actualTimeline(d), touch: [], counters: [], sent: false });
      report.flips.push({ ...flipBase(d), replayed: "not_proposed", changedBy: [] });
      continue;
    }
    const choice = choose(spec, d.accountId, options);
    const ctx = contextFromFacts(d, choice.spec);
    if (changed.size > 0) evolve(ctx, d, tz, changed, changedOnAccount, changedOnCounter);
    let e = evaluate(ctx);
    // The gate's holdout: outreach (a touch, an ads audience) to a held-out account is blocked.
    const kind = choice.spec.spec.autonomy.actions[d.actionType]?.kind;
    if (choice.assignment?.holdout && (kind === "touch" || kind === "audience"))
      e = holdoutEvaluation(e, choice.assignment);
    report.replayed++;
    remember(d, e.verdict);
    const same =
      e.verdict === d.verdict &&
      sameTouch(d, e) &&
      bumpKeys(e.reservation.counters) === bumpKeys(reserves(d.verdict) ? d.reservation.counters : []);
    if (same) {
      tally(tot.after, e.verdict, actuallySent(d));
      continue;
    }
    const replayed = replayTimeline(d, e, d.decisionId);
    markChanged(actualTimeline(d), replayed);
    tally(tot.after, e.verdict, replayed.sent);
    if (e.verdict !== d.verdict) {
      report.flipped++;
      report.flips.push({ ...flipBase(d), replayed: e.verdict, changedBy: changedBy(d.checks, e.checks) });
    }
  }
  report.totals = [...totals.values()].sort((a, b) =>
    a.agentId === b.agentId ? (a.actionType < b.actionType ? -1 : 1) : a.agentId < b.agentId ? -1 : 1,
  );
  return report;
}

const flipBase = (d: Decision) => ({
  decisionId: d.decisionId,
  agentId: d.agentId,
  actionType: d.actionType,
  accountId: d.accountId,
  decidedAt: d.decidedAt,
  actual: d.verdict,
});

/**
 * Correct the recorded contact state and counters of `ctx` by what the changed decisions before it
 * really did versus what they would have done.
 */
function evolve(
  ctx: GateContext,
  d: Decision,
  tz: string,
  changed: Map<string, { actual: Timeline; replay: Timeline }>,
  changedOnAccount: Map<string, string[]>,
  changedOnCounter: Map<string, string[]>,
) {
  const at = ctx.now;
  const onAccount = changedOnAccount.get(d.accountId);
  if (onAccount) {
    const ids = new Set(onAccount);
    const touches: Touch[] = ctx.touches.filter((t) => !ids.has(t.decisionId));
    for (const id of onAccount) {
      const t = changed.get(id)?.replay;
      const touch = t ? touchAt(t, at) : undefined;
      if (touch) touches.push(touch);
    }
    ctx.touches = touches.sort((a, b) => a.from - b.from);
  }
  const day = localDate(at, tz);
  const action = ctx.spec.spec.autonomy.actions[d.actionType];
  const delta = (counter: string) => {
    let n = 0;
    for (const id of changedOnCounter.get(`${counter}@${day}`) ?? []) {
      const c = changed.get(id);
      if (!c) continue;
      n += (holds(c.replay, counter, day, at, tz) ? 1 : 0) - (holds(c.actual, counter, day, at, tz) ? 1 : 0);
    }
    return n;
  };
  const agent = counterNames.agent(d.agentId);
  const actionCounter = counterNames.actionType(d.actionType);
  const channel = action?.channel ? counterNames.channel(action.channel) : undefined;
  const deltas = new Map<string, number>([
    [agent, delta(agent)],
    [actionCounter, delta(actionCounter)],
    ...(channel ? [[channel, delta(channel)] as [string, number]] : []),
  ]);
  const counts = { ...ctx.counts };
  counts.agent = Math.max(0, counts.agent + (deltas.get(agent) ?? 0));
  counts.actionType = Math.max(0, counts.actionType + (deltas.get(actionCounter) ?? 0));
  if (channel && counts.channel !== undefined)
    counts.channel = Math.max(0, counts.channel + (deltas.get(channel) ?? 0));
  ctx.counts = counts;
  // A counter the real reservation found full may have a free slot now that an earlier one was given back.
  if (ctx.fullCounters) ctx.fullCounters = ctx.fullCounters.filter((c) => (deltas.get(c) ?? delta(c)) >= 0);
}
